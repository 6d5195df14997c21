"""The year's 积分细则 and the 积分超市 (/households/rules/) in Chromium: district staff publish the reference set,
a village cadre on a phone copies it, changes an item (a bad value named on its row first), adds goods and
restocks; town staff pick a village of theirs; 关联农户 on a problem's page (/issues/<id>/) at 390 × 844."""
import os

import pytest
from django.utils import timezone

from households import services
from households.models import Good, IssueLink, RuleSet
from tests.factories import make_geography, make_issue, make_user
from tests.households.conftest import ITEMS, V1, make_household
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def _page(browser, live_server, user, options):
    context = browser.new_context(**options)
    context.set_default_timeout(40_000)
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, user)
    return context, page


def test_district_publishes_the_reference_and_a_village_copies_and_edits_it(browser, live_server):
    make_geography()
    year = timezone.localdate().year
    district = make_user("district", "310112", "qu")
    cadre = make_user("village", V1, "jiacun-rules")
    context, page = _page(browser, live_server, district, DESK)
    try:
        page.goto(live_server.url + "/households/rules/")
        with page.expect_navigation():
            page.get_by_label("行政村").select_option(label="区级参考细则")
        page.wait_for_load_state("networkidle")
        for i, item in enumerate(ITEMS[:2]):
            page.get_by_label(f"第 {i + 1} 项 项目代码").fill(item["key"])
            page.get_by_label(f"第 {i + 1} 项 项目名称").fill(item["name"])
            page.get_by_label(f"第 {i + 1} 项 分值").fill(str(item["points"]))
        page.get_by_role("button", name="保存细则").click()
        page.wait_for_load_state("networkidle")
        assert f"已保存 {year} 年积分细则（2 项）" in page.get_by_test_id("messages").inner_text()
        reference = RuleSet.objects.get(village=None, year=year)
        assert sorted(reference.items.values_list("key", "points")) == [("sorting", 3), ("yard", 5)]
    finally:
        context.close()

    context, page = _page(browser, live_server, cadre, PHONE)
    try:
        page.goto(live_server.url + "/households/rules/")
        page.get_by_role("button", name="从区级参考细则复制").click()
        page.wait_for_load_state("networkidle")
        assert f"已从区级参考细则复制 {year} 年积分细则" in page.get_by_test_id("messages").inner_text()
        own = RuleSet.objects.get(village=V1, year=year)
        assert own.copied_from_id == reference.pk and own.items.count() == 2

        row = [i for i, k in enumerate(sorted(["sorting", "yard"])) if k == "yard"][0]
        page.get_by_label(f"第 {row + 1} 项 分值").fill("0")
        page.get_by_role("button", name="保存细则").click()
        page.wait_for_load_state("networkidle")
        error = page.get_by_test_id(f"item-row-{row}").get_by_test_id("field-error")
        assert "points 应为非零整数" in error.inner_text()
        assert services.item_in_force(V1, "yard", timezone.localdate()).points == 5
        page.get_by_label(f"第 {row + 1} 项 分值").fill("6")
        page.get_by_label("第 3 项 项目代码").fill("clutter")
        page.get_by_label("第 3 项 项目名称").fill("宅前屋后乱堆乱放")
        page.get_by_label("第 3 项 分值").fill("-4")
        page.get_by_role("button", name="保存细则").click()
        page.wait_for_load_state("networkidle")
        assert f"已保存 {year} 年积分细则（3 项）" in page.get_by_test_id("messages").inner_text()
        today = timezone.localdate()
        assert services.item_in_force(V1, "yard", today).points == 6
        assert services.item_in_force(V1, "clutter", today).points == -4
        assert sorted(reference.items.values_list("key", "points")) == [("sorting", 3), ("yard", 5)]

        page.get_by_label("物品名称").fill("洗衣液")
        page.get_by_label("所需积分").fill("十")
        page.get_by_label("库存").fill("5")
        page.get_by_role("button", name="添加物品").click()
        page.wait_for_load_state("networkidle")
        assert "price" in page.get_by_test_id("good-form").get_by_test_id("field-error").inner_text()
        assert not Good.objects.exists()
        page.get_by_label("所需积分").fill("20")
        page.get_by_role("button", name="添加物品").click()
        page.wait_for_load_state("networkidle")
        assert "已添加兑换物品：洗衣液（20 分，库存 5）" in page.get_by_test_id("messages").inner_text()
        good = Good.objects.get()
        page.get_by_label("洗衣液 补货数量").fill("3")
        page.get_by_test_id(f"good-{good.pk}").get_by_role("button", name="补货").click()
        page.wait_for_load_state("networkidle")
        assert "已补货：洗衣液，库存 8" in page.get_by_test_id("messages").inner_text()
        assert page.get_by_test_id(f"good-{good.pk}").get_by_test_id("stock").inner_text() == "8"
        assert Good.objects.get().stock == 8
        assert [e for e in page.errors if " 400 " not in f" {e} "] == []
    finally:
        context.close()


def test_town_staff_pick_a_village_for_its_rules(browser, live_server):
    make_geography()
    town = make_user("town", "310112102", "jiazhen-rules")
    year = timezone.localdate().year
    services.save_rules(town, village=V1, year=year, board_n=2, items=ITEMS,
                        today=timezone.localdate().replace(month=1, day=1))
    context, page = _page(browser, live_server, town, DESK)
    try:
        page.goto(live_server.url + "/households/rules/")
        with page.expect_navigation():
            page.get_by_label("行政村").select_option(label="甲村")
        page.wait_for_load_state("networkidle")
        assert page.get_by_label("第 1 项 项目名称").input_value() == "宅前屋后乱堆乱放"  # clutter first
        assert page.errors == []
    finally:
        context.close()


def test_village_cadre_links_a_problem_to_the_household_at_its_gate(browser, live_server):
    make_geography()
    cadre = make_user("village", V1, "jiacun-link")
    inspector = make_user("inspector", "310112", "xuncha")
    year = timezone.localdate()
    services.save_rules(cadre, village=V1, year=year.year, board_n=2, items=ITEMS, today=year.replace(month=1, day=1))
    make_household("JC-5-001", head="郑一", group="一组", address="一组1号")
    make_household("JC-5-002", head="郑二", group="二组", address="二组2号")
    issue = make_issue(inspector, village=V1)
    context, page = _page(browser, live_server, cadre, PHONE)
    try:
        page.goto(live_server.url + f"/issues/{issue.pk}/")
        panel = page.get_by_test_id("household-link")
        panel.get_by_role("button", name="关联农户").click()  # no household chosen
        page.wait_for_load_state("networkidle")
        panel = page.get_by_test_id("household-link")
        assert "请选择农户" in panel.get_by_test_id("field-error").inner_text()
        assert not IssueLink.objects.exists()
        panel.get_by_label("农户").select_option(label="郑二 · 二组2号（JC-5-002）")
        panel.get_by_label("扣分项目").select_option(label="宅前屋后乱堆乱放（-4 分）")
        panel.get_by_role("button", name="关联农户").click()
        page.wait_for_load_state("networkidle")
        assert f"已关联农户：JC-5-002 郑二（问题 #{issue.pk}）" in page.get_by_test_id("messages").inner_text()
        link = IssueLink.objects.get()
        assert (link.household.code, link.item_key, link.linked_by_id) == ("JC-5-002", "clutter", cadre.pk)
        assert "JC-5-002 郑二" in page.get_by_test_id("linked-household").inner_text()
        assert page.get_by_test_id("household-link").get_by_role("button", name="关联农户").count() == 0
        assert [e for e in page.errors if " 400 " not in f" {e} "] == []
    finally:
        context.close()
