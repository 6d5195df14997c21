"""Monthly assessment: metrics rebuilt from history, the score formula, ranks with ties, flags, API, pages."""
import copy
from datetime import date

import pytest

from assessment import monthly as assessment
from assessment import results
from assessment.models import WeeklyTarget
from assessment.monthly import (
    bottom_set,
    competition_ranks,
    target_progress,
    third_party_adjustment,
)
from patrol.history import states_at_month_end
from patrol.services import add_photo, transition_issue
from tests.factories import TOWN_A, TOWN_B, V1, V2, V3, V4, at, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cuts(settings):
    patrol = copy.deepcopy(settings.PATROL)
    patrol["ASSESSMENT"].update(BOTTOM_N=1, NOTICE_N=1, LIST_N=1)
    settings.PATROL = patrol


def submit(user, issue, when, shade):
    add_photo(user, issue.pk, tiny_jpeg(color=(shade, 40, 40)), "after")
    transition_issue(user, issue.pk, "submit", now=when)


def row(result, code):
    return next(r for r in result.rows if r["code"] == code)


def test_metrics_and_score_from_a_hand_made_history(people):
    p = people
    a = make_issue(p["inspector"], V1, category="clutter", reported_at=at(2026, 3, 2))
    transition_issue(p["town"], a.pk, "assign", now=at(2026, 3, 3), deadline="2026-03-10")
    submit(p["cun"], a, at(2026, 3, 5), 10)
    transition_issue(p["town"], a.pk, "reject", now=at(2026, 3, 6))
    submit(p["cun"], a, at(2026, 3, 8), 20)
    transition_issue(p["town"], a.pk, "verify", now=at(2026, 3, 9))
    b = make_issue(p["inspector"], V1, grid=2, category="shack", reported_at=at(2026, 3, 4),
                   source="town_self_check")
    transition_issue(p["town"], b.pk, "assign", now=at(2026, 3, 4), deadline="2026-03-11")
    transition_issue(p["district"], b.pk, "supervise", now=at(2026, 3, 20))

    march = row(results.month("310112", "2026-03"), V1)
    m = march["metrics"]
    assert (m["found"], m["closed"], m["closed_on_time"], m["open"], m["overdue"], m["red"]) == (2, 1, 1, 1, 1, 1)
    assert m["found_by_source"] == {"district_patrol": 1, "town_self_check": 1}
    assert m["found_by_category"] == {"clutter": 1, "shack": 1}
    assert (m["submissions"], m["rejections"], m["rework_rate"]) == (2, 1, 0.5)
    assert (m["closure_rate"], m["on_time_rate"], m["mean_days_to_close"]) == (0.5, 1.0, 7.0)
    # 100 − 1 (district patrol) − 0.5 (self-check) − 2 (overdue) − 3 (red) − 1 (one rejection)
    assert march["score"] == 92.5
    assert march["light"] == "red"
    assert dict(march["deductions"])["月末超期 1 个"] == -2

    # Closing b late in April leaves March exactly as it was; April sees a late closure.
    submit(p["cun"], b, at(2026, 4, 2), 30)
    transition_issue(p["town"], b.pk, "verify", now=at(2026, 4, 3))
    again = row(results.month("310112", "2026-03"), V1)
    assert (again["score"], again["metrics"]) == (march["score"], march["metrics"])
    april = row(results.month("310112", "2026-04"), V1)
    assert (april["metrics"]["closed"], april["metrics"]["on_time_rate"], april["light"]) == (1, 0.0, "green")
    assert april["score"] == 90.0  # 100 − 10 × (1 − 0)
    _same_as_reference("2026-03")
    _same_as_reference("2026-04")


def _same_as_reference(month, area="310112"):
    """The database fast path equals the pure reference over patrol.history's month-end states."""
    reference = assessment.village_metrics(
        states_at_month_end(month, area), assessment.month_event_counts(month, area),
        assessment.parse_month(month), assessment.badly_rectified_third_party(month, area))
    fast = assessment.month_metrics(month, area)
    for code in set(fast) | set(reference):
        a, b = fast.get(code, assessment.empty_metrics()), reference.get(code, assessment.empty_metrics())
        assert {k: (a[k], b[k]) for k in a if a[k] != b[k]} == {}, code


def test_rebounds_and_reinspections_count(people):
    p = people
    old = make_issue(p["inspector"], V2, category="clutter", reported_at=at(2026, 1, 5))
    transition_issue(p["district"], old.pk, "assign", now=at(2026, 1, 6))
    add_photo(p["district"], old.pk, tiny_jpeg(), "after")
    transition_issue(p["district"], old.pk, "submit", now=at(2026, 1, 7))
    verifier = make_user("town", TOWN_A)
    transition_issue(verifier, old.pk, "verify", now=at(2026, 1, 8))
    new = make_issue(p["inspector"], V2, category="clutter", reported_at=at(2026, 2, 3))
    assert new.rebound_of_id == old.pk
    m = row(results.month("310112", "2026-02"), V2)["metrics"]
    assert (m["found"], m["rebounds_reported"], m["rebounds"], m["rebound_rate"]) == (1, 1, 1, 1.0)
    _same_as_reference("2026-01")
    _same_as_reference("2026-02")


def test_ranks_share_places_and_flags_follow_the_seeds(people, small_cuts):
    p = people
    # February: V1 loses 1, V3 loses 2; March: V1 and V2 lose 1 each (a tie), V3 loses 2. V4 has no record at
    # all: it has no score (未评分), no rank, no flag and is on no list — never the full 100.
    make_issue(p["inspector"], V1, reported_at=at(2026, 2, 3))
    make_issue(p["inspector"], V3, reported_at=at(2026, 2, 3))
    make_issue(p["inspector"], V3, grid=2, reported_at=at(2026, 2, 4))
    make_issue(p["inspector"], V1, grid=2, reported_at=at(2026, 3, 3))
    make_issue(p["inspector"], V2, reported_at=at(2026, 3, 3))
    make_issue(p["inspector"], V3, category="shack", reported_at=at(2026, 3, 3))
    make_issue(p["inspector"], V3, grid=2, category="shack", reported_at=at(2026, 3, 5))

    result = results.month("310112", "2026-03")
    scores = {r["code"]: r["score"] for r in result.rows}
    assert scores == {V1: 99, V2: 99, V3: 98, V4: None}
    assert row(result, V4)["score_text"] == "未评分"
    assert [r["code"] for r in result.rows] == [V1, V2, V3, V4]  # ties listed by code, the unscored last
    assert [r["rank_district"] for r in result.rows] == [1, 1, 3, None]  # competition ranking "113"
    assert (row(result, V1)["rank_town"], row(result, V2)["rank_town"]) == (1, 1)
    flags = {r["code"]: sorted(f["code"] for f in r["flags"]) for r in result.rows}
    # Town A's bottom 1 is a tie: both villages are in it. V1 was also last in February: two months running.
    assert flags == {V1: ["bottom_twice"], V2: ["bottom"], V3: ["bottom_twice", "notice"], V4: []}
    assert row(result, V1)["flag_points"] == -5 and row(result, V2)["flag_points"] == -3
    assert [r["code"] for r in result.red_list] == [V1, V2]
    assert [r["code"] for r in result.black_list] == [V3]
    assert [v["code"] for v in results.bottom("310112", 2, month="2026-03")] == [V3, V1, V2]
    assert [v["code"] for v in results.bottom(TOWN_B, 5, month="2026-03")] == [V3]
    _same_as_reference("2026-02")
    _same_as_reference("2026-03")


def test_pure_rank_and_cut_rules():
    scores = {"a": 90, "b": 80, "c": 80, "d": 70, "e": 100}
    assert competition_ranks(scores) == {"e": 1, "a": 2, "b": 3, "c": 3, "d": 5}
    assert bottom_set(scores, 1) == {"d"}
    assert bottom_set(scores, 2) == {"d", "b", "c"}  # the tie at the cut is included whole
    assert bottom_set({"x": 100, "y": 100}, 10, base=100) == set()  # full marks are never flagged
    m = assessment.empty_metrics()
    m.update(third_party_year=10, third_party_unrectified=1)
    assert third_party_adjustment(m) == -0.7  # 0.1 × (8 − 10) − 0.5
    m.update(third_party_year=3, third_party_unrectified=0)
    assert third_party_adjustment(m) == 0.5


def test_third_party_year_to_date(people):
    p = people
    issue = make_issue(p["inspector"], V4, source="third_party", reported_at=at(2026, 1, 10))
    r = row(results.month("310112", "2026-02"), V4)
    assert r["metrics"]["third_party_year"] == 1 and r["metrics"]["third_party_unrectified"] == 1
    assert r["third_party_adjustment"] == 0.2  # 0.1 × 7 − 0.5
    _same_as_reference("2026-02")
    # Rectified in February, the problem no longer counts against the village (0.1 × 7 − 0), while January,
    # rebuilt from the history, still shows it unrectified.
    transition_issue(p["town_b"], issue.pk, "assign", now=at(2026, 2, 2), deadline="2026-02-20")
    submit(make_user("village", V4), issue, at(2026, 2, 5), 60)
    transition_issue(p["town_b"], issue.pk, "verify", now=at(2026, 2, 6))
    february = row(results.month("310112", "2026-02"), V4)
    assert february["metrics"]["third_party_unrectified"] == 0 and february["third_party_adjustment"] == 0.7
    january = row(results.month("310112", "2026-01"), V4)
    assert january["metrics"]["third_party_unrectified"] == 1 and january["third_party_adjustment"] == 0.2


def test_weekly_target_progress(people):
    p = people
    WeeklyTarget.objects.create(village_id=V1, category_id="ruined_wall", per_week=2, starts_on=date(2026, 3, 1))
    verifier = make_user("town", TOWN_A)
    for shade, day in ((1, 3), (2, 4)):
        issue = make_issue(p["inspector"], V1, category="ruined_wall", reported_at=at(2026, 3, 2),
                           lon=121.401 + shade * 0.001, lat=31.111)
        transition_issue(p["town"], issue.pk, "assign", now=at(2026, 3, 2))
        submit(p["cun"], issue, at(2026, 3, day), shade * 50)
        transition_issue(verifier, issue.pk, "verify", now=at(2026, 3, day))
    (target,) = target_progress([V1], today=date(2026, 3, 11), weeks=2)
    weeks = [(w["start"].isoformat(), w["done"], w["met"]) for w in target["weeks"]]
    assert weeks == [("2026-03-02", 2, True), ("2026-03-09", 0, False)]


def test_api_is_scoped_and_shaped(people, login):
    make_issue(people["inspector"], V3, reported_at=at(2026, 3, 3))
    api = login(people["town"])
    body = api.get("/api/assessment/", {"month": "2026-03"}).json()
    assert [v["code"] for v in body["villages"]] == [V1, V2]
    v = body["villages"][0]
    assert set(v) >= {"code", "name", "town", "score", "rank", "light", "metrics", "flags"}
    assert body["month"] == "2026-03" and body["formula"] and body["tie_rules"]
    assert api.get("/api/assessment/", {"month": "2026-03", "town": TOWN_B}).status_code == 404
    assert api.get("/api/assessment/", {"month": "2026-13"}).status_code == 400
    district = login(people["district"]).get("/api/assessment/", {"month": "2026-03", "town": TOWN_B}).json()
    assert sorted(v["code"] for v in district["villages"]) == [V3, V4]


def test_pages_render_and_other_areas_dossier_is_404(people, client):
    make_issue(people["inspector"], V1, reported_at=at(2026, 3, 3))
    client.force_login(people["town"])
    page = client.get("/assessment/", {"month": "2026-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "结案率" in html and "红黑榜" in html and "甲村" in html and "leaflet" in html.lower()
    dossier = client.get(f"/villages/{V1}/")
    assert dossier.status_code == 200 and "一村一档" in dossier.content.decode()
    assert client.get(f"/villages/{V3}/").status_code == 404
    assert client.get(f"/villages/{V1}/", {"year": "abc"}).status_code == 400
    assert client.get("/assessment/", {"month": "2026-3x"}).status_code == 400


def test_targets_api(people, login):
    town = login(people["town"])
    made = town.post("/api/targets/", {"village": V1, "category": "残垣断壁", "per_week": 5}, format="json")
    assert made.status_code == 201 and made.json()["per_week"] == 5 and made.json()["category"] == "ruined_wall"
    assert town.post("/api/targets/", {"village": V3, "category": "shack", "per_week": 1},
                     format="json").status_code == 404
    assert login(people["inspector"]).post("/api/targets/", {"village": V1, "category": "shack", "per_week": 1},
                                           format="json").status_code == 403
    body = town.get("/api/targets/", {"village": V1}).json()
    assert body["targets"][0]["weeks"][-1]["current"] is True


def test_ended_months_are_cached_until_their_history_grows(people):
    from assessment.models import MonthlyMetricsCache

    make_issue(people["inspector"], V1, reported_at=at(2026, 3, 2))
    assert row(results.month("310112", "2026-03"), V1)["metrics"]["found"] == 1
    assert MonthlyMetricsCache.objects.filter(month=date(2026, 3, 1), scope="310112").count() == 1
    # A back-dated report (an import with a March date) grows March's history: March is computed again.
    make_issue(people["inspector"], V1, grid=2, reported_at=at(2026, 3, 20))
    assert row(results.month("310112", "2026-03"), V1)["metrics"]["found"] == 2
    # Events after March leave its cache as it is.
    cached = MonthlyMetricsCache.objects.get(month=date(2026, 3, 1), scope="310112")
    make_issue(people["inspector"], V2, reported_at=at(2026, 4, 2))
    assert row(results.month("310112", "2026-03"), V1)["metrics"]["found"] == 2
    again = MonthlyMetricsCache.objects.get(pk=cached.pk)
    assert (again.computed_at, bytes(again.packed)) == (cached.computed_at, bytes(cached.packed))


def test_a_kept_month_checks_only_the_events_since_its_last_check(people, monkeypatch):
    from assessment import monthly
    from assessment.models import MonthlyMetricsCache

    monkeypatch.setattr(monthly, "RECHECK_AFTER", 2)
    make_issue(people["inspector"], V1, reported_at=at(2026, 3, 2))
    results.month("310112", "2026-03")
    kept = MonthlyMetricsCache.objects.get(month=date(2026, 3, 1), scope="310112")
    for grid in (1, 2):
        make_issue(people["inspector"], V2, grid=grid, reported_at=at(2026, 4, 2))
    assert row(results.month("310112", "2026-03"), V1)["metrics"]["found"] == 1
    moved = MonthlyMetricsCache.objects.get(pk=kept.pk)
    assert moved.checked_to > kept.checked_to and moved.computed_at == kept.computed_at
    # An import dated into March after the check moved on is still seen.
    make_issue(people["inspector"], V1, grid=2, reported_at=at(2026, 3, 25))
    assert row(results.month("310112", "2026-03"), V1)["metrics"]["found"] == 2


def test_assess_month_command(people, capsys):
    from django.core.management import call_command

    make_issue(people["inspector"], V1, reported_at=at(2026, 3, 2))
    call_command("assess_month", "--month", "2026-03", "--area", "310112")
    out = capsys.readouterr().out
    assert "2026-03 考核（standard）：4 个行政村，未评分 3 个" in out and "黑榜：甲村（99）" in out


def test_the_monthly_timer_keeps_each_districts_metrics(people, capsys):
    """Pages read a district's metrics: the timer's run over everything keeps them per district too, so the first
    view after the month's end reads them instead of the history."""
    from django.core.management import call_command

    from assessment.models import MonthlyMetricsCache

    make_issue(people["inspector"], V1, reported_at=at(2026, 3, 2))
    call_command("assess_month", "--month", "2026-03")
    assert "2026-03 各区月度指标已预先计算：310112" in capsys.readouterr().out
    kept = MonthlyMetricsCache.objects.get(month=date(2026, 3, 1), scope="310112")
    assert row(results.month("310112", "2026-03"), V1)["metrics"]["found"] == 1
    assert MonthlyMetricsCache.objects.get(pk=kept.pk).computed_at == kept.computed_at


def test_fast_path_rewinds_every_kind_of_later_change(people):
    p = people
    verifier = make_user("town", TOWN_A)
    i1 = make_issue(p["inspector"], V1, reported_at=at(2026, 3, 1))
    transition_issue(p["town"], i1.pk, "assign", now=at(2026, 3, 2), deadline="2026-03-10")
    submit(p["cun"], i1, at(2026, 3, 3), 11)
    transition_issue(verifier, i1.pk, "verify", now=at(2026, 3, 4))
    transition_issue(p["town"], i1.pk, "reopen", now=at(2026, 4, 5))  # closed in March, reopened in April
    i2 = make_issue(p["inspector"], V1, grid=2, category="shack", reported_at=at(2026, 3, 1))
    transition_issue(p["town"], i2.pk, "assign", now=at(2026, 3, 2), deadline="2026-03-20")
    transition_issue(p["district"], i2.pk, "supervise", now=at(2026, 3, 25))
    transition_issue(p["district"], i2.pk, "release", now=at(2026, 4, 2))  # red at March's end, released later
    i3 = make_issue(p["inspector"], V2, reported_at=at(2026, 3, 5))
    transition_issue(p["town"], i3.pk, "assign", now=at(2026, 3, 6), deadline="2026-04-30")
    add_photo(p["district"], i3.pk, tiny_jpeg(color=(3, 3, 3)), "after")
    transition_issue(p["district"], i3.pk, "submit", now=at(2026, 4, 1))
    transition_issue(p["town"], i3.pk, "reject", now=at(2026, 4, 2), deadline="2026-05-30")  # new deadline later
    make_issue(p["inspector"], V3, reported_at=at(2026, 4, 3))  # not there yet at March's end
    make_issue(p["inspector"], V4, reported_at=at(2026, 3, 10))  # untouched since
    i6 = make_issue(p["inspector"], V2, grid=2, category="shack", reported_at=at(2026, 2, 1))
    transition_issue(p["town"], i6.pk, "assign", now=at(2026, 2, 2), deadline="2026-02-05")
    transition_issue(p["district"], i6.pk, "supervise", now=at(2026, 2, 20))
    add_photo(p["district"], i6.pk, tiny_jpeg(color=(6, 6, 6)), "after")
    transition_issue(p["district"], i6.pk, "submit", now=at(2026, 4, 9))
    transition_issue(p["town"], i6.pk, "verify", now=at(2026, 4, 10))  # closed (and supervision ended) later
    for month in ("2026-02", "2026-03", "2026-04"):
        _same_as_reference(month)
    m1 = assessment.month_metrics("2026-03", "310112")[V1]
    assert (m1["closed"], m1["open"], m1["red"], m1["overdue"]) == (1, 1, 1, 1)
    assert assessment.month_metrics("2026-03", "310112")[V2]["red"] == 1


def test_kept_metrics_read_back_as_computed_and_missing_ones_as_empty():
    import json
    import zlib

    from assessment import monthly

    m = monthly.empty_metrics()
    m.update(found=3, found_by_source={"third_party": 3}, closure_rate=0.5, lights={"red": 1, "yellow": 0, "green": 2})
    assert dict(monthly._unpack(monthly._pack({V1: m}))[V1]) == m
    # kept by a version that had no "overdue": it reads as an empty month's, the rest as kept
    keys = [k for k in m if k != "overdue"]
    old = zlib.compress(json.dumps({"keys": keys, "rows": {V1: [m[k] for k in keys]}}).encode())
    back = monthly._unpack(old)[V1]
    assert back["overdue"] == 0 and back["found"] == 3 and back["lights"]["green"] == 2
