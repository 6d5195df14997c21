"""Real photographs for the trust checks: the ones scikit-image ships in its package, and their altered copies."""
import io
from itertools import combinations

from PIL import Image, ImageEnhance

# Photographs of scenes and objects (not synthetic patterns or textures): what an evidence photo is.
NAMES = ["astronaut", "coffee", "chelsea", "camera", "rocket", "immunohistochemistry", "moon", "clock", "coins",
         "page", "hubble_deep_field", "retina", "microaneurysms", "cell"]


def photo(name) -> Image.Image:
    import skimage.data

    a = getattr(skimage.data, name)()
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[..., :3]
    return Image.fromarray(a).convert("RGB")


def jpeg_bytes(im, quality=90, exif=None):
    buf = io.BytesIO()
    params = {"quality": quality}
    if exif is not None:
        params["exif"] = exif.tobytes()
    im.convert("RGB").save(buf, "JPEG", **params)
    return buf.getvalue()


def reopen(data):
    return Image.open(io.BytesIO(data))


def crop5(im):
    """5 % off each side's length, centred (2.5 % from every edge)."""
    w, h = im.size
    dx, dy = round(w * 0.025), round(h * 0.025)
    return im.crop((dx, dy, w - dx, h - dy))


def altered(im):
    """The copies a village might send as "another" photo: name → picture."""
    w, h = im.size
    return {
        "jpeg60": reopen(jpeg_bytes(im, 60)),
        "half": im.resize((w // 2, h // 2), Image.Resampling.BILINEAR),
        "crop5": crop5(im),
        "brighter": reopen(jpeg_bytes(ImageEnhance.Brightness(im).enhance(1.2), 85)),
        "all_at_once": reopen(jpeg_bytes(
            ImageEnhance.Brightness(crop5(im).resize((w // 2, h // 2))).enhance(1.2), 60)),
    }


def pairs():
    return combinations(NAMES, 2)


def acceptance_campaign(town):
    """冬季战役 of the town's area: a work phase up to yesterday, the acceptance phase from yesterday (campaigns'
    acceptance photos are checked against its start)."""
    from datetime import timedelta

    from django.utils import timezone

    from campaigns import services as campaigns
    from tests.factories import TOWN_A

    today = timezone.localdate()
    d = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
    return campaigns.create_campaign(town, {
        "name": "冬季战役", "areas": [TOWN_A], "start": d(-20), "end": d(2),
        "quotas": [{"name": "危房", "categories": ["dilapidated_house"], "per_village_per_week": 3}],
        "phases": [{"name": "攻坚", "kind": "work", "start": d(-20), "end": d(-1)},
                   {"name": "考核验收", "kind": "acceptance", "start": d(-1), "end": d(2)}]})
