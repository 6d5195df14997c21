"""The field app /m/ at 390 × 844 (issue 30): the confirmation after 上报, 我的任务 nearest first with the done ones
folded away, today's patrol plan with the next stop's distance and direction, and the scorecard link."""
import math
import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patrol.models import Issue, ReinspectionSample
from tests.factories import TOWN_A, V1, V2, close_issue, make_geography, make_issue, make_user, village_point
from tests.mobile.test_mobile_browser import Phone, jpeg

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _categories_back(django_db_blocker):
    """Each test here ends with a flush; leave the categories in place for the tests that run after this file."""
    yield
    from django.db import connections

    from tests.factories import seed_categories

    with django_db_blocker.unblock():
        seed_categories()
        connections.close_all()


@pytest.fixture
def phone(browser, live_server):
    from tests.factories import seed_categories

    seed_categories()
    made = []

    def _phone(lon, lat):
        made.append(Phone(browser, live_server, lon, lat))
        return made[-1]

    yield _phone
    for p in made:
        p.close()


def haversine(a, b):
    r, rad = 6371008.8, math.pi / 180
    h = (math.sin((b[1] - a[1]) * rad / 2) ** 2
         + math.cos(a[1] * rad) * math.cos(b[1] * rad) * math.sin((b[0] - a[0]) * rad / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(h))


def test_report_shows_its_number_with_a_link_and_waits_when_offline(phone):
    make_geography()
    user = make_user("inspector", "310112")
    p = phone(*village_point(V1, grid=1))
    p.login_cookie(user)
    p.ready("甲村 · 甲村一网格")
    p.report("shack", "窝棚", jpeg())
    p.synced(0)
    issue = Issue.objects.get()
    box = p.el("report-confirmation")
    expect(box).to_contain_text(f"已上报：问题 #{issue.pk}")
    expect(box).to_contain_text("照片已发送")
    link = box.get_by_role("link", name=f"#{issue.pk}")
    assert link.get_attribute("href") == f"/issues/{issue.pk}/"
    assert p.el("report-description").input_value() == ""  # the form is empty for the next one

    p.context.set_offline(True)  # offline: the box says it waits, then names the number once sent
    p.report("clutter", "杂物", jpeg(color=(1, 2, 3)))
    expect(box).to_contain_text("已保存在手机上")
    p.context.set_offline(False)
    p.synced(0)
    second = Issue.objects.exclude(pk=issue.pk).get()
    expect(box).to_contain_text(f"已上报：问题 #{second.pk}")
    link = box.get_by_role("link", name=f"#{second.pk}")
    link.click()
    p.page.wait_for_url(re.compile(rf"/issues/{second.pk}/$"))
    expect(p.page.get_by_text("杂物").first).to_be_visible()
    p.assert_local_only()
    p.assert_no_errors()


def test_tasks_nearest_first_done_folded_and_todays_plan(phone, settings):
    from planning.services import make_plan

    settings.PATROL = {**settings.PATROL, "PLAN_SOLVER_SECONDS": 0.5}
    make_geography()
    inspector, town = make_user("inspector", "310112"), make_user("town", TOWN_A)
    staff = {V1: make_user("village", V1), V2: make_user("village", V2)}
    past = timezone.now() - timedelta(days=40)
    # Four closed problems drawn for this month's 回头看, in no order of distance from the inspector (甲村一网格).
    places = [(V2, 2), (V1, 2), (V2, 1), (V1, 1)]
    here = village_point(V1, grid=1)
    issues = [close_issue(make_issue(inspector, v, grid=g, category="shack", reported_at=past - timedelta(days=5)),
                          town, staff[v], now=past) for v, g in places]
    from patrol.services import draw_reinspection

    samples = {s.issue_id: s for s in draw_reinspection(timezone.localdate(), share=1.0)}
    assert len(samples) == 4
    nearest_first = [samples[i.pk] for i in sorted(issues, key=lambda i: haversine(here, i.location.coords))]
    assert [s.issue_id for s in nearest_first] != [i.pk for i in issues]
    plan = make_plan(town, day=timezone.localdate(), teams=1, start=[121.401, 31.11],
                     stops=[f"village:{V1}", f"village:{V2}"], hours=8)
    stops = list(plan.stops.filter(team=1).order_by("seq"))
    assert len(stops) == 2

    p = phone(*here)
    p.login_cookie(inspector)
    p.ready("甲村 · 甲村一网格")
    p.page.get_by_role("button", name="我的任务").click()
    cards = p.page.locator("[data-testid=tasks] > [data-testid=reinspection-card]")
    expect(cards).to_have_count(4)
    assert [int(c.get_attribute("data-sample")) for c in cards.all()] == [s.pk for s in nearest_first]
    expect(cards.first.get_by_test_id("task-distance")).to_contain_text("米")
    assert p.el("reinspect-done").count() == 0

    # Record the nearest: it folds away under 已完成, the next nearest comes first.
    cards.first.get_by_role("button", name="保持").click()
    p.synced(0)
    assert ReinspectionSample.objects.get(pk=nearest_first[0].pk).result == "held"
    expect(cards).to_have_count(3)
    assert int(cards.first.get_attribute("data-sample")) == nearest_first[1].pk
    done = p.el("reinspect-done")
    expect(done).to_contain_text("已完成 1 条")
    folded = done.get_by_test_id("reinspection-card")
    expect(folded).to_be_hidden()
    done.get_by_text("已完成 1 条").click()
    expect(folded).to_be_visible()
    expect(folded).to_contain_text("结果：保持")

    # Today's plan: the stops in order, the next stop's distance and direction and a link for the map app.
    box = p.el("patrol-plan")
    expect(box).to_contain_text(f"今日巡查计划 #{plan.pk}")
    expect(p.el("plan-stops").locator("li")).to_have_count(2)
    assert p.el("plan-stops").locator("li").all_inner_texts()[0].startswith(stops[0].label)
    first = stops[0]
    metres = haversine(here, (first.location.x, first.location.y))
    nxt = p.el("next-stop")
    expect(nxt).to_contain_text(f"下一站：第 1 站 {first.label}")
    shown = re.search(r"距此 ([\d.]+) (米|公里)", nxt.inner_text())
    value = float(shown.group(1)) * (1000 if shown.group(2) == "公里" else 1)
    assert abs(value - metres) <= max(60, metres * 0.06)
    expect(nxt).to_contain_text("方向：东")  # both villages' points lie east of 甲村一网格's west part
    href = nxt.get_by_role("link", name="在手机地图中打开").get_attribute("href")
    assert href.startswith(f"geo:{round(first.location.y, 6)!r},{round(first.location.x, 6)!r}?q=")
    p.page.get_by_role("button", name="已到达，下一站").click()
    expect(nxt).to_contain_text(f"下一站：第 2 站 {stops[1].label}")
    p.page.reload()
    p.page.get_by_role("button", name="我的任务").click()
    expect(p.el("next-stop")).to_contain_text(f"第 2 站 {stops[1].label}")  # kept on the phone
    assert p.el("scorecard-link").count() == 0  # an inspector does not score villages
    p.assert_local_only()
    p.assert_no_errors()


def test_a_town_officer_finds_the_scorecard_form_and_a_village_the_town_plan_in_its_village(phone, settings):
    from planning.services import make_plan

    settings.PATROL = {**settings.PATROL, "PLAN_SOLVER_SECONDS": 0.5}
    make_geography()
    town = make_user("town", TOWN_A)
    plan = make_plan(town, day=timezone.localdate(), teams=1, start=[121.401, 31.11],
                     stops=[f"village:{V1}", f"village:{V2}"], hours=8)
    p = phone(*village_point(V1, grid=1))
    p.login_cookie(town)
    p.ready("甲村")
    p.page.get_by_role("button", name="我的任务").click()
    link = p.page.get_by_role("link", name="现场评分表：到村打分")
    link.click()
    p.page.wait_for_url(re.compile(r"/assessment/scorecards/$"))
    p.assert_no_errors()

    cadre = make_user("village", V2)  # the town's plan, only the stop in the cadre's own village
    q = phone(*village_point(V2, grid=1))
    q.login_cookie(cadre)
    q.ready("乙村")
    q.page.get_by_role("button", name="我的任务").click()
    expect(q.el("patrol-plan")).to_contain_text(f"今日巡查计划 #{plan.pk}")
    expect(q.el("plan-stops").locator("li")).to_have_count(1)
    expect(q.el("plan-stops")).to_contain_text("乙村")
    assert q.el("scorecard-link").count() == 0
    q.assert_no_errors()
