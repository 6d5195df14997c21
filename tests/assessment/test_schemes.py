"""Schemes (考核方案) on small hand-worked towns: every expected rank, flag and total below is worked out by hand
in the comments, not by calling the code. Today is 2026-12 on this machine's clock; the tests use past months."""
import pytest
from django.core.management import CommandError, call_command

from assessment import schemes, services
from assessment.models import MonthCloseLog, Scorecard
from geo.lookup import rebuild_pieces
from geo.models import Town, Village
from patrol.services import transition_issue
from tests.factories import DISTRICT, TOWN_A, TOWN_B, at, box, close_issue, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db
V1, V2, V3, V4 = "310112102201", "310112102202", "310112103201", "310112103202"
MAXES = [("front_back", 20), ("clutter", 20), ("water", 15), ("garbage", 15), ("toilets", 10), ("roads", 10),
         ("upkeep", 10)]  # the built-in dazhangzhuang template: 100 points


def items_for(total, maxes=MAXES):
    """Item points adding up to `total` (filled item by item up to each maximum)."""
    out, left = [], total
    for key, top in maxes:
        p = min(top, left)
        out.append({"item": key, "points": p})
        left -= p
    assert left == 0
    return out


@pytest.fixture
def people(geography):
    return {"district": make_user("district", DISTRICT), "town": make_user("town", TOWN_A),
            "town_b": make_user("town", TOWN_B), "sup": make_user("supervisor", DISTRICT),
            "inspector": make_user("inspector", DISTRICT), "cun": make_user("village", V1),
            "cun2": make_user("village", V2), "cun4": make_user("village", V4)}


def as_user(user):
    """An API client of its own for each user (the shared `login` fixture re-authenticates one client)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=user)
    return client


def card(user, code, month, total):
    return services.submit_scorecard(user, code, month, items_for(total))[0]


def scheme(*args):
    call_command("assessment_scheme", *args)


def row(rows, code):
    return next(r for r in rows if r["code"] == code)


# --- schemes as data -------------------------------------------------------------------------------------


def test_schemes_endpoint_lists_the_three_with_contract_parameters(people):
    body = as_user(people["town"]).get("/api/assessment/schemes/").json()
    by = {s["name"]: s for s in body}
    assert set(by) == {"standard", "dazhangzhuang", "minhang"}
    assert by["dazhangzhuang"]["parameters"] == {
        "rank_scope": "town", "bottom_n": 10, "bottom_points": 3, "bottom_twice_points": 5, "baseline": 8,
        "per_problem": 0.1, "unrectified_points": 0.5, "model_points": 5, "reward_n": 5, "deduct_n": 5,
        "reward_amount": 1500, "min_months_share": 1.0, "photo_flag_points": 0}
    assert [(i["key"], i["max"]) for i in by["dazhangzhuang"]["items"]] == MAXES
    assert by["standard"]["items"] == []


def test_a_towns_scheme_wins_and_bad_settings_are_refused(people):
    scheme(DISTRICT, "dazhangzhuang", "--set", "bottom_n=2")
    scheme(TOWN_B, "minhang")
    assert schemes.effective(TOWN_A) == ("dazhangzhuang", {**schemes.get("dazhangzhuang").parameters,
                                                           "bottom_n": 2})
    assert schemes.effective(TOWN_B)[0] == "minhang"
    for args, word in [((DISTRICT, "nope"), "未知"), ((DISTRICT, "dazhangzhuang", "--set", "bottom_x=1"), "bottom_x"),
                       ((DISTRICT, "dazhangzhuang", "--set", "rank_scope=village"), "rank_scope"),
                       ((DISTRICT, "dazhangzhuang", "--set", "bottom_n=ten"), "bottom_n"),
                       (("310199", "minhang"), "不存在")]:
        with pytest.raises(CommandError, match=word):
            scheme(*args)
    assert schemes.effective(TOWN_A)[1]["bottom_n"] == 2  # nothing changed by the refused ones


# --- scorecards ---------------------------------------------------------------------------------------------


def test_scorecard_validation_area_roles_and_replacement(people):
    scheme(DISTRICT, "dazhangzhuang")
    api = as_user(people["town"])
    url = "/api/assessment/scorecards/"

    def post(**kw):
        body = {"village": V1, "month": "2026-11", "items": items_for(88), "note": "", **kw}
        return api.post(url, body, format="json")

    bad = items_for(88)
    bad[0]["points"] = 21
    r = post(items=bad)
    assert r.status_code == 400 and r.json()["field"] == "items" and "房前屋后" in r.json()["detail"]
    bad[0]["points"] = -1
    assert post(items=bad).json()["item"] == "front_back"
    r = post(items=items_for(88)[:-1])
    assert r.status_code == 400 and "长效管护与台账" in r.json()["detail"]
    r = post(items=[*items_for(88), {"item": "bogus", "points": 1}])
    assert r.status_code == 400 and "bogus" in r.json()["detail"]
    r = post(month="2027-01")
    assert (r.status_code, r.json()["field"]) == (400, "month")
    assert post(village=V3).status_code == 404  # town A's staff cannot score a village of town B
    assert as_user(people["inspector"]).post(url, {"village": V1, "month": "2026-11", "items": items_for(80)},
                      format="json").status_code == 403
    assert Scorecard.objects.count() == 0  # nothing stored by the refused ones

    first = post()
    assert first.status_code == 201 and first.json()["total"] == 88
    assert post().status_code == 200  # a retry stores nothing new
    second = post(items=items_for(70), note="复查后调整")
    assert second.status_code == 201 and second.json()["total"] == 70
    rows = list(Scorecard.objects.order_by("id"))
    assert [(c.total, c.current) for c in rows] == [(88, False), (70, True)]
    assert rows[0].replaced_by_id == rows[1].pk
    # a second assessor's card counts separately: the month's score is the mean of the current cards
    as_user(people["sup"]).post(url, {"village": V1, "month": "2026-11", "items": items_for(90)}, format="json")
    got = as_user(people["district"]).get("/api/assessment/?month=2026-11").json()
    assert got["scheme"] == "dazhangzhuang"
    assert row(got["villages"], V1)["score"] == 80  # (70 + 90) / 2
    assert row(got["villages"], V1)["scorecards"] == 2


def test_standard_town_takes_no_scorecards(people):
    r = as_user(people["town"]).post("/api/assessment/scorecards/",
                                   {"village": V1, "month": "2026-11", "items": items_for(80)}, format="json")
    assert (r.status_code, r.json()["field"]) == (400, "village")


def test_nearest_villages_first(people):
    # a point in V3's west grid: V3 (0 m), then V2 and V4 (each one village-width east/west), then V1
    body = as_user(people["district"]).get("/api/assessment/scorecards/villages/?lon=121.445&lat=31.11").json()
    assert [v["code"] for v in body][:1] == [V3]
    assert body[0]["distance_m"] == 0
    assert body[-1]["code"] == V1


# --- dazhangzhuang: a month -----------------------------------------------------------------------------------


@pytest.fixture
def big_town(people):
    """Town 310112104 with 13 villages W01..W13 (a box each), for the bottom-10 cut."""
    town = Town.objects.create(code="310112104", name="丙镇", district_id=DISTRICT,
                               boundary=box(121.48, 31.10, 121.61, 31.12))
    codes = []
    for i in range(1, 14):
        code = f"310112104{200 + i}"
        x0 = 121.48 + (i - 1) * 0.01
        Village.objects.create(code=code, name=f"W{i:02d}", town=town, boundary=box(x0, 31.10, x0 + 0.01, 31.12))
        codes.append(code)
    rebuild_pieces("village")
    rebuild_pieces("town")
    return codes


def test_dazhangzhuang_month_ties_at_the_bottom_ten_cut(people, big_town):
    scheme(DISTRICT, "dazhangzhuang")  # rank_scope town, bottom_n 10
    w = big_town
    d, sup = people["district"], people["sup"]
    # October 2026 (one card each unless said): W01 93, W02 93, W03 93 (cards 96 and 90), W04 88, W05 85, W06 85,
    # W07 80, W08 78, W09 75, W10 70, W11 70, W12 99; W13 not visited.
    for code, total in zip(w[:12], [93, 93, 96, 88, 85, 85, 80, 78, 75, 70, 70, 99], strict=True):
        card(d, code, "2026-10", total)
    card(sup, w[2], "2026-10", 90)
    got = as_user(d).get("/api/assessment/?month=2026-10&town=310112104").json()
    rows = {r["name"]: r for r in got["villages"]}
    # competition ranks: 99→1, 93,93,93→2,2,2, 88→5, 85,85→6,6, 80→8, 78→9, 75→10, 70,70→11,11
    assert {n: r["rank"] for n, r in rows.items()} == {
        "W01": 2, "W02": 2, "W03": 2, "W04": 5, "W05": 6, "W06": 6, "W07": 8, "W08": 9, "W09": 10, "W10": 11,
        "W11": 11, "W12": 1, "W13": None}
    assert rows["W03"]["score"] == 93 and rows["W13"]["score"] is None
    # bottom 10: fewer than 10 villages score strictly lower. The three at 93 have 8 below them → all in, so the
    # tie at the cut flags 11 villages (W01..W11), more than 10; W12 (99) has 11 below → out; W13 unvisited.
    flagged = sorted(n for n, r in rows.items() if r["flags"])
    assert flagged == ["W01", "W02", "W03", "W04", "W05", "W06", "W07", "W08", "W09", "W10", "W11"]
    assert {r["flags"][0]["code"] for r in rows.values() if r["flags"]} == {"bottom"}
    assert rows["W10"]["flags"][0]["points"] == -3
    # a cut flagging 11 of 13 is more than half of the town: the page and the API warn
    assert any("丙镇" in x and "超过半数" in x for x in got["warnings"])

    # November, with a cut that fits a town of 12: bottom_n 2
    scheme(DISTRICT, "dazhangzhuang", "--set", "bottom_n=2")
    for code, total in zip(w[:11], [60, 99, 98, 97, 96, 95, 94, 93, 92, 91, 65], strict=True):
        card(d, code, "2026-11", total)
    nov = {r["name"]: r for r in as_user(d).get("/api/assessment/?month=2026-11&town=310112104").json()["villages"]}
    # bottom 2 of November: W01 (60) and W11 (65). October is open, so it is now read with bottom_n 2 too:
    # October's bottom 2 are W10 and W11 (70, 70) → W11 is bottom two months running (−5), W01 only bottom (−3).
    assert [f["code"] for f in nov["W01"]["flags"]] == ["bottom"]
    assert [(f["code"], f["points"]) for f in nov["W11"]["flags"]] == [("bottom_twice", -5)]
    assert not nov["W10"]["flags"]


def test_interview_record_on_a_flag(people):
    scheme(DISTRICT, "dazhangzhuang", "--set", "bottom_n=1", "--set", "rank_scope=district")
    d = people["district"]
    for code, total in ((V1, 50), (V2, 80), (V3, 90)):
        card(d, code, "2026-10", total)
    api = as_user(people["town"])
    bad = api.post("/api/assessment/interviews/", {"village": V2, "month": "2026-10", "held_on": "2026-11-03",
                                                   "held_by": "王副镇长"}, format="json")
    assert (bad.status_code, bad.json()["field"]) == (400, "village")  # V2 carries no flag
    ok = api.post("/api/assessment/interviews/", {"village": V1, "month": "2026-10", "held_on": "2026-11-03",
                                                  "held_by": "王副镇长", "note": "已约谈村支书"}, format="json")
    assert ok.status_code == 201
    got = as_user(d).get("/api/assessment/?month=2026-10").json()
    flag = row(got["villages"], V1)["flags"][0]
    assert flag["code"] == "bottom" and flag["interview"]["held_by"] == "王副镇长"


# --- dazhangzhuang: the year ------------------------------------------------------------------------------------


def tp(user, code, when, close_on=None, town_user=None, cun=None):
    issue = make_issue(user, code, source="third_party", reported_at=when)
    if close_on is not None:
        close_issue(issue, town_user, cun, now=close_on)
    return issue


def test_dazhangzhuang_year_totals_by_hand(people):
    p = people
    # min_months_share 0.5: a village scored in one of the two closed months (V4) has a year total
    scheme(DISTRICT, "dazhangzhuang", "--set", "rank_scope=district", "--set", "bottom_n=1", "--set", "reward_n=1",
           "--set", "deduct_n=1", "--set", "min_months_share=0.5")
    town_b = p["town_b"]
    cun3 = make_user("village", V3)
    # Scorecards of 2025: November V1 80, V2 90, V3 70 (V4 not visited); December V1 50 and 70 (mean 60), V2 90,
    # V3 85, V4 95. No other month has a card.
    for code, total in ((V1, 80), (V2, 90), (V3, 70)):
        card(p["district"], code, "2025-11", total)
    card(p["district"], V1, "2025-12", 50)
    card(p["sup"], V1, "2025-12", 70)
    for code, total in ((V2, 90), (V3, 85), (V4, 95)):
        card(p["district"], code, "2025-12", total)
    # Third-party problems of 2025. V1: 10, one of them rejected at verification (then closed); V2: 5, one still
    # open (found in June); V3: 1 closed in the month after it was found; V4: 1 found in November, closed only in
    # January 2026 (open at December's end). Every other one is closed the day it is found.
    for i in range(9):
        tp(p["inspector"], V1, at(2025, 2, 1 + i), at(2025, 2, 1 + i, 15), p["town"], p["cun"])
    bad = tp(p["inspector"], V1, at(2025, 3, 5))
    transition_issue(p["town"], bad.pk, "assign", now=at(2025, 3, 6))
    from patrol.services import add_photo
    add_photo(p["cun"], bad.pk, tiny_jpeg(color=(9, 9, 9)), "after")
    transition_issue(p["cun"], bad.pk, "submit", now=at(2025, 3, 7))
    transition_issue(p["town"], bad.pk, "reject", now=at(2025, 3, 8))
    add_photo(p["cun"], bad.pk, tiny_jpeg(color=(19, 9, 9)), "after")
    transition_issue(p["cun"], bad.pk, "submit", now=at(2025, 3, 9))
    transition_issue(p["town"], bad.pk, "verify", now=at(2025, 3, 10))
    for i in range(4):
        tp(p["inspector"], V2, at(2025, 4, 1 + i), at(2025, 4, 1 + i, 15), p["town"], p["cun2"])
    tp(p["inspector"], V2, at(2025, 6, 10))
    tp(p["inspector"], V3, at(2025, 9, 1), at(2025, 10, 15), town_b, cun3)
    tp(p["inspector"], V4, at(2025, 11, 20), at(2026, 1, 10), town_b, p["cun4"])
    api = as_user(p["district"])
    assert api.post("/api/assessment/evaluations/", {"year": 2025, "villages": [V1, V2]},
                    format="json").status_code == 201
    r = api.post("/api/assessment/adjustments/", {"village": V2, "year": 2025, "kind": "model",
                                                  "reason": "承担县现场观摩点评"}, format="json")
    assert r.status_code == 201 and r.json()["points"] == 5
    services.close_month("2025-11", DISTRICT)  # only closed months make a year total
    services.close_month("2025-12", DISTRICT)

    got = api.get("/api/assessment/year/?year=2025").json()
    v = {r["code"]: r for r in got["villages"]}
    assert v[V1]["months"] == {"2025-11": 80, "2025-12": 60}
    assert v[V4]["months"] == {"2025-12": 95}  # November without a card is left out of the mean
    adj = {c: sorted((a["kind"], a["month"], a["points"]) for a in v[c]["adjustments"]) for c in v}
    # November: bottom 1 of V1 80, V2 90, V3 70 is V3 (October had no cards): −3.
    # December: bottom 1 of V1 60, V2 90, V3 85, V4 95 is V1; V1 was not bottom in November: −3.
    # Third party: V1 (8 − 10) × 0.1 = −0.2; V2 (8 − 5) × 0.1 = +0.3; V3 and V4 not visited: (−0.2 + 0.3) / 2 = 0.05.
    # Not rectified: V1's rejected one (March), V2's open June one, V4's November one open at December's end.
    assert adj[V1] == [("bottom", "2025-12", -3), ("third_party", None, -0.2), ("unrectified", "2025-03", -0.5)]
    assert adj[V2] == [("model", None, 5), ("third_party", None, 0.3), ("unrectified", "2025-06", -0.5)]
    assert adj[V3] == [("bottom", "2025-11", -3), ("third_party", None, 0.05)]
    assert adj[V4] == [("third_party", None, 0.05), ("unrectified", "2025-11", -0.5)]
    # totals: V1 (80 + 60) / 2 − 3 − 0.2 − 0.5 = 66.3; V2 90 + 5 + 0.3 − 0.5 = 94.8;
    # V3 (70 + 85) / 2 − 3 + 0.05 = 74.55; V4 95 + 0.05 − 0.5 = 94.55
    assert {c: v[c]["total"] for c in v} == {V1: 66.3, V2: 94.8, V3: 74.55, V4: 94.55}
    assert {c: v[c]["rank"] for c in v} == {V2: 1, V4: 2, V3: 3, V1: 4}
    assert {c: v[c]["marks"] for c in v} == {V1: ["deduction"], V2: ["reward"], V3: [], V4: []}
    assert [r["code"] for r in got["villages"]] == [V2, V4, V3, V1]

    # a town's staff see their own villages only (ranks stay those of the district)
    mine = as_user(p["town"]).get("/api/assessment/year/?year=2025").json()["villages"]
    assert {r["code"]: r["rank"] for r in mine} == {V2: 1, V1: 4}
    xlsx = api.get("/api/assessment/year.xlsx?year=2025")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    head = [c.value for c in sheet[1]]
    # January to October were never closed: labelled （未结）; November and December were
    assert "2025-01（未结）" in head and "2025-12" in head and "第三方测评" in head and "典型村" in head
    first = [c.value for c in sheet[2]]
    assert first[head.index("行政村代码")] == V2 and first[head.index("年度总成绩")] == 94.8


def test_bottom_twice_across_the_year_boundary(people):
    scheme(DISTRICT, "dazhangzhuang", "--set", "rank_scope=district", "--set", "bottom_n=1")
    d = people["district"]
    # December 2025: V1 50, V2 90. January 2026: V1 60, V2 80. February 2026: V1 70, V2 65.
    for month, a, b in (("2025-12", 50, 90), ("2026-01", 60, 80), ("2026-02", 70, 65)):
        card(d, V1, month, a)
        card(d, V2, month, b)
        services.close_month(month, DISTRICT)
    api = as_user(d)
    y25 = {r["code"]: r for r in api.get("/api/assessment/year/?year=2025").json()["villages"]}
    y26 = api.get("/api/assessment/year/?year=2026").json()
    v26 = {r["code"]: r for r in y26["villages"]}
    # 2025: V1 bottom in December (−3): 50 − 3 = 47; V2 90.
    assert (y25[V1]["total"], y25[V2]["total"]) == (47, 90)
    # 2026: V1 bottom in January after December: bottom_twice −5 (not −3); February V2 bottom (−3).
    assert [(a["kind"], a["month"], a["points"]) for a in v26[V1]["adjustments"]] == [("bottom_twice", "2026-01", -5)]
    assert [(a["kind"], a["month"], a["points"]) for a in v26[V2]["adjustments"]] == [("bottom", "2026-02", -3)]
    # V1 (60 + 70) / 2 − 5 = 60; V2 (80 + 65) / 2 − 3 = 69.5
    assert (v26[V1]["total"], v26[V2]["total"]) == (60, 69.5)
    assert y26["provisional_month"] == "2026-12" and y26["months"][-1] == "2026-12"
    # no evaluation list entered for 2026: no third-party adjustment at all
    assert not any(a["kind"] == "third_party" for r in v26.values() for a in r["adjustments"])


# --- month closing -------------------------------------------------------------------------------------------------


def test_closed_month_is_frozen_keeps_its_scheme_and_a_district_admin_reopens_it(people):
    d = people["district"]
    call_command("assess_month", "--month", "2026-08", "--area", DISTRICT)  # August closed under `standard`
    scheme(DISTRICT, "dazhangzhuang", "--set", "rank_scope=district", "--set", "bottom_n=1")
    for code, total in ((V1, 50), (V2, 80), (V3, 90)):
        card(d, code, "2026-09", total)
    call_command("assess_month", "--month", "2026-09", "--area", DISTRICT)
    # switching parameters afterwards never rewrites September: one village flagged with bottom_n 1
    scheme(DISTRICT, "dazhangzhuang", "--set", "bottom_n=2")
    api = as_user(d)
    sept = api.get("/api/assessment/?month=2026-09").json()
    assert sept["schemes"][0]["parameters"]["bottom_n"] == 1
    assert [r["code"] for r in sept["villages"] if r["flags"]] == [V1]
    assert api.get("/api/assessment/?month=2026-08").json()["scheme"] == "standard"  # August keeps its scheme

    url = "/api/assessment/scorecards/"
    r = as_user(people["town"]).post(url, {"village": V1, "month": "2026-09", "items": items_for(99)}, format="json")
    assert (r.status_code, r.json()["field"]) == (409, "month")
    assert as_user(people["town"]).post("/api/assessment/months/reopen/", {"month": "2026-09", "note": "x"},
                                      format="json").status_code == 403
    assert api.post("/api/assessment/months/reopen/", {"month": "2026-09"}, format="json").status_code == 400
    r = api.post("/api/assessment/months/reopen/", {"month": "2026-09", "note": "补录漏评的村"}, format="json")
    assert r.status_code == 200 and r.json()["closed"] is False
    assert list(MonthCloseLog.objects.filter(month="2026-09-01").values_list("action", "note")) == [
        ("reopen", "补录漏评的村"), ("close", "")]
    r = as_user(people["town"]).post(url, {"village": V1, "month": "2026-09", "items": items_for(99)}, format="json")
    assert r.status_code == 201
    # reopened September keeps its own scheme: V1 is now (50 + 99) / 2 = 74.5, still the one bottom village
    # (today's bottom_n 2 would flag V2 at 80 too)
    sept = {r["code"]: r for r in api.get("/api/assessment/?month=2026-09").json()["villages"]}
    assert sept[V1]["score"] == 74.5
    assert [c for c, r in sept.items() if r["flags"]] == [V1]


# --- minhang ----------------------------------------------------------------------------------------------------------


def test_minhang_bimonthly_notice_and_city_check(people):
    from assessment.models import CityCheck, CityCheckScore

    scheme(DISTRICT, "minhang", "--set", "bottom_n=1")  # rank_scope district by default
    d = people["district"]
    mh = [("toilets", 20), ("land", 20), ("houses", 20), ("water", 15), ("facilities", 15), ("participation", 10)]

    def mcard(code, month, total):
        services.submit_scorecard(d, code, month, items_for(total, mh))

    # Jan–Feb: V1 60 (Jan) and 70 (Feb) → 65, V2 80, V3 90, V4 85 → bottom V1.
    # Mar–Apr: V1 70, V2 60, V3 90, V4 95 → bottom V2 (first time); a city check in March, average 85, V3 80.
    # May–Jun: V1 80, V2 50, V3 80, V4 80 → bottom V2 again: two evaluations running → 通报.
    mcard(V1, "2026-01", 60)
    mcard(V1, "2026-02", 70)
    for code, total in ((V2, 80), (V3, 90), (V4, 85)):
        mcard(code, "2026-02", total)
    for code, total in ((V1, 70), (V2, 60), (V3, 90), (V4, 95)):
        mcard(code, "2026-04", total)
    for code, total in ((V1, 80), (V2, 50), (V3, 80), (V4, 80)):
        mcard(code, "2026-05", total)
    check = CityCheck.objects.create(name="市级暗访测评", checked_on="2026-03-15", city_average=85)
    CityCheckScore.objects.create(city_check=check, village_id=V3, score=80)
    CityCheckScore.objects.create(city_check=check, village_id=V4, score=90)
    api = as_user(d)
    feb = {r["code"]: r for r in api.get("/api/assessment/?month=2026-02").json()["villages"]}
    assert feb[V1]["score"] == 65 and [f["code"] for f in feb[V1]["flags"]] == ["bottom"]
    apr = {r["code"]: r for r in api.get("/api/assessment/?month=2026-04").json()["villages"]}
    assert [f["code"] for f in apr[V2]["flags"]] == ["bottom"]
    assert [f["code"] for f in apr[V3]["flags"]] == ["notice"] and "市级暗访测评" in apr[V3]["flags"][0]["label"]
    assert not apr[V1]["flags"] and not apr[V4]["flags"]
    jun = {r["code"]: r for r in api.get("/api/assessment/?month=2026-06").json()["villages"]}
    assert [f["code"] for f in jun[V2]["flags"]] == ["notice"]
    assert jun[V2]["score"] == 50 and jun[V2]["rank"] == 4


def test_evaluations_adjustments_and_lists_refuse_bad_input(people, django_assert_num_queries):
    scheme(DISTRICT, "dazhangzhuang")
    town = as_user(people["town"])
    r = town.post("/api/assessment/evaluations/", {"year": 2025, "villages": [V1, V3]}, format="json")
    assert (r.status_code, r.json()["field"]) == (404, "villages")  # V3 lies in town B
    assert town.post("/api/assessment/evaluations/", {"year": "x", "villages": [V1]},
                     format="json").json()["field"] == "year"
    assert town.post("/api/assessment/evaluations/", {"year": 2025, "villages": [V1]}, format="json").status_code == 201
    # the district replaces the list of its whole area; town A's entry is gone
    district = as_user(people["district"])
    district.post("/api/assessment/evaluations/", {"year": 2025, "villages": [V3, V4]}, format="json")
    assert district.get("/api/assessment/evaluations/?year=2025").json()["villages"] == [V3, V4]
    assert town.get("/api/assessment/evaluations/?year=2025").json()["villages"] == []

    for body, field in [({"village": V1, "year": 2025, "points": 2}, "reason"),
                        ({"village": V1, "year": 2025, "points": 500, "reason": "x"}, "points"),
                        ({"village": V1, "year": 2025, "points": 1, "reason": "x", "kind": "gift"}, "kind"),
                        ({"village": V1, "year": 2025, "points": 1, "reason": "x", "month": "2024-05"}, "month")]:
        r = town.post("/api/assessment/adjustments/", body, format="json")
        assert (r.status_code, r.json()["field"]) == (400, field)
    cun = as_user(people["cun"])
    assert cun.post("/api/assessment/adjustments/", {"village": V1, "year": 2025, "points": 1, "reason": "x"},
                    format="json").status_code == 403
    assert town.post("/api/assessment/adjustments/", {"village": V1, "year": 2025, "points": -2,
                                                      "reason": "台账缺失"}, format="json").status_code == 201
    assert [a["points"] for a in town.get("/api/assessment/adjustments/?year=2025").json()] == [-2]

    # the scorecard list costs the same number of queries whatever its length
    for code in (V1, V2):
        card(people["district"], code, "2026-11", 80)
    with django_assert_num_queries(1):
        assert len(district.get("/api/assessment/scorecards/?month=2026-11").json()) == 2
    for code in (V3, V4):
        card(people["district"], code, "2026-11", 80)
    with django_assert_num_queries(1):
        assert len(district.get("/api/assessment/scorecards/?month=2026-11").json()) == 4
