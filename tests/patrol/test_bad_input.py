"""Bad input never reaches a 500 and never poisons stored data (issue 16): the classes an attacker tried, each
refused at the door by the one validation layer (core.inputs, geo.parsers, config.middleware)."""
import json
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from patrol.models import Issue, IssueEvent
from tests.factories import TOWN_A, make_issue, make_user, village_point

pytestmark = pytest.mark.django_db
V1 = "310112102201"


def feature(lon, lat, **props):
    props.setdefault("category", "dry_toilet")
    props.setdefault("client_uuid", str(uuid.uuid4()))
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


@pytest.fixture
def district(geography, api):
    user = make_user("district", "310112")
    api.force_login(user)  # the HTML pages too
    return user


def raw(api, path, text):
    return api.post(path, data=text, content_type="application/json")


def assert_400(response, field=None):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert body["detail"]
    if field:
        assert body.get("field") == field, body


def test_the_four_contract_requests_answer_400_and_store_nothing(district, login):
    api = login(district)
    assert_400(api.get("/api/lights/", {"month": "9999-12"}), "month")
    assert_400(api.get("/api/issues/", {"bbox": "nan,nan,nan,nan"}), "bbox")
    assert_400(api.get("/api/assessment/?town=%00"), "town")
    lon, lat = village_point(V1)
    body = json.dumps(feature(lon, lat)).replace('"client_uuid"', '"accuracy_m": "NaN", "client_uuid"')
    assert_400(raw(api, "/api/issues/", body), "properties.accuracy_m")
    assert Issue.objects.count() == 0 and IssueEvent.objects.count() == 0


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "12345-01", "2026-13", "x"])
def test_years_out_of_range_everywhere(district, login, month):
    api = login(district)
    day = month + "-01"
    for path, params in [
        ("/api/lights/", {"month": month}), ("/api/assessment/", {"month": month}),
        ("/api/ledger.xlsx", {"town": TOWN_A, "month": month}), ("/api/heatmap/", {"from": month}),
        ("/api/heatmap/", {"to": day}), ("/api/hotspots/", {"to": month}),
        ("/api/hotspots/emerging/", {"to": month}), ("/api/patrols/coverage/", {"month": month}),
        ("/api/patrols/candidates/", {"date": day}), ("/api/issues/", {"reported_after": day + "T00:00"}),
        ("/api/reinspections/", {"month": month}), ("/assessment/", {"month": month}),
        (f"/reports/monthly/{month}.pdf", {}),
    ]:
        response = api.get(path, params)
        assert response.status_code == 400, (path, params, response.status_code)
    # a well-formed month outside 2000–2100 is refused for its year, anything else for its form
    said = "年份" if month in ("9999-12", "0001-01") else "YYYY-MM"
    for page in ("/map/", "/heatmap/"):  # the map pages fall back to this month and say what was wrong
        response = api.get(page, {"month": month})
        assert response.status_code == 200, (page, response.status_code)
        assert said in response.content.decode(), (page, said)
    plan = api.post("/api/patrols/plan/", {"date": day, "teams": 1, "start": list(village_point(V1))}, format="json")
    assert 400 <= plan.status_code < 500


def test_nul_byte_in_any_parameter_is_400(district, login):
    api = login(district)
    for path in ("/api/issues/?village=%00", "/api/issues/?category=a%00b", "/api/lights/?town=%00",
                 "/issues/?town=%00", "/api/hotspots/?category=%00", "/villages/%00/"):
        assert_400(api.get(path))
    issue = make_issue(district)
    form = api.post(f"/issues/{issue.pk}/", {"action": "assign", "note": "a\x00b"})
    assert form.status_code == 400
    note = raw(api, f"/api/issues/{issue.pk}/transition/", json.dumps({"action": "assign", "note": "a\x00b"}))
    assert_400(note)
    assert IssueEvent.objects.filter(issue=issue).count() == 1


def test_json_nan_infinity_nesting_and_size(district, login, settings):
    api = login(district)
    lon, lat = village_point(V1)
    for bad in ('"accuracy_m": 1e400', '"accuracy_m": NaN', '"accuracy_m": -Infinity', '"accuracy_m": "Infinity"'):
        body = json.dumps(feature(lon, lat)).replace('"client_uuid"', bad + ', "client_uuid"')
        assert_400(raw(api, "/api/issues/", body))
    assert_400(raw(api, "/api/issues/", "[" * 100_000 + "]" * 100_000))
    settings.API_MAX_BODY_BYTES = 1000
    big = json.dumps(feature(lon, lat, description="x" * 2000))
    assert raw(api, "/api/issues/", big).status_code == 413
    assert Issue.objects.count() == 0


def test_transition_location_must_be_finite_and_in_china(district, login):
    api = login(district)
    issue = make_issue(district)
    for location in ("[1e400, -1e400]", "[NaN, 31]", "[-74.0, 40.7]"):
        body = '{"action": "assign", "location": ' + location + '}'
        assert_400(raw(api, f"/api/issues/{issue.pk}/transition/", body))
    issue.refresh_from_db()
    assert issue.status == "reported" and issue.events.count() == 1
    assert api.get(f"/api/issues/{issue.pk}/history/").status_code == 200


def test_report_outside_china_and_bad_bbox_variants(district, login):
    api = login(district)
    assert_400(api.post("/api/issues/", feature(-74.0, 40.7), format="json"))
    for bbox in ("inf,0,1,1", "1,2,3", "121,31,nan,32", "0,0,500,1"):
        assert_400(api.get("/api/issues/", {"bbox": bbox}), "bbox")
        assert_400(api.get("/api/villages/", {"bbox": bbox}), "bbox")


def test_extent_3d_far_away_too_many_vertices_or_too_large(district, login):
    api = login(district)
    lon, lat = village_point(V1)
    ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat]]
    ok = api.post("/api/issues/", feature(lon, lat, extent={"type": "Polygon", "coordinates": [ring]}), format="json")
    assert ok.status_code == 201, ok.content
    bad = [
        {"type": "Polygon", "coordinates": [[[x, y, 5.0] for x, y in ring]]},  # 3-D
        {"type": "Polygon", "coordinates": [[[x + 1, y] for x, y in ring]]},  # 95 km away
        {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.2], [lon, lat]]]},
        {"type": "LineString", "coordinates": [[lon + i * 1e-6, lat] for i in range(6000)]},
        {"type": "MultiPolygon", "coordinates": []},  # EMPTY: valid to GEOS, nothing to draw or to look for
        {"type": "LineString", "coordinates": []},
    ]
    for extent in bad:
        assert_400(api.post("/api/issues/", feature(lon, lat, extent=extent), format="json"), "extent")
    infinite = json.dumps(feature(lon, lat, extent={"type": "LineString", "coordinates": [[lon, lat], [0, 0]]}))
    assert_400(raw(api, "/api/issues/", infinite.replace("[0, 0]", "[1e400, 31]")))
    assert Issue.objects.count() == 1


def test_form_fields_longer_than_their_column(district, login):
    api = login(district)
    issue = make_issue(district)
    response = api.post(f"/issues/{issue.pk}/", {"action": "assign", "assignee": "甲" * 500})
    assert response.status_code == 400
    issue.refresh_from_db()
    assert issue.status == "reported" and issue.assignee == ""


def test_request_cost_is_bounded(district, login, settings):
    api = login(district)
    assert_400(api.get("/api/hotspots/emerging/", {"months": 500}), "months")
    assert_400(api.get("/api/hotspots/", {"cell_m": 5}), "cell_m")
    settings.PATROL = {**settings.PATROL, "HOTSPOT_MAX_CELLS": 10}
    assert_400(api.get("/api/hotspots/", {"cell_m": 100}), "cell_m")
    plan = api.post("/api/patrols/plan/", {"teams": 1, "start": list(village_point(V1)), "seconds": 3600},
                    format="json")
    assert_400(plan, "seconds")


def test_repair_poisoned_rows(district, login):
    """Rows stored before validation (written here behind the API's back) are repaired or read as absent."""
    issue = make_issue(district)
    with connection.cursor() as cur:
        cur.execute("UPDATE patrol_issue SET accuracy_m = 'NaN' WHERE id = %s", [issue.pk])
        cur.execute("INSERT INTO patrol_issueevent (issue_id, action, from_status, to_status, at, note, location, "
                    "data) VALUES (%s, 'supervise', 'reported', 'reported', now(), '', "
                    "ST_SetSRID(ST_MakePoint('Infinity'::float8, '-Infinity'::float8), 4326), '{}')", [issue.pk])
    api = login(district)
    history = api.get(f"/api/issues/{issue.pk}/history/")
    assert history.status_code == 200
    assert [e["location"] for e in history.json() if e["action"] == "supervise"] == [None]
    assert api.get(f"/api/issues/{issue.pk}/").status_code == 200
    call_command("repair_poisoned", "--apply")
    issue.refresh_from_db()
    assert issue.accuracy_m is None
    assert IssueEvent.objects.filter(issue=issue).count() == 2  # history is not rewritten
