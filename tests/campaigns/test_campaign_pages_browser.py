"""Campaign pages in a real browser: district staff create a campaign on /campaigns/new/ (name, areas, dates,
phases, quotas) and town staff change one on /campaigns/<id>/edit/; bad input is refused next to the field in
Chinese with nothing saved; the campaign page's weekly progress reads on a phone; town staff 验收 villages in the
acceptance phase; a form sent twice acts once; the leader sees no write button."""
import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns import services
from campaigns.models import Acceptance, Campaign, QuotaChange
from tests.factories import DISTRICT, TOWN_A, V1, V2, make_user, tiny_jpeg
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HOUSES = {"name": "危房", "categories": ["dilapidated_house"], "per_village_per_week": 3}
WALLS = {"name": "残垣断壁/破旧广告", "categories": ["ruined_wall", "ad_clutter"], "per_village_per_week": 5}


def day(n):
    return timezone.localdate() + timedelta(days=n)


def iso(n):
    return f"{day(n):%Y-%m-%d}"


def _page(browser, live_server, user, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, user)
    return context, page


def _submit(page, name):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("networkidle")


def _field_error(page, label):
    """The error shown next to the field labelled `label` (inside the same field wrapper)."""
    return page.get_by_label(label, exact=True).locator("xpath=..").get_by_test_id("field-error").inner_text()


def test_district_creates_a_campaign_with_phases_and_quotas(browser, live_server, geography):
    district = make_user("district", DISTRICT)
    context, page = _page(browser, live_server, district)
    page.goto(live_server.url + "/campaigns/")
    assert "POST /api/" not in page.content()
    page.get_by_role("link", name="新建专项行动").last.click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("名称", exact=True).fill("冬季战役")
    page.get_by_label("甲镇").check()
    page.get_by_label("乙镇").check()
    page.get_by_label("开始日期").fill(iso(10))
    page.get_by_label("结束日期").fill(iso(70))
    for label, (a, b) in {"宣传动员": (10, 17), "集中攻坚": (17, 65), "考核验收": (65, 70)}.items():
        page.get_by_label(f"{label} 开始").fill(iso(a))
        page.get_by_label(f"{label} 结束").fill(iso(b))
    page.get_by_label("指标1 名称").fill(WALLS["name"])
    page.get_by_label("指标1 问题类别").select_option(label=["残垣断壁", "破旧广告/乱贴乱画"])
    page.get_by_label("指标1 每村每周至少").fill("5")
    page.get_by_label("指标2 名称").fill("危房")
    page.get_by_label("指标2 问题类别").select_option(label=["危房/土坯房"])
    page.get_by_label("指标2 每村每周至少").fill("3")
    _submit(page, "创建")

    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.areas, campaign.start, campaign.end) == (
        "冬季战役", [TOWN_A, "310112103"], day(10), day(70))
    assert [(p.kind, p.name, p.start, p.end) for p in campaign.phases.all()] == [
        ("mobilise", "宣传动员", day(10), day(17)), ("work", "集中攻坚", day(17), day(65)),
        ("acceptance", "考核验收", day(65), day(70))]
    assert [(q.name, q.categories, q.per_village_per_week) for q in campaign.quotas.all()] == [
        (WALLS["name"], ["ruined_wall", "ad_clutter"], 5), ("危房", ["dilapidated_house"], 3)]
    assert "已创建专项行动“冬季战役”" in page.get_by_test_id("messages").inner_text()
    assert page.url.endswith(f"/campaigns/{campaign.pk}/")
    assert page.errors == []
    context.close()


def test_bad_campaign_input_is_refused_next_to_the_field(browser, live_server, geography):
    district = make_user("district", DISTRICT)
    context, page = _page(browser, live_server, district)
    page.goto(live_server.url + "/campaigns/new/")
    _submit(page, "创建")  # nothing filled in
    assert "请填写此项" in _field_error(page, "名称")
    areas = page.get_by_role("group", name="范围").locator("xpath=..")
    assert "请至少选择一项" in areas.get_by_test_id("field-error").inner_text()
    page.get_by_label("名称", exact=True).fill("百日攻坚")
    page.get_by_label("甲镇").check()
    page.get_by_label("开始日期").fill(iso(10))
    page.get_by_label("结束日期").fill(iso(5))
    _submit(page, "创建")
    assert "结束日期早于开始日期" in _field_error(page, "结束日期")
    assert page.get_by_label("名称", exact=True).input_value() == "百日攻坚"  # what was typed stays
    page.get_by_label("结束日期").fill(iso(40))
    page.get_by_label("集中攻坚 开始").fill(iso(5))  # before the campaign's start
    page.get_by_label("集中攻坚 结束").fill(iso(30))
    _submit(page, "创建")
    assert "超出专项行动期间" in _field_error(page, "集中攻坚 开始")  # next to the phase it is about
    page.get_by_label("集中攻坚 开始").fill(iso(12))
    page.get_by_label("指标1 名称").fill("危房")
    page.get_by_label("指标1 每村每周至少").fill("3")  # no category chosen
    _submit(page, "创建")
    assert "没有问题类别" in _field_error(page, "指标1 问题类别")
    assert "未保存" in page.get_by_test_id("messages").inner_text()
    assert Campaign.objects.count() == 0
    assert [e for e in page.errors if "400" not in e] == []  # the refused forms answered 400
    context.close()


def test_town_changes_a_started_campaigns_name_and_quotas(browser, live_server, geography):
    town = make_user("town", TOWN_A)
    campaign = services.create_campaign(town, {
        "name": "百日攻坚", "areas": [TOWN_A], "start": iso(-10), "end": iso(60), "quotas": [HOUSES],
        "phases": [{"name": "集中攻坚", "kind": "work", "start": iso(-10), "end": iso(60)}]})
    context, page = _page(browser, live_server, town)
    page.goto(live_server.url + f"/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="修改").click()
    page.wait_for_load_state("networkidle")
    assert "只能修改名称和每周指标" in page.get_by_test_id("started-note").inner_text()
    assert page.get_by_label("开始日期").is_disabled()
    page.get_by_label("名称", exact=True).fill("百日攻坚（加码）")
    page.get_by_label("指标1 每村每周至少").fill("0")
    _submit(page, "保存")
    assert "不能小于 1" in _field_error(page, "指标1 每村每周至少")  # Django's own check, in Chinese
    campaign.refresh_from_db()
    assert campaign.name == "百日攻坚" and QuotaChange.objects.count() == 0
    page.get_by_label("指标1 每村每周至少").fill("4")
    _submit(page, "保存")
    assert "已保存专项行动“百日攻坚（加码）”" in page.get_by_test_id("messages").inner_text()
    campaign.refresh_from_db()
    assert campaign.name == "百日攻坚（加码）" and campaign.start == day(-10)
    change = QuotaChange.objects.get()
    assert change.effective_from > timezone.localdate()  # from next Monday: past weeks keep their target
    assert [q["per_village_per_week"] for q in change.after] == [4]
    context.close()


def _accepting(town):
    return services.create_campaign(town, {
        "name": "验收中的专项行动", "areas": [TOWN_A], "start": iso(-20), "end": iso(2), "quotas": [WALLS, HOUSES],
        "phases": [{"name": "集中攻坚", "kind": "work", "start": iso(-20), "end": iso(-1)},
                   {"name": "考核验收", "kind": "acceptance", "start": iso(-1), "end": iso(2)}]})


def test_town_accepts_villages_on_a_phone(browser, live_server, geography):
    town = make_user("town", TOWN_A)
    campaign = _accepting(town)
    context, page = _page(browser, live_server, town, 390, 844)
    page.goto(live_server.url + f"/campaigns/{campaign.pk}/")
    page.wait_for_load_state("networkidle")
    table = page.get_by_test_id("progress-table")
    assert table.locator("tbody tr").count() == 2
    # Readable on a phone: every cell at least a few characters wide, no sideways scroll, no 16-px bar.
    widths = table.locator("tbody td").evaluate_all("cells => cells.map(c => c.getBoundingClientRect().width)")
    assert widths and min(widths) > 200, widths
    assert table.evaluate("t => t.getBoundingClientRect().height") > 100
    assert page.locator("table.progress").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # The card names its quota: 3 a week prorated by the week's days in the work phase (days -20 to -1), so what it
    # reads depends on the weekday the test runs; a week without work days sets no target: "0（不设指标）".
    monday = services.default_week(campaign)
    work_days = sum(1 for k in range(7) if day(-20) <= monday + timedelta(days=k) <= day(-1))
    expected = f"0/{round(3 * work_days / 7, 2):g}" if work_days else "0（不设指标）"
    assert table.locator('td[data-label="危房"]').first.inner_text() == expected
    assert page.evaluate("getComputedStyle(document.querySelector('td[data-label=\"危房\"]'), '::before').content")\
        == '"危房："'

    page.evaluate("window.stillHere = true")  # 验收 updates the tables through htmx: the page does not reload
    row = page.get_by_test_id(f"accept-{V1}")
    row.get_by_label("不通过").check()
    row.get_by_role("button", name="验收").click()
    row = page.get_by_test_id(f"accept-{V1}")
    expect(row.get_by_test_id("field-error")).to_contain_text("不通过须写明原因", timeout=40_000)
    assert "不通过须写明原因" in row.get_by_label("说明").locator("xpath=..").get_by_test_id("field-error").inner_text()
    expect(page.get_by_test_id("messages")).to_contain_text("验收未记录", timeout=40_000)
    assert Acceptance.objects.count() == 0
    row.get_by_label("不通过").check()
    row.get_by_label("说明").fill("柴草堆未清")
    row.get_by_role("button", name="验收").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已验收 甲村：不通过", timeout=40_000)
    page.get_by_test_id(f"accept-{V2}").get_by_label("通过", exact=True).check()
    page.get_by_test_id(f"accept-{V2}").get_by_role("button", name="验收").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已验收 乙村：通过", timeout=40_000)
    assert page.evaluate("window.stillHere === true")
    got = {a.village_id: (a.result, a.note, a.recorded_by_id) for a in Acceptance.objects.all()}
    assert got == {V1: ("fail", "柴草堆未清", town.pk), V2: ("pass", "", town.pk)}
    assert "柴草堆未清" in page.get_by_test_id(f"acceptance-{V1}").inner_text()
    assert [e for e in page.errors if "400" not in e] == []
    context.close()


def test_leader_sees_campaigns_without_a_write_button(browser, live_server, geography):
    town = make_user("town", TOWN_A)
    campaign = _accepting(town)
    leader = make_user("leader", DISTRICT)
    context, page = _page(browser, live_server, leader)
    page.goto(live_server.url + "/campaigns/")
    assert "验收中的专项行动" in page.get_by_test_id("campaigns").inner_text()
    assert page.get_by_role("link", name="新建专项行动").count() == 0
    page.goto(live_server.url + f"/campaigns/{campaign.pk}/")
    assert page.get_by_test_id("progress-table").count() == 1
    assert page.locator("main form[method=post], main button[type=submit]").count() == 0
    assert page.get_by_role("link", name="修改").count() == 0
    assert page.errors == []
    assert page.goto(live_server.url + "/campaigns/new/").status == 403
    assert page.goto(live_server.url + f"/campaigns/{campaign.pk}/edit/").status == 403
    context.close()


def _token(html, after=""):
    return re.search(r'name="form_token" value="([^"]+)"', html[html.index(after):]).group(1)


def test_the_same_campaign_form_sent_twice_creates_one(client, geography):
    district = make_user("district", DISTRICT)
    client.force_login(district)
    token = _token(client.get("/campaigns/new/").content.decode())
    body = {"name": "冬季战役", "areas": [TOWN_A], "start": iso(10), "end": iso(40), "form_token": token,
            "quota1_name": "危房", "quota1_categories": ["dilapidated_house"], "quota1_per_week": "3"}
    first = client.post("/campaigns/new/", body, follow=True)
    assert "已创建专项行动“冬季战役”" in first.content.decode()
    again = client.post("/campaigns/new/", body, follow=True)
    assert again.status_code == 200 and "已经提交过" in again.content.decode()
    assert Campaign.objects.count() == 1
    # A leader's POST is refused outright.
    client.force_login(make_user("leader", DISTRICT))
    assert client.post("/campaigns/new/", {**body, "form_token": "x"}).status_code == 403
    assert Campaign.objects.count() == 1


def test_the_same_acceptance_sent_twice_records_once(client, geography):
    town = make_user("town", TOWN_A)
    campaign = _accepting(town)
    client.force_login(town)
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    token = _token(html, f'data-testid="accept-{V1}"')
    body = {"village": V1, "result": "pass", "note": "整洁", "form_token": token}
    # A photo makes every submission a new record for the service: only the token stops the second.
    first = client.post(f"/campaigns/{campaign.pk}/", {**body, "photos": tiny_jpeg()}, follow=True)
    assert "已验收 甲村：通过" in first.content.decode()
    again = client.post(f"/campaigns/{campaign.pk}/", {**body, "photos": tiny_jpeg()}, follow=True)
    assert "已经提交过" in again.content.decode()
    assert Acceptance.objects.count() == 1 and Acceptance.objects.get().photos.count() == 1
    client.force_login(make_user("leader", DISTRICT))
    assert client.post(f"/campaigns/{campaign.pk}/", {**body, "form_token": "y"}).status_code == 403
