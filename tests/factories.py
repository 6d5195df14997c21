"""Small, hand-checkable geography and users for tests.

District 310112 with two towns side by side; each town holds two villages; each village two grids.
Everything is axis-aligned boxes near Minhang so distances can be reasoned about by hand:

    lon 121.40 ── 121.42 ── 121.44 ── 121.46 ── 121.48
        | V 001   | V 002   | V 003   | V 004   |     lat 31.10 – 31.12
        |  town 102 (101,102)| town 103 (201,202)|
Each village is split at its middle longitude into grids 001 (west) and 002 (east).
"""
from itertools import count

from django.contrib.gis.geos import MultiPolygon, Polygon

from accounts.models import User
from geo.lookup import rebuild_pieces
from geo.models import District, Grid, Town, Village

DISTRICT = "310112"
TOWN_A, TOWN_B = "310112102", "310112103"
VILLAGES = {
    "310112102201": (TOWN_A, 121.40, "甲村"),
    "310112102202": (TOWN_A, 121.42, "乙村"),
    "310112103201": (TOWN_B, 121.44, "丙村"),
    "310112103202": (TOWN_B, 121.46, "丁村"),
}
V1, V2, V3, V4 = VILLAGES  # 甲村, 乙村 (town A), 丙村, 丁村 (town B)
LAT0, LAT1 = 31.10, 31.12


def box(x0, y0, x1, y1):
    return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=4326)


def make_geography():
    district = District.objects.create(code=DISTRICT, name="闵行区", boundary=box(121.40, LAT0, 121.48, LAT1))
    Town.objects.create(code=TOWN_A, name="甲镇", district=district, boundary=box(121.40, LAT0, 121.44, LAT1))
    Town.objects.create(code=TOWN_B, name="乙镇", district=district, boundary=box(121.44, LAT0, 121.48, LAT1))
    for code, (town, x0, name) in VILLAGES.items():
        Village.objects.create(code=code, name=name, town_id=town, boundary=box(x0, LAT0, x0 + 0.02, LAT1))
        Grid.objects.create(
            code=code + "001", name=name + "一网格", village_id=code, boundary=box(x0, LAT0, x0 + 0.01, LAT1)
        )
        Grid.objects.create(
            code=code + "002", name=name + "二网格", village_id=code, boundary=box(x0 + 0.01, LAT0, x0 + 0.02, LAT1)
        )
    for level in ("district", "town", "village", "grid"):
        rebuild_pieces(level)
    return district


_seq = count(1)


def make_user(role, area_code, username=None, password="pass-1234"):
    user = User.objects.create_user(
        username=username or f"{role}{next(_seq)}", password=password, role=role, area_code=area_code
    )
    return user


def village_point(code, grid=1):
    """A point inside the given grid (1 west, 2 east) of a village."""
    _, x0, _ = VILLAGES[code]
    return (x0 + (0.005 if grid == 1 else 0.015), 31.11)


def metres_east(lon, lat, metres):
    """The longitude `metres` east of (lon, lat), on the WGS-84 ellipsoid (exact to well under a centimetre)."""
    from pyproj import Geod

    lon2, _, _ = Geod(ellps="WGS84").fwd(lon, lat, 90, metres)
    return lon2


def make_issue(reporter, village="310112102201", grid=1, category="dry_toilet", lon=None, lat=None, **kwargs):
    import uuid

    from patrol.services import report_issue

    if lon is None:
        lon, lat = village_point(village, grid)
    kwargs.setdefault("client_uuid", uuid.uuid4())
    return report_issue(reporter, lon=lon, lat=lat, category=category, **kwargs).issue


def tiny_jpeg(color=(120, 90, 60), size=(32, 24)):
    """A small real JPEG as an uploadable file."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return SimpleUploadedFile("after.jpg", buf.getvalue(), content_type="image/jpeg")


def close_issue(issue, town_user, village_user, now=None):
    """Run an issue through assign → submit (with an after-photo) → verify."""
    from patrol.services import add_photo, transition_issue

    transition_issue(town_user, issue.pk, "assign", now=now)
    add_photo(village_user, issue.pk, tiny_jpeg(color=(issue.pk % 255, 10, 10)), "after")
    transition_issue(village_user, issue.pk, "submit", now=now)
    transition_issue(town_user, issue.pk, "verify", now=now)
    issue.refresh_from_db()
    return issue


def seed_reference_rows():
    """Put back every row a migration seeds (problem categories, facility kinds): a transactional test's flush
    empties them for the tests that run after it in the same worker."""
    from importlib import import_module

    from django.apps import apps

    seed_categories()
    import_module("facilities.migrations.0002_kinds_category_cache").seed(apps, None)


def seed_categories():
    """Put back the problem categories the migration seeds (a transactional test's flush removes them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("patrol.migrations.0002_history_append_only_and_categories").seed(apps, None)
    import_module("patrol.migrations.0007_missing_categories").seed(apps, None)
    import_module("patrol.migrations.0013_pond_debris_own_icon").forward(apps, None)


def at(y, m, d, h=10):
    """A moment in the local time zone (for hand-made histories)."""
    from datetime import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime(y, m, d, h))
