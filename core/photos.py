"""Check and clean an uploaded inspection photo.

Pure module: no models, no storage (the abstract photo model and ``attach_photo``, which stores a checked photo with
its row, are in ``core.stored_photos``). ``process_photo`` takes the upload (a file object or bytes), decides what it is
from its CONTENT (never the file name or the declared content type), refuses anything that is not a sound JPEG, PNG,
WebP or HEIC/HEIF picture within the byte and pixel caps, reads the EXIF GPS position and capture time from the
original, and returns a cleaned copy to serve: upright (EXIF orientation applied) and without EXIF/XMP metadata.
HEIC/HEIF (iPhone) is converted to JPEG; JPEG is re-encoded at quality 88; PNG and WebP stay PNG and WebP.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .errors import BadInput

register_heif_opener()

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_PIXELS = 60_000_000
JPEG_QUALITY = 88
WEBP_QUALITY = 88

ACCEPTED = "JPEG、PNG、WebP、HEIC"

# Our format name → (Pillow plugin format, served extension, served content type, served Pillow format).
_FORMATS = {
    "JPEG": ("JPEG", "jpg", "image/jpeg", "JPEG"),
    "PNG": ("PNG", "png", "image/png", "PNG"),
    "WEBP": ("WEBP", "webp", "image/webp", "WEBP"),
    "HEIC": ("HEIF", "jpg", "image/jpeg", "JPEG"),
}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2"}
_AVIF_BRANDS = {b"avif", b"avis"}

# EXIF tags used here.
_TAG_DATETIME = 0x0132
_TAG_EXIF_IFD = 0x8769
_TAG_GPS_IFD = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME = 0x9010
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo. ``message`` is a user-facing Chinese sentence saying what is wrong;
    ``code`` is a short machine-readable reason: empty, too_large, format, too_many_pixels, corrupt."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes  # the cleaned copy to serve: upright, no EXIF/XMP/GPS
    extension: str  # "jpg" | "png" | "webp"
    content_type: str  # "image/jpeg" | "image/png" | "image/webp"
    width: int  # of the served (upright) picture
    height: int
    sha256: str  # hex digest of the ORIGINAL uploaded bytes
    exif_lon: float | None  # WGS-84 degrees from the EXIF GPS IFD, None when absent or unusable
    exif_lat: float | None
    exif_time: datetime | None  # DateTimeOriginal (else DateTime); aware when an EXIF offset is given, else naive
    original_format: str  # "JPEG" | "PNG" | "WEBP" | "HEIC"
    phash: str | None = None  # 16 hex digits: perceptual hash of the upright picture; None when it could not be made
    dhash: str | None = None  # 16 hex digits: difference hash, the second opinion on a near match
    has_exif: bool = False  # the original carried any EXIF at all (a camera's photo does; a screenshot does not)

    def file_name(self, stem) -> str:
        """The stored file's name: "<stem>-<first 16 hex digits of the digest>.<extension>"."""
        return f"{stem}-{self.sha256[:16]}.{self.extension}"


def default_limits() -> tuple[int, int]:
    """(max_bytes, max_pixels) from settings.PATROL, falling back to 15 MB / 60 Mpx when Django is not configured."""
    cfg = {}
    try:
        from django.conf import settings

        if settings.configured:
            cfg = getattr(settings, "PATROL", None) or {}
    except Exception:  # Django missing or settings module broken: this module stays usable on its own.
        cfg = {}
    return int(cfg.get("PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)), int(cfg.get("PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def process_photo(fileobj, max_bytes: int | None = None, max_pixels: int | None = None) -> ProcessedPhoto:
    """Check and clean one uploaded photo; raise PhotoRejected with a Chinese message when it is not acceptable."""
    default_bytes, default_pixels = default_limits()
    max_bytes = default_bytes if max_bytes is None else int(max_bytes)
    max_pixels = default_pixels if max_pixels is None else int(max_pixels)

    data = _read_capped(fileobj, max_bytes)
    if not data:
        raise PhotoRejected("文件为空，请重新选择照片", "empty")
    if len(data) > max_bytes:
        raise PhotoRejected(f"图片文件过大，超过 {_human_bytes(max_bytes)} 上限，请压缩后再上传", "too_large")

    fmt = _sniff(data)
    if fmt not in _FORMATS:
        raise PhotoRejected(_format_message(fmt, data), "format")
    pillow_format, extension, content_type, out_format = _FORMATS[fmt]

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=[pillow_format])  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(
                f"图片像素过多（疑似解压炸弹），上限 {_human_pixels(max_pixels)}", "too_many_pixels"
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRejected(_corrupt_message(fmt), "corrupt") from None

    with im:
        width, height = im.size
        if width <= 0 or height <= 0:
            raise PhotoRejected(_corrupt_message(fmt), "corrupt")
        if width * height > max_pixels:
            raise PhotoRejected(
                f"图片尺寸过大：{width}×{height}（约 {_human_pixels(width * height)}），"
                f"上限 {_human_pixels(max_pixels)}",
                "too_many_pixels",
            )

        try:
            im.load()  # decode the pixels now: truncated or corrupt data fails here
        except Exception:
            raise PhotoRejected(_corrupt_message(fmt), "corrupt") from None

        lon, lat, taken = _read_exif(im)
        has_exif = _has_exif(im)
        icc = im.info.get("icc_profile") or None
        transparency = im.info.get("transparency")

        try:
            ImageOps.exif_transpose(im, in_place=True)
        except Exception:  # a malformed EXIF block must not lose the photo; serve it as stored
            pass

        phash, dhash = perceptual_hashes(im)
        content, width, height = _encode(im, out_format, icc, transparency, lossless=_webp_lossless(data))

    return ProcessedPhoto(
        content=content,
        extension=extension,
        content_type=content_type,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        exif_lon=lon,
        exif_lat=lat,
        exif_time=taken,
        original_format=fmt,
        phash=phash,
        dhash=dhash,
        has_exif=has_exif,
    )


def clean_photo(fileobj, field: str = "image") -> ProcessedPhoto:
    """process_photo for a request: a picture it refuses is BadInput (400) naming the form field it came in."""
    try:
        return process_photo(fileobj)
    except PhotoRejected as exc:
        raise BadInput(exc.message, field=field) from exc


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres on the mean Earth sphere (R = 6 371 008.8 m).

    Within 0.5 % of the WGS-84 geodesic, far better than phone GPS, which is all it is compared with."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(h)))


HASH_SIDE = 256  # the picture is first shrunk (box filter) to fit this square: hashing a 12 Mpx photo stays fast


def perceptual_hashes(im: Image.Image) -> tuple[str | None, str | None]:
    """(pHash, dHash) of an upright picture as 16 hex digits each (64 bits), or (None, None) when they cannot be made.

    The picture is reduced to grey and to at most HASH_SIDE pixels a side with a box filter first (``reduce`` on
    whole factors, then one resize): ImageHash's own LANCZOS shrink of a 12 Mpx photo to 32×32 costs far more and
    gives the same bits. Never raises: a photo whose hash fails is still stored (and flagged ``unchecked``)."""
    try:
        import imagehash

        grey = im.convert("L") if im.mode not in ("L", "RGB") else im
        factor = max(1, min(grey.width, grey.height) // HASH_SIDE)
        if factor > 1:
            grey = grey.reduce(factor)
        grey = grey.convert("L")
        if max(grey.size) > HASH_SIDE:
            grey = grey.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX)
        return str(imagehash.phash(grey)), str(imagehash.dhash(grey))
    except Exception:  # noqa: BLE001 - any failure here must not lose the photo
        return None, None


def hamming(a: str, b: str) -> int:
    """Bits that differ between two 16-hex-digit hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# ── reading ───────────────────────────────────────────────────────────────────────────────────────────────────────


def _read_capped(fileobj, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes of the upload (enough to know it is too big without reading it all)."""
    if isinstance(fileobj, bytes | bytearray | memoryview):
        return bytes(fileobj[: max_bytes + 1])
    try:
        fileobj.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    chunks, remaining = [], max_bytes + 1
    while remaining > 0:
        chunk = fileobj.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _sniff(data: bytes) -> str | None:
    """Format name from the magic bytes, or None when nothing is recognised."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[0:4], "big")
        major = data[8:12]
        compatible = {data[i : i + 4] for i in range(16, min(max(size, 16), len(data), 256), 4)}
        brands = {major} | compatible
        if major in _AVIF_BRANDS or (major in _HEIF_GENERIC_BRANDS and brands & _AVIF_BRANDS):
            return "AVIF"
        if brands & _HEIF_BRANDS or major in _HEIF_GENERIC_BRANDS:
            return "HEIC"
        return "VIDEO"
    for magic, name in (
        (b"GIF87a", "GIF"),
        (b"GIF89a", "GIF"),
        (b"%PDF", "PDF"),
        (b"BM", "BMP"),
        (b"II*\x00", "TIFF"),
        (b"MM\x00*", "TIFF"),
        (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
        (b"8BPS", "PSD"),
        (b"PK\x03\x04", "ZIP"),
        (b"\x00\x00\x01\x00", "ICO"),
    ):
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF":
        return "RIFF（音视频）"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "SVG"
    return None


def _format_message(fmt: str | None, data: bytes) -> str:
    if fmt == "VIDEO":
        return f"这是视频文件（MP4/MOV 等），不是照片，仅接受 {ACCEPTED}"
    if fmt is not None:
        return f"不支持的图片格式：{fmt}，仅接受 {ACCEPTED}"
    if _looks_like_text(data):
        return f"文件内容是文本，不是图片，仅接受 {ACCEPTED}"
    return f"无法识别的文件格式，不是图片，仅接受 {ACCEPTED}"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample is still text
        return exc.start >= len(sample) - 3
    return True


def _corrupt_message(fmt: str) -> str:
    name = {"WEBP": "WebP"}.get(fmt, fmt)
    return f"{name} 图片文件已损坏或不完整（可能上传中断），请重新上传"


def _human_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def _human_pixels(n: int) -> str:
    return f"{n / 10_000:.0f} 万像素" if n >= 10_000 else f"{n} 像素"


def _webp_lossless(data: bytes) -> bool:
    """Whether a WebP holds a lossless (VP8L) bitstream, so the served copy stays lossless too."""
    if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return False
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if tag == b"VP8L":
            return True
        if tag == b"VP8 ":
            return False
        pos += 8 + size + (size & 1)
    return False


# ── EXIF ──────────────────────────────────────────────────────────────────────────────────────────────────────────


def _read_exif(im: Image.Image) -> tuple[float | None, float | None, datetime | None]:
    """(lon, lat, time) from the original's EXIF; anything missing or malformed is None, never an error."""
    try:
        exif = im.getexif()
    except Exception:
        return None, None, None
    lon = lat = None
    try:
        gps = exif.get_ifd(_TAG_GPS_IFD)
        lat = _gps_degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), b"S", 90)
        lon = _gps_degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), b"W", 180)
        if lat is None or lon is None or (lat == 0 and lon == 0):  # 0,0 is "no fix" on many phones
            lat = lon = None
    except Exception:
        lat = lon = None
    taken = None
    try:
        sub = exif.get_ifd(_TAG_EXIF_IFD)
        taken = _exif_datetime(sub.get(_TAG_DATETIME_ORIGINAL), sub.get(_TAG_OFFSET_TIME_ORIGINAL))
        if taken is None:
            taken = _exif_datetime(exif.get(_TAG_DATETIME), sub.get(_TAG_OFFSET_TIME))
    except Exception:
        taken = None
    return lon, lat, taken


def _has_exif(im: Image.Image) -> bool:
    try:
        return len(im.getexif()) > 0
    except Exception:
        return False


def _gps_degrees(value, ref, negative_ref: bytes, limit: float) -> float | None:
    """EXIF GPS (degrees, minutes, seconds) rationals plus N/S/E/W reference → signed decimal degrees."""
    if value is None:
        return None
    parts = list(value) if isinstance(value, tuple | list) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    nums = [float(p) for p in parts]  # IFDRational → float; a zero denominator gives nan
    nums += [0.0] * (3 - len(nums))
    if not all(math.isfinite(n) and n >= 0 for n in nums):
        return None
    degrees = nums[0] + nums[1] / 60 + nums[2] / 3600
    if isinstance(ref, str):
        ref = ref.encode("ascii", "ignore")
    if ref and ref.strip(b"\x00 ").upper().startswith(negative_ref):
        degrees = -degrees
    return degrees if abs(degrees) <= limit else None


def _exif_datetime(value, offset) -> datetime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" (+ optional "+08:00" offset tag) → datetime; None when blank or malformed."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    value = value.strip("\x00 ")
    try:
        dt = datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "ignore")
    if isinstance(offset, str):
        match = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset.strip("\x00 "))
        if match:
            sign = -1 if match[1] == "-" else 1
            delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
            if delta < timedelta(hours=24):
                dt = dt.replace(tzinfo=timezone(sign * delta))
    return dt


# ── writing ───────────────────────────────────────────────────────────────────────────────────────────────────────


def _encode(im: Image.Image, out_format: str, icc: bytes | None, transparency, lossless: bool):
    """Encode the pixels alone (the image's info dict, with its EXIF/XMP/text chunks, is not carried over)."""
    if out_format == "JPEG":
        if im.mode == "CMYK":
            im, icc = im.convert("RGB"), None  # the ICC profile described CMYK: it no longer applies
        elif im.mode not in ("RGB", "L"):
            im = _flatten(im, transparency)
        params = {"quality": JPEG_QUALITY, "optimize": True}
    elif out_format == "PNG":
        params = {"optimize": False}
        if transparency is not None:
            params["transparency"] = transparency
    else:  # WEBP
        params = {"lossless": True} if lossless else {"quality": WEBP_QUALITY}
        params["exif"] = b""
        params["xmp"] = b""
    im.info = {}  # nothing from the original's metadata may leak through the encoders' im.info fallbacks
    if icc:
        params["icc_profile"] = icc
    out = io.BytesIO()
    im.save(out, out_format, **params)
    return out.getvalue(), im.width, im.height


def _flatten(im: Image.Image, transparency) -> Image.Image:
    """Any mode → RGB for JPEG, transparent parts over white."""
    if im.mode == "P" and transparency is not None:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")
