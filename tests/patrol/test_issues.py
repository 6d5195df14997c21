"""Reporting, idempotency, bad input, rebounds and duplicates through the API."""
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from patrol.models import Issue, IssueEvent
from tests.factories import (
    TOWN_A,
    V1,
    V3,
    close_issue,
    make_geography,
    make_issue,
    make_user,
    metres_east,
    village_point,
)

pytestmark = pytest.mark.django_db


def feature(lon, lat, **props):
    props.setdefault("category", "dry_toilet")
    props.setdefault("client_uuid", str(uuid.uuid4()))
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


@pytest.fixture
def inspector(geography):
    return make_user("inspector", "310112")


def test_report_ties_issue_to_town_village_grid(inspector, login):
    api = login(inspector)
    lon, lat = village_point(V1, grid=2)
    response = api.post("/api/issues/", feature(lon, lat, description="路边小粪缸", source="district_patrol"),
                        format="json")
    assert response.status_code == 201, response.content
    props = response.json()["properties"]
    assert (props["town"], props["village"], props["grid"]) == (TOWN_A, V1, V1 + "002")
    assert props["status"] == "reported" and props["light"] == "yellow"
    issue = Issue.objects.get(pk=props["id"])
    assert issue.events.get().action == "report"


def test_retry_with_same_uuid_returns_stored_issue(inspector, login):
    api = login(inspector)
    body = feature(*village_point(V1))
    first = api.post("/api/issues/", body, format="json")
    again = api.post("/api/issues/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Issue.objects.count() == 1 and IssueEvent.objects.count() == 1


def test_same_uuid_other_content_is_409(inspector, login):
    api = login(inspector)
    body = feature(*village_point(V1))
    api.post("/api/issues/", body, format="json")
    body["properties"]["category"] = "shack"
    response = api.post("/api/issues/", body, format="json")
    assert response.status_code == 409
    assert response.json()["field"] == "client_uuid"
    assert Issue.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_retries_create_one_issue():
    make_geography()
    user = make_user("inspector", "310112")
    from patrol.services import report_issue

    key, lon_lat = uuid.uuid4(), village_point(V1)
    barrier, results, errors = threading.Barrier(6), [], []

    def send():
        try:
            barrier.wait()
            results.append(report_issue(user, lon=lon_lat[0], lat=lon_lat[1], category="shack", client_uuid=key))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Issue.objects.count() == 1
    assert {r.issue.pk for r in results} == {Issue.objects.get().pk}
    assert sum(r.created for r in results) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        (feature(121.30, 31.11), "geometry"),  # west of every village
        (feature(121.405, 31.11, category="spaceship"), "category"),
        (feature(121.405, 31.11, client_uuid="not-a-uuid"), "properties.client_uuid"),
        (feature(121.405, 31.11, source="rumour"), "properties.source"),
        (feature(121.405, 31.11, crs="mars"), "properties.crs"),
        ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4]}, "properties": {}},
         "geometry.coordinates"),
        ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[121.4, 31.1], [121.41, 31.11]]},
          "properties": {"category": "shack", "client_uuid": str(uuid.uuid4())}}, "geometry.type"),
        ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [500, 31.11]},
          "properties": {"category": "shack", "client_uuid": str(uuid.uuid4())}}, "geometry.coordinates"),
        ({"geometry": None}, "type"),
    ],
)
def test_bad_reports_are_400_naming_the_field(inspector, login, body, field):
    response = login(inspector).post("/api/issues/", body, format="json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["field"] == field or field in payload["detail"], payload
    assert Issue.objects.count() == 0


def test_malformed_json_is_400(inspector, login):
    response = login(inspector).post("/api/issues/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_gcj02_coordinates_are_converted_before_storing(inspector, login):
    from geo.coords import wgs84_to_gcj02

    lon, lat = village_point(V3, grid=1)
    glon, glat = wgs84_to_gcj02(lon, lat)
    response = login(inspector).post("/api/issues/", feature(glon, glat, crs="gcj02"), format="json")
    assert response.status_code == 201, response.content
    stored = Issue.objects.get()
    assert abs(stored.location.x - lon) < 1e-7 and abs(stored.location.y - lat) < 1e-7
    assert stored.crs == "gcj02" and stored.village_id == V3


def test_report_outside_own_area_is_refused(geography, login):
    cun = make_user("village", V1)
    response = login(cun).post("/api/issues/", feature(*village_point(V3)), format="json")
    assert response.status_code == 403
    assert "辖区" in response.json()["detail"]


class TestRebound:
    @pytest.fixture
    def closed(self, geography):
        inspector = make_user("inspector", "310112")
        town, cun = make_user("town", TOWN_A), make_user("village", V1)
        issue = close_issue(make_issue(inspector, V1, category="shack"), town, cun)
        return inspector, issue

    def test_just_inside_30_m_is_a_rebound(self, closed):
        inspector, old = closed
        lon = metres_east(old.location.x, old.location.y, 29.5)
        new = make_issue(inspector, lon=lon, lat=old.location.y, category="shack")
        assert new.rebound_of_id == old.pk
        assert new.events.get().data == {"rebound_of": old.pk}

    def test_just_outside_30_m_is_not(self, closed):
        inspector, old = closed
        lon = metres_east(old.location.x, old.location.y, 30.5)
        assert make_issue(inspector, lon=lon, lat=old.location.y, category="shack").rebound_of_id is None

    def test_other_category_is_not(self, closed):
        inspector, old = closed
        assert make_issue(inspector, lon=old.location.x, lat=old.location.y, category="clutter").rebound_of is None

    def test_closed_more_than_12_months_ago_is_not(self, closed):
        inspector, old = closed
        Issue.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=400))
        assert make_issue(inspector, lon=old.location.x, lat=old.location.y, category="shack").rebound_of is None

    def test_open_issue_is_not_rebound_but_duplicate_warning(self, geography, login):
        inspector = make_user("inspector", "310112")
        first = make_issue(inspector, V1, category="clutter")
        lon = metres_east(first.location.x, first.location.y, 15)
        response = login(inspector).post("/api/issues/", feature(lon, first.location.y, category="clutter"),
                                         format="json")
        props = response.json()["properties"]
        assert props["rebound_of"] is None
        assert [n["id"] for n in props["nearby"]] == [first.pk]
        assert 14 < props["nearby"][0]["distance_m"] < 16

    def test_duplicate_warning_stops_at_20_m(self, geography, login):
        inspector = make_user("inspector", "310112")
        first = make_issue(inspector, V1, category="clutter")
        lon = metres_east(first.location.x, first.location.y, 21)
        response = login(inspector).post("/api/issues/", feature(lon, first.location.y, category="clutter"),
                                         format="json")
        assert response.json()["properties"]["nearby"] == []
