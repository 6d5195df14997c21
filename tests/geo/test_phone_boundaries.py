"""The field app's boundaries on a weak link: `?simplify=M` answers them light (simplified, 6 decimals), compressed,
with an ETag the phone sends back so an unchanged answer costs a 304 and no body."""
import gzip
import json
import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from geo.models import Village
from mobile.views import api_urls
from tests.factories import LAT0, LAT1, V1, V3

pytestmark = pytest.mark.django_db


def wiggly_boundary(x0, y0, x1, y1, n=2400):
    """A village edge as surveyed: n vertices with sub-metre zigzags along the sides of a box."""
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2.2, (y1 - y0) / 2.2
    ring = []
    for i in range(n):
        t = 2 * math.pi * i / n
        wiggle = 1 + 0.00001 * (1 if i % 2 else -1)  # about 0.5 m in and out
        ring.append((cx + rx * math.cos(t) * wiggle, cy + ry * math.sin(t) * wiggle))
    ring.append(ring[0])
    return MultiPolygon(Polygon(ring), srid=4326)


@pytest.fixture
def surveyed(geography):
    v = Village.objects.get(code=V1)
    v.boundary = wiggly_boundary(121.40, LAT0, 121.42, LAT1)
    v.save()
    return v


def vertices(geometry):
    return sum(len(ring) for polygon in geometry["coordinates"] for ring in polygon)


def test_the_phone_gets_light_boundaries_of_its_area_with_the_same_properties(people, login, surveyed):
    client = login(people["town"])
    full = client.get("/api/villages/").json()
    light = client.get("/api/villages/?simplify=2")
    assert light.status_code == 200 and light["Content-Type"].startswith("application/geo+json")
    lite = json.loads(light.content)
    assert [(f["id"], f["properties"]) for f in lite["features"]] == \
        sorted(((f["id"], f["properties"]) for f in full["features"]), key=lambda p: p[0])
    assert {f["id"] for f in lite["features"]} == {V1, "310112102202"}  # town A only
    dense = next(f for f in lite["features"] if f["id"] == V1)["geometry"]
    original = next(f for f in full["features"] if f["id"] == V1)["geometry"]
    assert vertices(original) > 2000 and vertices(dense) < vertices(original) / 5
    coordinates = [c for polygon in dense["coordinates"] for ring in polygon for point in ring for c in point]
    assert all(len(repr(c).split(".")[1]) <= 6 for c in coordinates)
    assert len(light.content) * 5 < len(json.dumps(full))


def test_an_unchanged_answer_is_a_304_and_a_changed_one_is_sent_again(people, login, surveyed):
    client = login(people["district"])
    first = client.get("/api/grids/?simplify=2")
    etag = first["ETag"]
    assert etag and "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    again = client.get("/api/grids/?simplify=2", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    village_etag = client.get("/api/villages/?simplify=2")["ETag"]
    Village.objects.filter(code=V3).update(name="丙村（新）")
    changed = client.get("/api/villages/?simplify=2", HTTP_IF_NONE_MATCH=village_etag)
    assert changed.status_code == 200 and "丙村（新）" in changed.content.decode()
    assert changed["ETag"] != village_etag


def test_boundaries_travel_compressed(people, login, surveyed):
    client = login(people["district"])
    plain = client.get("/api/villages/?simplify=2")
    packed = client.get("/api/villages/?simplify=2", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) * 2 < len(plain.content)


@pytest.mark.parametrize("value", ["-1", "201", "nan", "abc"])
def test_a_bad_tolerance_is_a_400_naming_it(people, login, geography, value):
    response = login(people["district"]).get(f"/api/villages/?simplify={value}")
    assert response.status_code == 400 and response.json()["field"] == "simplify"


def test_the_field_app_asks_for_the_light_boundaries():
    urls = api_urls()
    assert urls["villages"].endswith("?simplify=2") and urls["grids"].endswith("?simplify=2")
