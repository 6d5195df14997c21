"""Issue 29, item 5: dates in campaigns, tasks, weekly targets, orders and GPX tracks stay within the bounds the
problem API uses (core.inputs.YEARS); a month of a year without tasks is an ordinary, empty page."""
import pytest
from django.test import Client
from django.utils import timezone

from assessment.models import WeeklyTarget
from campaigns.models import Campaign, TaskProgress
from tests.factories import DISTRICT, TOWN_A, make_user

V1 = "310112102201"


@pytest.fixture
def district(geography):
    return make_user("district", DISTRICT)


@pytest.mark.parametrize("role,area", [("district", DISTRICT), ("town", TOWN_A), ("village", V1)])
@pytest.mark.parametrize("query", ["?month=2025-12", "?month=2024-01", "?month=9999-12", "?month=0001-01",
                                   "?month=2026-13", "?level=village&month=2025-12", "?month=99999-01"])
def test_the_task_map_answers_for_any_month(geography, role, area, query):
    client = Client()
    client.force_login(make_user(role, area))
    r = client.get("/tasks/" + query)
    assert r.status_code == 200, r.content[:500]


@pytest.mark.parametrize("query", ["?month=9999-12", "?month=0001-01", "?month=2025-12&level=village"])
def test_task_lights_api_refuses_years_out_of_range(district, login, query):
    r = login(district).get("/api/tasks/lights/" + query)
    assert r.status_code in (200, 400), r.content[:300]
    if "9999" in query or "0001" in query:
        assert r.status_code == 400 and r.json()["field"] == "month"


@pytest.mark.parametrize("start,end", [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-02-01"),
                                       ("2026-01-01", "9999-12-31")])
def test_campaign_dates_out_of_range_are_refused(district, login, start, end):
    r = login(district).post("/api/campaigns/", {"name": "千年行动", "areas": [DISTRICT], "start": start, "end": end},
                             format="json")
    assert r.status_code == 400 and r.json()["field"] in ("start", "end"), r.content
    assert not Campaign.objects.exists()


def test_campaign_progress_week_out_of_range_is_a_400(district, login):
    api = login(district)
    cid = api.post("/api/campaigns/", {"name": "冬季行动", "areas": [DISTRICT], "start": "2026-01-05",
                                       "end": "2026-02-20"}, format="json").json()["id"]
    for week in ("9999-W52", "0001-W01", "2026-W60"):
        r = api.get(f"/api/campaigns/{cid}/progress/?week={week}")
        assert r.status_code == 400 and r.json()["field"] == "week", (week, r.content[:200])
        page = Client()
        page.force_login(district)
        assert page.get(f"/campaigns/{cid}/?week={week}").status_code == 200


def test_task_progress_and_weekly_targets_refuse_year_0001_and_9999(district, login):
    api = login(district)
    tid = api.post("/api/tasks/", {"name": "公厕改造", "year": 2026, "level": "town",
                                   "targets": [{"area": TOWN_A, "target": 5}]}, format="json").json()["id"]
    for day in ("0001-01-01", "1999-12-31"):
        r = api.post(f"/api/tasks/{tid}/progress/", {"area": TOWN_A, "value": 1, "date": day}, format="json")
        assert r.status_code == 400 and r.json()["field"] == "date", r.content
    assert not TaskProgress.objects.exists()
    town = login(make_user("town", TOWN_A))
    for field, day in (("starts_on", "0001-01-01"), ("ends_on", "9999-12-31"), ("starts_on", "9999-01-01")):
        r = town.post("/api/targets/", {"village": V1, "category": "dry_toilet", "per_week": 3, field: day},
                      format="json")
        assert r.status_code == 400, r.content
    assert not WeeklyTarget.objects.exists()


def test_an_order_deadline_in_year_9999_is_refused(geography, login):
    from tests.supervision.test_orders import _issue, _order

    people = {"inspector": make_user("inspector", DISTRICT), "district": make_user("district", DISTRICT)}
    r = _order(login(people["district"]), [_issue(people).pk], deadline="9999-12-31")
    assert r.status_code == 400 and "deadline" in r.json().get("field", "") + str(r.json()), r.content


def test_gpx_times_outside_the_years_are_not_kept():
    from planning.gpx import read_track

    gpx = (b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
           b'<trkpt lat="31.1" lon="121.4"><time>0001-01-01T00:00:00Z</time></trkpt>'
           b'<trkpt lat="31.2" lon="121.5"><time>9999-12-31T00:00:00Z</time></trkpt>'
           b'<trkpt lat="31.3" lon="121.6"><time>2026-03-01T08:00:00Z</time></trkpt></trkseg></trk></gpx>')
    track = read_track(gpx)
    assert [t.year for t in track.times] == [2026]
    assert timezone.is_aware(track.times[0])
