import pytest

from tests.factories import TOWN_A, make_user, village_point

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_locate_returns_town_village_grid(geography, login):
    api = login(make_user("district", "310112"))
    lon, lat = village_point("310112102202", grid=2)
    response = api.get("/api/locate/", {"lon": lon, "lat": lat})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["town"] == {"code": TOWN_A, "name": "甲镇"}
    assert body["village"]["code"] == "310112102202"
    assert body["grid"]["code"] == "310112102202002"


def test_locate_outside_every_village_is_404_json(geography, login):
    api = login(make_user("district", "310112"))
    response = api.get("/api/locate/", {"lon": 121.30, "lat": 31.11})
    assert response.status_code == 404
    assert "行政村" in response.json()["detail"]


def test_locate_many_matches_single_lookup(geography):
    from geo.lookup import locate, locate_many

    points = [village_point(v, g) for v in ("310112102201", "310112103202") for g in (1, 2)] + [(121.30, 31.11)]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    expected = []
    for lon, lat in points:
        found = locate(lon, lat)
        expected.append((found["village"].code, found["grid"].code) if found["village"] else (None, None))
    assert locate_many(lons, lats) == expected
    assert locate_many(lons, lats, chunk=2) == expected
    assert expected[-1] == (None, None) and expected[1] == ("310112102201", "310112102201002")


def test_bulk_path_agrees_with_the_probe_path(geography, monkeypatch):
    import random

    from geo import lookup

    rng = random.Random(3)
    lons = [rng.uniform(121.39, 121.49) for _ in range(400)]
    lats = [rng.uniform(31.095, 31.125) for _ in range(400)]
    probe = lookup.locate_many(lons, lats)
    monkeypatch.setattr(lookup, "BULK_THRESHOLD", 50)
    joined = lookup.locate_many(lons, lats, chunk=150)
    assert joined == probe
    assert sum(1 for v, _ in probe if v is None) > 20 and sum(1 for _, g in probe if g) > 200
