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
