"""Campaigns (专项行动): Qukou's 冬季战役 built from its plan, weekly quotas counted by hand, acceptance, 回头看."""
from datetime import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns import services
from campaigns.models import QuotaChange
from patrol.models import ReinspectionSample
from tests.factories import DISTRICT, TOWN_A, TOWN_B, close_issue, make_issue, make_user

V1, V2, V3, V4 = "310112102201", "310112102202", "310112103201", "310112103202"
# Qukou (002): every village at least 5 残垣断壁/废旧温棚/破旧广告 a week, at least 3 危房 a week.
WALLS = {"name": "残垣断壁/废旧温棚/破旧广告", "categories": ["ruined_wall", "abandoned_greenhouse", "ad_clutter"],
         "per_village_per_week": 5}
HOUSES = {"name": "危房", "categories": ["dilapidated_house"], "per_village_per_week": 3}
QUKOU = {
    "name": "冬季战役", "areas": [DISTRICT], "start": "2021-12-15", "end": "2022-02-19",
    "phases": [
        {"name": "宣传动员", "kind": "mobilise", "start": "2021-12-15", "end": "2021-12-22"},
        {"name": "集中攻坚", "kind": "work", "start": "2021-12-22", "end": "2022-02-17"},
        {"name": "考核验收", "kind": "acceptance", "start": "2022-02-17", "end": "2022-02-19"},
    ],
    "quotas": [WALLS, HOUSES],
}


def local(y, m, d, h=10, mi=0):
    return timezone.make_aware(datetime(y, m, d, h, mi))


@pytest.fixture
def people(geography):
    return {
        "district": make_user("district", DISTRICT),
        "town_a": make_user("town", TOWN_A), "town_b": make_user("town", TOWN_B),
        "v1": make_user("village", V1), "v2": make_user("village", V2), "v3": make_user("village", V3),
        "inspector": make_user("inspector", DISTRICT),
    }


def closed(people, village, category, when, reported=None, **kwargs):
    """A problem of `village` reported a day before (or at `reported`) and verified at `when`."""
    town = people["town_a"] if village.startswith(TOWN_A) else people["town_b"]
    vuser = {V1: people["v1"], V2: people["v2"], V3: people["v3"]}.get(village) or make_user("village", village)
    reported = reported or when - timezone.timedelta(days=1)
    issue = make_issue(people["inspector"], village=village, category=category, reported_at=reported, **kwargs)
    return close_issue(issue, town, vuser, now=when)


def progress(api, cid, week):
    r = api.get(f"/api/campaigns/{cid}/progress/?week={week}")
    assert r.status_code == 200, r.content
    return {v["code"]: {q["name"]: (q["target"], q["done"], q["light"]) for q in v["quotas"]}
            for v in r.json()["villages"]}


def test_qukou_winter_campaign_counts_closures_by_week_and_period(people, login, django_assert_num_queries):
    api = login(people["district"])
    r = api.post("/api/campaigns/", QUKOU, format="json")
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    detail = api.get(f"/api/campaigns/{cid}/").json()
    assert [p["kind"] for p in detail["phases"]] == ["mobilise", "work", "acceptance"]
    assert [(q["name"], q["per_village_per_week"]) for q in detail["quotas"]] == [(WALLS["name"], 5), ("危房", 3)]

    # 2021-W50 is Mon 12-13 … Sun 12-19; the campaign starts Wed 12-15. W51 starts Mon 12-20.
    closed(people, V1, "ruined_wall", local(2021, 12, 14, 23, 30))  # before the start: not counted
    closed(people, V1, "ruined_wall", local(2021, 12, 15, 0, 10))  # W50
    closed(people, V1, "abandoned_greenhouse", local(2021, 12, 19, 23, 59))  # W50 (Sunday night)
    closed(people, V1, "ad_clutter", local(2021, 12, 20, 0, 1))  # W51 (Monday just after midnight)
    closed(people, V1, "dilapidated_house", local(2021, 12, 19, 12))  # W50, houses
    closed(people, V1, "shack", local(2021, 12, 16))  # not a quota category
    for day in (15, 16, 17):
        closed(people, V2, "ruined_wall", local(2021, 12, day))  # W50 ×3
        closed(people, V2, "dilapidated_house", local(2021, 12, day))  # W50 ×3
    closed(people, V3, "ad_clutter", local(2021, 12, 18))  # W50, another town
    # The last week, 2022-W07 (Mon 02-14 … Sun 02-20); the campaign ends Sat 02-19 (inclusive).
    closed(people, V1, "ruined_wall", local(2022, 2, 19, 23))  # counted
    closed(people, V1, "ruined_wall", local(2022, 2, 20, 9))  # after the end: not counted

    # W50 lies wholly in the mobilisation (12-15 … 12-19; work starts 12-22): closures count, no quota is set.
    w50 = progress(api, cid, "2021-W50")
    assert w50[V1] == {WALLS["name"]: (0, 2, None), "危房": (0, 1, None)}
    assert w50[V2] == {WALLS["name"]: (0, 3, None), "危房": (0, 3, None)}
    assert w50[V3] == {WALLS["name"]: (0, 1, None), "危房": (0, 0, None)}
    assert w50[V4] == {WALLS["name"]: (0, 0, None), "危房": (0, 0, None)}
    # W51 has 5 work days (12-22 … 12-26): 5 × 5/7 = 3.57 and 3 × 5/7 = 2.14.
    assert progress(api, cid, "2021-W51")[V1] == {WALLS["name"]: (3.57, 1, "red"), "危房": (2.14, 0, "red")}
    # W07 has 4 (02-14 … 02-17, the work phase's last day included): 5 × 4/7 = 2.86.
    assert progress(api, cid, "2022-W07")[V1][WALLS["name"]] == (2.86, 1, "red")

    # A problem closed in W50, reopened and closed again in W52, still counts for W50 (the past does not move).
    issue = closed(people, V2, "ruined_wall", local(2021, 12, 18))
    from patrol.services import transition_issue
    from tests.factories import tiny_jpeg

    transition_issue(people["inspector"], issue.pk, "reopen", now=local(2021, 12, 28))
    from patrol.services import add_photo

    add_photo(people["v2"], issue.pk, tiny_jpeg(color=(1, 2, 3)), "after")
    transition_issue(people["v2"], issue.pk, "submit", now=local(2021, 12, 29))
    transition_issue(people["town_a"], issue.pk, "verify", now=local(2021, 12, 29))
    assert progress(api, cid, "2021-W50")[V2][WALLS["name"]] == (0, 4, None)
    assert progress(api, cid, "2021-W52")[V2][WALLS["name"]] == (5, 1, "red")

    # A town's staff see their own villages only.
    town_b = login(people["town_b"])
    assert set(progress(town_b, cid, "2021-W50")) == {V3, V4}
    api = login(people["district"])  # one client: log the district back in

    with django_assert_num_queries(5):  # session, user, campaign with its phases (for the work days), quotas, counts
        api.get(f"/api/campaigns/{cid}/progress/?week=2021-W50")
    assert api.get(f"/api/campaigns/{cid}/progress/?week=2021-W40").status_code == 400
    r = api.get(f"/api/campaigns/{cid}/progress/?week=51")
    assert r.status_code == 400 and r.json()["field"] == "week"
    xlsx = api.get(f"/api/campaigns/{cid}/progress/?week=2021-W50&export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_quota_changed_after_the_start_is_logged_and_leaves_past_weeks_alone(people, login):
    campaign = services.create_campaign(people["district"], QUKOU)
    for day in (15, 16):
        closed(people, V1, "dilapidated_house", local(2021, 12, day))
    closed(people, V1, "dilapidated_house", local(2022, 1, 4))
    # Changed on Wed 12-29 (W52): W52 keeps 3, from Mon 2022-01-03 (W01) the target is 1.
    services.change_quotas(people["district"], campaign.pk, [WALLS, {**HOUSES, "per_village_per_week": 1}],
                           now=local(2021, 12, 29))
    campaign.refresh_from_db()
    week = lambda w: {q["name"]: q for q in next(  # noqa: E731
        v for v in services.week_progress(campaign, services.parse_week(w))["villages"] if v["code"] == V1)["quotas"]}
    assert (week("2021-W50")["危房"]["target"], week("2021-W50")["危房"]["light"]) == (0, None)  # mobilising
    assert week("2021-W52")["危房"]["target"] == 3
    assert (week("2022-W01")["危房"]["target"], week("2022-W01")["危房"]["light"]) == (1, "green")
    change = QuotaChange.objects.get(campaign=campaign)
    assert change.effective_from.isoformat() == "2022-01-03"
    assert change.before[1]["per_village_per_week"] == 3 and change.after[1]["per_village_per_week"] == 1


@pytest.mark.parametrize("change, field, status", [
    ({"quotas": [{"name": "空", "categories": [], "per_village_per_week": 5}]}, "quotas", 400),
    ({"phases": [{"name": "验收", "kind": "acceptance", "start": "2022-02-17", "end": "2022-02-25"}]}, "phases", 400),
    ({"phases": [{"name": "甲", "kind": "work", "start": "2021-12-15", "end": "2022-01-10"},
                 {"name": "乙", "kind": "work", "start": "2022-01-05", "end": "2022-02-01"}]}, "phases", 400),
    ({"phases": [{"name": "甲", "kind": "rest", "start": "2021-12-15", "end": "2022-01-10"}]}, "phases", 400),
    ({"quotas": [{"name": "x", "categories": ["no_such"], "per_village_per_week": 5}]}, "quotas", 400),
    ({"areas": [TOWN_B]}, "areas", 403),
    ({"areas": ["310112999"]}, "areas", 400),
    ({"end": "2021-12-01"}, "end", 400),
])
def test_bad_campaigns_are_refused_naming_the_field(people, login, change, field, status):
    from campaigns.models import Campaign

    r = login(people["town_a"]).post("/api/campaigns/", {**QUKOU, "areas": [TOWN_A], **change}, format="json")
    assert r.status_code == status, r.content
    assert r.json()["field"] == field and r.json()["detail"]
    assert not Campaign.objects.exists()


def test_only_district_and_town_staff_create_and_only_in_their_area(people, login):
    assert login(people["v1"]).post("/api/campaigns/", {**QUKOU, "areas": [TOWN_A]}, format="json").status_code == 403
    r = login(people["town_a"]).post("/api/campaigns/", {**QUKOU, "areas": [TOWN_A]}, format="json")
    assert r.status_code == 201
    assert login(people["town_b"]).get(f"/api/campaigns/{r.json()['id']}/").status_code == 404
    assert [c["id"] for c in login(people["v1"]).get("/api/campaigns/").json()] == [r.json()["id"]]


def test_acceptance_only_in_the_acceptance_phase_and_listed_in_the_report(people, login):
    today = timezone.localdate()
    d = lambda n: (today + timezone.timedelta(days=n)).isoformat()  # noqa: E731
    body = {"name": "验收中", "areas": [TOWN_A], "start": d(-20), "end": d(2), "quotas": [HOUSES],
            "phases": [{"name": "攻坚", "kind": "work", "start": d(-20), "end": d(-1)},
                       {"name": "考核验收", "kind": "acceptance", "start": d(-1), "end": d(2)}]}
    api = login(people["town_a"])
    cid = api.post("/api/campaigns/", body, format="json").json()["id"]
    r = api.post(f"/api/campaigns/{cid}/acceptance/", {"village": V1, "result": "pass", "note": "整洁"}, format="json")
    assert r.status_code == 201, r.content
    again = api.post(f"/api/campaigns/{cid}/acceptance/", {"village": V1, "result": "pass", "note": "整洁"},
                     format="json")
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    r = api.post(f"/api/campaigns/{cid}/acceptance/", {"village": V2, "result": "maybe"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "result"
    r = api.post(f"/api/campaigns/{cid}/acceptance/", {"village": V3, "result": "fail"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "village"
    r = api.post(f"/api/campaigns/{cid}/acceptance/", {"village": V2, "result": "fail", "note": "柴草堆未清"},
                 format="json")
    assert r.status_code == 201
    assert login(people["v1"]).post(f"/api/campaigns/{cid}/acceptance/", {"village": V1, "result": "fail"},
                                    format="json").status_code == 403
    # Outside the acceptance phase: refused.
    qukou = login(people["district"]).post("/api/campaigns/", QUKOU, format="json").json()["id"]
    r = login(people["district"]).post(f"/api/campaigns/{qukou}/acceptance/", {"village": V1, "result": "pass"},
                                       format="json")
    assert r.status_code == 409

    from django.test import Client

    client = Client()
    client.force_login(people["town_a"])
    pdf = client.get(f"/campaigns/{cid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    page = client.get(f"/campaigns/{cid}/")
    text = page.content.decode()
    assert page.status_code == 200 and "柴草堆未清" in text and "不通过" in text and "通过" in text


def test_campaign_reinspection_samples_only_that_campaigns_points(people, login):
    api = login(people["district"])
    body = {"name": "百日攻坚", "areas": [TOWN_A], "start": "2023-06-01", "end": "2023-08-31",
            "categories": ["ruined_wall", "dry_toilet"],
            "quotas": [{"name": "残垣断壁", "categories": ["ruined_wall"], "per_village_per_week": 2}]}
    cid = api.post("/api/campaigns/", body, format="json").json()["id"]
    mine = [closed(people, V1, "ruined_wall", local(2023, 6, 10)).pk,
            closed(people, V2, "dry_toilet", local(2023, 8, 31, 22)).pk,
            # found in the period, closed after it
            closed(people, V2, "ruined_wall", local(2023, 9, 20), reported=local(2023, 8, 1)).pk]
    # Tagged to the campaign explicitly: counts although its category is not the campaign's.
    tagged = make_issue(people["inspector"], village=V1, category="shack", reported_at=local(2022, 3, 1),
                        campaign=cid)
    mine.append(close_issue(tagged, people["town_a"], people["v1"], now=local(2022, 3, 2)).pk)
    others = [closed(people, V3, "ruined_wall", local(2023, 6, 10)).pk,  # another town
              closed(people, V1, "shack", local(2023, 6, 10)).pk,  # another category
              closed(people, V1, "ruined_wall", local(2023, 10, 10)).pk]  # found and closed after
    open_one = make_issue(people["inspector"], village=V1, category="ruined_wall", reported_at=local(2023, 6, 5))

    call_command("draw_reinspection", "--campaign", str(cid), "--share", "1")
    drawn = set(ReinspectionSample.objects.filter(campaign=cid).values_list("issue_id", flat=True))
    assert drawn == set(mine)
    assert not drawn & {*others, open_one.pk}
    rows = api.get(f"/api/reinspections/?campaign={cid}").json()
    assert sorted(r["issue"] for r in rows) == sorted(mine)
    assert {r["campaign"] for r in rows} == {cid}
    # The monthly sample is not mixed up with the campaign's.
    assert all(r["campaign"] is None for r in api.get("/api/reinspections/").json())
    # Drawn once: a second run changes nothing.
    call_command("draw_reinspection", "--campaign", str(cid), "--share", "0.5")
    assert ReinspectionSample.objects.filter(campaign=cid).count() == len(mine)


def test_tagging_a_report_checks_the_campaign(people, login):
    api = login(people["district"])
    cid = api.post("/api/campaigns/", {**QUKOU, "areas": [TOWN_A]}, format="json").json()["id"]
    import uuid

    from tests.factories import village_point

    def report(village, campaign):
        lon, lat = village_point(village)
        return api.post("/api/issues/", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                         "properties": {"category": "heaps", "client_uuid": str(uuid.uuid4()),
                                                        "campaign": campaign}}, format="json")

    r = report(V1, cid)
    assert r.status_code == 201, r.content
    from patrol.models import Issue

    assert Issue.objects.get(pk=r.json()["id"]).campaign == cid
    r = report(V3, cid)
    assert r.status_code == 400 and r.json()["field"] == "campaign"
    assert report(V1, 999999).status_code == 404
    assert Issue.objects.count() == 1


def test_the_new_categories_are_there_with_their_codes(people, login):
    codes = {c["code"]: c for c in login(people["v1"]).get("/api/categories/").json()}
    for code in ("dilapidated_house", "abandoned_greenhouse", "ad_clutter", "garbage_dumping", "livestock_waste",
                 "pond_debris", "problem_toilet", "plot_disorder", "heaps", "ruined_wall", "black_water"):
        assert code in codes
    assert codes["dilapidated_house"]["default_deadline_days"] == 30 and codes["heaps"]["name"] == "柴草堆/三大堆"


def test_campaign_page_and_list(people):
    from django.test import Client

    campaign = services.create_campaign(people["district"], QUKOU)
    closed(people, V2, "ruined_wall", local(2021, 12, 16))
    closed(people, V2, "ruined_wall", local(2021, 12, 28))
    client = Client()
    client.force_login(people["district"])
    page = client.get(f"/campaigns/{campaign.pk}/?week=2021-W52")
    text = page.content.decode()
    assert page.status_code == 200 and "乙村" in text and "1/5" in text and "2021-W52" in text
    mobilising = client.get(f"/campaigns/{campaign.pk}/?week=2021-W50").content.decode()
    assert "1（不设指标）" in mobilising and "集中攻坚阶段内 0 天" in mobilising
    assert client.get(f"/campaigns/{campaign.pk}/?week=nonsense").status_code == 200
    assert "冬季战役" in client.get("/campaigns/").content.decode()


def test_import_tags_rows_with_the_campaign_column(people):
    from patrol import imports
    from patrol.models import Issue
    from tests.factories import village_point

    campaign = services.create_campaign(people["district"], {**QUKOU, "areas": [TOWN_A]})
    (x1, y1), (x3, y3) = village_point(V1), village_point(V3)
    content = (f"编号,经度,纬度,类别,专项行动\n1,{x1},{y1},废旧温棚,{campaign.pk}\n2,{x1},{y1 + 0.001},heaps,\n"
               f"3,{x3},{y3},heaps,{campaign.pk}\n4,{x1},{y1},heaps,abc\n").encode()
    result = imports.import_file(people["district"], content, "rows.csv")
    assert (result.created, [e["row"] for e in result.errors]) == (2, [4, 5])
    assert "专项行动" in result.errors[0]["reason"] and "整数" in result.errors[1]["reason"]
    tagged = dict(Issue.objects.values_list("category_id", "campaign"))
    assert tagged == {"abandoned_greenhouse": campaign.pk, "heaps": None}
    again = imports.import_file(people["district"], content, "rows.csv")
    assert (again.created, again.existing) == (0, 2)


def test_the_ranking_after_acceptance_puts_passed_villages_first_then_by_completion(people, login):
    """Seed 002: “由乡农村人居环境整治工作领导小组办公室对各村人居环境整治暨村庄清洁“冬季战役”进行考核验收，
    并根据考核验收结果进行考核评比。” Passed villages rank before failed ones (the plan); within a result, by the work
    phase's completion rate against the prorated targets (ours, labelled). Villages not accepted are not ranked."""
    today = timezone.localdate()
    d = lambda n: today + timezone.timedelta(days=n)  # noqa: E731
    body = {"name": "冬季战役（演练）", "areas": [TOWN_A, TOWN_B], "start": d(-13).isoformat(), "end": d(2).isoformat(),
            "quotas": [{**HOUSES, "per_village_per_week": 7}],
            "phases": [{"name": "集中攻坚", "kind": "work", "start": d(-13).isoformat(), "end": d(-1).isoformat()},
                       {"name": "考核验收", "kind": "acceptance", "start": d(-1).isoformat(), "end": d(2).isoformat()}]}
    api = login(people["district"])
    cid = api.post("/api/campaigns/", body, format="json").json()["id"]
    for village, n in ((V1, 2), (V2, 4), (V3, 1)):
        for i in range(n):
            closed(people, village, "dilapidated_house", timezone.now() - timezone.timedelta(days=3, hours=i))
    for village, result in ((V1, "pass"), (V2, "fail"), (V3, "pass")):
        assert api.post(f"/api/campaigns/{cid}/acceptance/", {"village": village, "result": result, "note": "见照片"},
                        format="json").status_code == 201
    r = api.get(f"/api/campaigns/{cid}/ranking/")
    assert r.status_code == 200, r.content
    rows = {v["code"]: v for v in r.json()["villages"]}
    # 13 work days at 7 a week: a prorated target of 13 over the campaign for every village.
    assert {c: rows[c]["target"] for c in (V1, V2, V3, V4)} == {V1: 13.0, V2: 13.0, V3: 13.0, V4: 13.0}
    assert [(c, rows[c]["rank"], rows[c]["done"]) for c in (V1, V3, V2)] == [(V1, 1, 2), (V3, 2, 1), (V2, 3, 4)]
    assert rows[V4]["rank"] is None and rows[V4]["result_label"] == "未验收"
    assert any(x["source"].startswith("工作方案 002") for x in r.json()["rules"])
    assert any(x["source"].startswith("项目默认") for x in r.json()["rules"])

    from django.test import Client

    page = Client()
    page.force_login(people["district"])
    html = page.get(f"/campaigns/{cid}/").content.decode()
    table = html.split('data-testid="campaign-ranking"', 1)[1].split("</table>", 1)[0]
    assert table.index("甲村") < table.index("丙村") < table.index("乙村")

    early = api.post("/api/campaigns/", QUKOU, format="json").json()["id"]
    qukou_2021 = api.get(f"/api/campaigns/{early}/ranking/")
    assert qukou_2021.status_code == 200  # long past: its acceptance phase began in 2022
    future = {**body, "name": "明年", "start": d(30).isoformat(), "end": d(60).isoformat(),
              "phases": [{"name": "集中攻坚", "kind": "work", "start": d(30).isoformat(), "end": d(50).isoformat()},
                         {"name": "考核验收", "kind": "acceptance", "start": d(50).isoformat(),
                          "end": d(60).isoformat()}]}
    fid = api.post("/api/campaigns/", future, format="json").json()["id"]
    assert api.get(f"/api/campaigns/{fid}/ranking/").status_code == 409
