"""The whole demo as `make run` loads it (manage.py demo_setup and every loader), smaller: fewer problems per
village and two weeks of the campaign (demo_setup.PROBLEMS_PER_VILLAGE, CAMPAIGN_WEEKS), told in this process.
One load, then every row of issue 26's list checked on it."""
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from demo.management.commands import demo_setup
from patrol.models import Category, Issue, IssueEvent
from tests.factories import seed_reference_rows

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def scalar(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


@pytest.fixture
def demo(transactional_db, settings, tmp_path, monkeypatch):
    # Transactional: the loaders commit as `make run`'s do, so the statistics refreshed after the problems see them.
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.DEMO_PASSWORD = "demo-pass-26"
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(demo_setup, "PASSWORD_FILE", tmp_path / "demo_password")
    monkeypatch.setattr(demo_setup, "PROBLEMS_PER_VILLAGE", 8)
    monkeypatch.setattr(demo_setup, "CAMPAIGN_WEEKS", 2)
    monkeypatch.setattr("demo.households.HOUSEHOLDS_PER_VILLAGE", 8)
    # In this process, as the docstring says: forking a pytest worker that holds a live server's thread (a browser
    # test ran in it before) can leave the child waiting on what that thread held (tests/demo/test_demo_parallel.py
    # covers the parallel load on its own).
    monkeypatch.setenv("DEMO_WORKERS", "1")
    seed_reference_rows()  # an earlier transactional test in this worker may have flushed them
    out = StringIO()
    call_command("demo_setup", stdout=out)
    print(out.getvalue())  # what the load said, its [setup] step times among it (shown with pytest -rP)
    return out.getvalue()


def test_the_demo_year(demo):
    from assessment import results
    from assessment.models import Adjustment, EvaluatedVillage, Interview, MonthClose, SchemeSetting, UpkeepFund
    from campaigns import services as campaigns
    from campaigns.models import Acceptance, Campaign
    from geo.models import District, Village
    from notifications.models import Notification
    from patrol.models import ReinspectionSample
    from supervision.models import Order, OrderEvent

    today = timezone.localdate()
    now = timezone.now()
    district = District.objects.get()

    # --- timestamps: no step before the one it follows, nothing in the future, reports in working hours ---
    assert scalar("""SELECT count(*) FROM (SELECT at < lag(at) OVER (PARTITION BY issue_id ORDER BY id) AS bad
                     FROM patrol_issueevent) x WHERE bad""") == 0
    assert scalar("""SELECT count(*) FROM (SELECT at < lag(at) OVER (PARTITION BY order_id ORDER BY id) AS bad
                     FROM supervision_orderevent) x WHERE bad""") == 0
    assert not IssueEvent.objects.filter(at__gt=now).exists()
    assert not OrderEvent.objects.filter(at__gt=now).exists()
    hours = {timezone.localtime(t).hour for t in Issue.objects.values_list("reported_at", flat=True)}
    assert hours <= set(range(8, 18))
    third_party = Issue.objects.filter(source="third_party")
    assert third_party.exists()
    for issue in third_party.prefetch_related("events"):
        events = sorted(issue.events.all(), key=lambda e: e.pk)
        assert events[0].action == "report" and all(e.at >= events[0].at for e in events)

    # --- every category of the 20, through the loop ---
    counts = Counter(Issue.objects.values_list("category_id", flat=True))
    assert set(counts) == set(Category.objects.values_list("code", flat=True)) and len(counts) == 20
    assert IssueEvent.objects.filter(action="verify", issue__category_id="dilapidated_house").exists()

    # --- orders: issued, answered, returned once and answered again, closed; one overdue; drafts ---
    states = Counter(Order.objects.values_list("state", flat=True))
    assert {"draft", "issued", "answered", "returned", "closed"} <= set(states), states
    assert Order.objects.filter(state="issued", deadline__lt=today).exists()  # overdue
    assert Order.objects.filter(state="issued", deadline__gte=today).exists()
    again = [o for o in Order.objects.filter(state="closed")
             if [e.action for e in o.events.order_by("id")] == ["issue", "answer", "return", "answer", "close"]]
    assert again
    for order in Order.objects.filter(state="closed"):
        assert not Issue.objects.filter(orders=order, red_supervision=True).exists()

    # --- inboxes: the year's old notifications read, a few days' unread ---
    for username in ("qu_admin", "zhen_staff", "cun_staff", "yunwei"):
        user = User.objects.get(username=username)
        mine = Notification.objects.filter(user=user)
        assert mine.exists(), username
        assert mine.filter(read_at__isnull=True).count() <= 40, username
        assert not mine.filter(read_at__isnull=True, created__lt=now - timedelta(days=4)).exists()
        assert not mine.filter(read_at__lt=F("created")).exists()

    # --- two schemes side by side, standard nowhere ---
    settings_rows = dict(SchemeSetting.objects.values_list("area_code", "scheme"))
    assert settings_rows[district.code] == "dazhangzhuang"
    minhang = [code for code, name in settings_rows.items() if name == "minhang"]
    assert len(minhang) == 1 and len(minhang[0]) == 9
    assert "standard" not in settings_rows.values()
    months = [date(today.year, m, 1) for m in range(1, today.month)]
    assert sorted(MonthClose.objects.filter(closed=True).values_list("month", flat=True)) == months
    notice = False
    for month in months:
        rows = results.month(district.code, month).rows
        flagged = [r for r in rows if any(f["code"] in ("bottom", "bottom_twice") for f in r["flags"])
                   and r["scheme"] == "dazhangzhuang"]
        assert flagged, month
        assert all(Interview.objects.filter(village_id=r["code"], month=month).exists() for r in flagged), month
        notice = notice or any(f["code"] == "notice" for r in rows if r["town"] == minhang[0] for f in r["flags"])
    assert notice if months else True
    assert UpkeepFund.objects.filter(withheld=True).exists() and UpkeepFund.objects.filter(withheld=False).exists()
    assert Adjustment.objects.filter(kind="model").exists() and EvaluatedVillage.objects.exists()

    # --- Qukou's campaign: the plan's lengths and quotas, mixed lights, acceptance, 回头看 ---
    campaign = Campaign.objects.get()
    phases = list(campaign.phases.order_by("start"))
    assert [(p.end - p.start).days for p in phases] == [7, 57, 2]
    assert (phases[0].start.month, phases[0].start.day, phases[-1].end.month, phases[-1].end.day) == (12, 15, 2, 19)
    quotas = {q.name: (sorted(q.categories), q.per_village_per_week) for q in campaign.quotas.all()}
    assert quotas["残垣断壁/废旧温棚/破旧广告"] == (sorted(["ruined_wall", "abandoned_greenhouse", "ad_clutter"]), 5)
    assert quotas["危房拆除"] == (["dilapidated_house"], 3)
    lights = Counter()
    for week in (phases[0].start, phases[1].start):
        for v in campaigns.week_progress(campaign, week - timedelta(days=week.weekday()))["villages"]:
            lights.update(q["light"] for q in v["quotas"])
    assert lights["red"] and lights["green"], lights
    if phases[-1].end < today:
        villages = campaigns.campaign_villages(campaign).count()
        assert Acceptance.objects.filter(campaign=campaign).values("village").distinct().count() == villages
        assert ReinspectionSample.objects.filter(campaign=campaign.pk, result__gt="").exists()

    # --- households: seven villages of two towns, rules copied, a year of scoring, boards, one village behind ---
    from households import services as households
    from households.models import BoardPublication, Household, IssueLink, PointEntry, RuleSet

    villages_with = set(Household.objects.values_list("village_id", flat=True))
    assert len(villages_with) >= 6 and len({v[:9] for v in villages_with}) == 2
    assert all(len(code.split("-")) == 3 for code in Household.objects.values_list("code", flat=True))
    assert households.mask(Household.objects.first().head).endswith("**")
    reference = RuleSet.objects.get(village=None)
    for ruleset in RuleSet.objects.exclude(village=None):
        assert ruleset.copied_from_id == reference.pk
        assert (sorted(ruleset.items.values_list("key", "points")) == sorted(reference.items.values_list("key",
                                                                                                         "points")))
    assert RuleSet.objects.exclude(village=None).count() == len(villages_with)
    scored_months = set(PointEntry.objects.filter(kind="monthly").values_list("month", flat=True))
    assert {date(today.year, m, 1) for m in range(1, today.month + 1)} <= scored_months
    assert PointEntry.objects.filter(kind="redemption").exists() and BoardPublication.objects.exists()
    assert PointEntry.objects.filter(kind="issue").exists() and IssueLink.objects.exists()
    black = [households.board(v, f"{today.year}-Q{q}")["black"] for v in villages_with for q in (1, 2, 3)]
    assert any(black)
    qu = User.objects.get(username="qu_admin")
    rows = [r for r in households.supervision(qu)["villages"] if r["households"]]
    assert any(r["behind"] for r in rows) and not all(r["behind"] for r in rows)

    # --- facilities: every village, two companies with accounts, orders in every state, the ledger's kinds ---
    from facilities import ledger
    from facilities.models import Facility, Rating, WorkOrder

    every = set(Village.objects.values_list("code", flat=True))
    assert set(Facility.objects.filter(kind__is_toilet=True).values_list("village_id", flat=True)) == every
    assert {"sewage_plant", "garbage_point", "public_toilet", "household_toilet"} <= set(
        Facility.objects.values_list("kind_id", flat=True))
    operators = User.objects.filter(role="operator")
    assert {u.username for u in operators} >= {"yunwei", "yunwei2"}
    assert {o.operator_code for o in operators} == set(Facility.objects.values_list("operator_id", flat=True))
    orders = WorkOrder.objects.all()
    assert {"open", "accepted", "done"} <= set(orders.values_list("state", flat=True))
    assert orders.filter(reports__gt=1).exists() and orders.filter(reopen_of__isnull=False).exists()
    assert orders.filter(escalated_at__isnull=False).exists() and orders.filter(issue__status="closed").exists()
    kinds = set(ledger.problem_toilets(qu).values_list("problem_kind", flat=True))
    assert kinds == {"unusable", "hard_to_use", "not_year_round", ""}, kinds
    for month in months:
        assert {"town", "village"} <= set(Rating.objects.filter(month=month).values_list("level", flat=True))
    code = Facility.objects.filter(kind_id="public_toilet").values_list("code", flat=True).first()
    from django.test import Client

    assert Client().get(f"/f/{code}").status_code == 200

    # --- black-odorous water bodies, communities, analyses, and the stored times of the year ---
    check_water_bodies(now)
    check_communities(district, minhang[0], months)
    check_analyses(district, minhang[0], months)
    check_stored_times(today, now)

    # --- every village has problems, the accounts table's accounts exist ---
    assert set(Issue.objects.values_list("village_id", flat=True)) == set(Village.objects.values_list("code",
                                                                                                       flat=True))
    for username, *_ in demo_setup.ACCOUNTS:
        assert username in demo


def _working(t, today):
    """In working hours (8:00–17:59 local), or today (a step clamped to now on a load run early in the day)."""
    local = timezone.localtime(t)
    return local.date() == today or 8 <= local.hour <= 17


def check_water_bodies(now):
    """A handful in every town, ponds as polygons and ditches as lines inside their villages, every status of the
    list; each rebound made by a black_water problem reported on an eliminated one and linked to it; visits
    through the year, none before the listing nor after now; history in order."""
    from geo.models import Town
    from waterbodies.models import StatusChange, Visit, WaterBody

    today = timezone.localdate(now)
    bodies = list(WaterBody.objects.select_related("village"))
    per_town = Counter(b.town_id for b in bodies)
    assert set(per_town) == set(Town.objects.values_list("code", flat=True))
    assert all(3 <= n <= 8 for n in per_town.values()), per_town
    assert {b.status for b in bodies} == {"black_odorous", "treating", "eliminated", "rebounded"}
    for b in bodies:
        assert b.geom.geom_type == ("Polygon" if b.kind == "pond" else "LineString"), (b.name, b.kind)
        assert b.village.boundary.contains(b.geom), b.name
        first = b.history.order_by("at", "id").first()
        assert (first.from_status, first.at) == ("", b.listed_at)
    assert {b.kind for b in bodies} == {"pond", "ditch"}

    rebounds = list(StatusChange.objects.filter(to_status="rebounded").select_related("water_body"))
    assert rebounds
    for change in rebounds:
        issue = Issue.objects.get(pk=change.issue)
        assert (issue.category_id, issue.water_body, issue.reported_at) == ("black_water", change.water_body_id,
                                                                           change.at)
        assert change.from_status == "eliminated"
        assert change.water_body.history.filter(to_status="eliminated", at__lt=change.at).exists()
        assert issue.events.filter(action="assign").exists()  # told through the loop
    assert WaterBody.objects.filter(status="rebounded").exists()  # one still waiting for treatment
    assert StatusChange.objects.filter(from_status="rebounded", to_status="treating").exists()  # one treated again

    assert scalar("""SELECT count(*) FROM (SELECT at < lag(at) OVER (PARTITION BY water_body_id ORDER BY id) AS bad
                     FROM waterbodies_statuschange) x WHERE bad""") == 0
    assert not StatusChange.objects.filter(at__gt=now).exists()
    visits = list(Visit.objects.select_related("water_body"))
    assert all(v.water_body.listed_at <= v.at <= now for v in visits)
    assert set(Counter(v.water_body_id for v in visits)) == {b.pk for b in bodies}  # every one visited
    assert len({timezone.localtime(v.at).month for v in visits}) >= 6  # through the year
    assert all(v.photos.exists() for v in visits[:20])
    found = {(v.water_body_id, v.finding) for v in visits}
    for b in bodies:  # what the last visit saw agrees with the status
        last = max((v for v in visits if v.water_body_id == b.pk), key=lambda v: v.at)
        if b.status == "eliminated" and last.at > b.status_since:
            assert last.finding == "clear", b.name
        if b.status in ("black_odorous", "rebounded") and last.at > b.status_since:
            assert last.finding == "black_odorous", b.name
    assert {"clear", "black_odorous"} <= {f for _, f in found}
    times = [v.at for v in visits] + list(StatusChange.objects.values_list("at", flat=True))
    assert all(_working(t, today) for t in times)


def check_communities(district, minhang_town, months):
    """党建共同体 in every town on the district's scheme, every village of those towns in one, each under a
    secretary; the minhang town has none. /assessment/ and /assessment/year/ show the grouping."""
    from django.test import Client

    from assessment import results
    from geo.models import Community, Town, Village

    towns = Town.objects.filter(district=district).exclude(code=minhang_town)
    assert towns.exists()
    for town in towns:
        communities = list(Community.objects.filter(town=town))
        assert len(communities) >= 2 and all(c.secretary for c in communities), town.code
        assert not Village.objects.filter(town=town, community=None).exists(), town.code
        assert all(c.villages.count() >= 2 for c in communities)
    assert not Community.objects.filter(town_id=minhang_town).exists()
    assert not Village.objects.filter(town_id=minhang_town).exclude(community=None).exists()
    if months:
        summary = results.communities(results.month(district.code, months[-1]).rows)
        assert len(summary) == Community.objects.count() and all(c["scored"] for c in summary)
    client = Client()
    client.force_login(User.objects.get(username="qu_admin"))
    name = Community.objects.order_by("name").first().name
    for url in ("/assessment/", "/assessment/year/"):
        page = client.get(url)
        assert page.status_code == 200 and name in page.content.decode(), url


def check_analyses(district, town, months):
    """一村一档一分析 of the minhang town: every village of it in the district's bottom third of its last closed
    rounds has its analysis, written after the round closed; the dossier shows it."""
    from django.test import Client

    from assessment import analysis
    from assessment.models import MonthClose, VillageAnalysis
    from demo import assessment as demo_assessment

    rounds = sorted({analysis.round_of(town, m) for m in months})
    rounds = [r for r in rounds if set(analysis.round_months(town, r)) <= set(months)]
    if not rounds:
        assert not VillageAnalysis.objects.exists()
        return
    covered = []
    for first in rounds[-demo_assessment.ANALYSIS_ROUNDS:]:
        needed = {c for c in analysis.bottom_third(district.code, first) if c.startswith(town)}
        written = {a.village_id: a for a in VillageAnalysis.objects.filter(round=first)}
        assert needed <= set(written), (first, needed - set(written))
        closed = MonthClose.objects.get(month=analysis.round_months(town, first)[-1]).closed_at
        for a in written.values():
            assert a.village_id.startswith(town) and a.causes.endswith("（示例）") and "一是" in a.measures
            assert closed <= a.written_at <= timezone.now()
            assert a.written_by.role in ("town", "district")
        covered += sorted(needed)
    assert covered  # at least one closed round with villages of the town in the bottom third
    client = Client()
    client.force_login(User.objects.get(username="qu_admin"))
    latest = VillageAnalysis.objects.filter(village_id=covered[-1]).order_by("-written_at").first()
    page = client.get(f"/villages/{covered[-1]}/").content.decode()
    assert latest.causes[:20] in page


def check_stored_times(today, now):
    """Scorecard entry, month closing, 约谈 recording, board publication and rating: each when the year had it
    (in its month, or just after what it follows), in working hours, never later than now; problems' after-photos
    just before their submission."""
    from assessment.models import Interview, MonthClose, MonthCloseLog, Scorecard
    from core.months import local_start, next_month
    from facilities.models import Rating
    from households.models import BoardPublication

    cards = list(Scorecard.objects.values_list("month", "created_at"))
    assert cards
    for month, at in cards:
        assert local_start(month) <= at < local_start(next_month(month)) and at <= now, (month, at)
    closes = {c.month: c.closed_at for c in MonthClose.objects.all()}
    for month, at in closes.items():
        assert local_start(next_month(month)) <= at <= min(now, local_start(next_month(month)) + timedelta(days=8))
    logs = list(MonthCloseLog.objects.values_list("month", "at"))
    assert logs and all(at == closes[month] for month, at in logs)
    interviews = list(Interview.objects.all())
    assert interviews
    for i in interviews:
        assert max(local_start(i.held_on), closes[i.month]) <= i.recorded_at <= now, i.village_id
    boards = list(BoardPublication.objects.values_list("quarter", "published_at"))
    assert boards
    for quarter, at in boards:
        year, q = int(quarter[:4]), int(quarter[-1])
        assert local_start(date(year, 3 * q - 2, 1)) <= at <= now and year == today.year, quarter
    ratings = list(Rating.objects.values_list("month", "rated_at"))
    assert ratings
    for month, at in ratings:
        assert local_start(month) <= at < local_start(next_month(month)) and at <= now, (month, at)
    times = [at for _, at in cards] + list(closes.values()) + [i.recorded_at for i in interviews] + [
        at for _, at in boards] + [at for _, at in ratings]
    assert all(_working(t, today) for t in times)
    # Problems' after-photos came in shortly before the submission they went with, over the year, not at load time.
    from patrol.models import Photo

    submitted = list(Photo.objects.filter(kind="after", submitted_with__isnull=False)
                     .values_list("uploaded_at", "submitted_with__at"))
    assert submitted
    assert all(at - timedelta(hours=1) <= up <= at for up, at in submitted)
    assert min(up for up, _ in submitted) < now - timedelta(days=180)
