"""/assessment/ in a real browser (issue 24): the parameters in force each with its Chinese label and its source (the
plan's sentence or "本系统默认"), 记录约谈 on each 待约谈 village and 加减分, through the same services as the API
(assessment.services.record_interview, add_adjustment): a refused value is said next to its field and nothing is
stored; a form sent twice acts once; the leader gets no write button."""
import os
import re

import pytest
from django.core.management import call_command

from assessment import services
from assessment.models import Adjustment, Interview
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_A, V1, V2, V3, V4, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PAGE = "/assessment/?month=2026-10"


@pytest.fixture
def flagged(geography):
    """Plan 001's scheme cut at the town's last village: 甲村 (town A) and 丁村 (town B) are 待约谈 in 2026-10."""
    d = make_user("district", DISTRICT)
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang", "--set", "bottom_n=1")
    for code, total in ((V1, 60), (V2, 90), (V3, 85), (V4, 70)):
        services.submit_scorecard(d, code, "2026-10", items_for(total))
    return d


def _page(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, user)
    page.goto(live_server.url + PAGE)
    return context, page


@pytest.mark.browser
def test_district_reads_parameters_records_an_interview_and_an_adjustment(browser, live_server, flagged):
    context, page = _page(browser, live_server, flagged)

    params = page.get_by_test_id("parameters-dazhangzhuang")
    bottom = params.locator("tr[data-key=bottom_n]").inner_text()
    assert "约谈划线（后 N 名）" in bottom and "1" in bottom and "工作方案 001" in bottom and "后十名" in bottom
    assert "本系统默认" in params.locator("tr[data-key=min_months_share]").inner_text()
    photo = params.locator("tr[data-key=photo_flag_points] td").all_inner_texts()
    assert "整改照片被标记且因此退回" in photo[0] and photo[1:] == ["0", "本系统默认"]

    row = page.get_by_test_id(f"interview-{V1}")
    assert "待约谈" in row.inner_text()
    row.get_by_label("约谈日期").fill("2099-01-01")
    row.get_by_label("约谈人").fill("王副镇长")
    row.get_by_role("button", name="记录约谈").click()
    page.wait_for_load_state("networkidle")
    row = page.get_by_test_id(f"interview-{V1}")
    assert "约谈日期不能晚于今天" in row.get_by_test_id("field-error").inner_text()
    assert row.get_by_label("约谈人").input_value() == "王副镇长"  # what was typed stays
    assert not Interview.objects.exists()

    row.get_by_label("约谈日期").fill("2026-11-03")
    row.get_by_label("记录", exact=True).fill("已约谈村支部书记，限期整改")
    row.get_by_role("button", name="记录约谈").click()
    page.wait_for_load_state("networkidle")
    assert "已记录约谈：甲村（2026-10）2026-11-03 王副镇长" in page.get_by_test_id("messages").inner_text()
    i = Interview.objects.get()
    assert (i.village_id, f"{i.month:%Y-%m}", f"{i.held_on}", i.held_by, i.note, i.recorded_by_id) == (
        V1, "2026-10", "2026-11-03", "王副镇长", "已约谈村支部书记，限期整改", flagged.pk)
    row = page.get_by_test_id(f"interview-{V1}")
    assert "已约谈" in row.inner_text() and row.get_by_role("button", name="记录约谈").count() == 0
    assert page.get_by_test_id(f"interview-{V4}").get_by_role("button", name="记录约谈").count() == 1

    form = page.get_by_test_id("adjustment-form")
    form.get_by_label("行政村").select_option(V4)
    form.get_by_label("年度").fill("2026")
    form.get_by_label("分值").fill("0")
    form.get_by_label("理由").fill("承担县现场观摩点")
    page.get_by_role("button", name="加减分").click()
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("adjustment-form")
    assert "分值应在 −100 到 100 之间且不为 0" in form.get_by_test_id("field-error").inner_text()
    assert form.get_by_label("分值").evaluate("e => e.classList.contains('is-invalid')")
    assert not Adjustment.objects.exists()

    form.get_by_label("分值").fill("2")
    page.get_by_role("button", name="加减分").click()
    page.wait_for_load_state("networkidle")
    assert "已加减分：丁村 2026 年 +2 分（承担县现场观摩点）" in page.get_by_test_id("messages").inner_text()
    a = Adjustment.objects.get()
    assert (a.village_id, a.year, float(a.points), a.reason, a.kind) == (V4, 2026, 2.0, "承担县现场观摩点", "manual")
    assert "承担县现场观摩点" in page.get_by_test_id("adjustment-list").inner_text()
    assert [e for e in page.errors if " 400 " not in f" {e} "] == []  # the refused forms answered 400
    context.close()


@pytest.mark.browser
def test_leader_reads_the_page_without_a_write_button(browser, live_server, flagged):
    context, page = _page(browser, live_server, make_user("leader", DISTRICT))
    assert "待约谈" in page.get_by_test_id(f"interview-{V1}").inner_text()
    assert page.get_by_test_id("parameters-dazhangzhuang").count() == 1
    assert page.locator("main form[method=post]").count() == 0
    assert page.get_by_role("button", name="记录约谈").count() == 0
    assert page.get_by_role("button", name="加减分").count() == 0
    assert page.errors == []
    context.close()


def _token(html, after=""):
    return re.search(r'name="form_token" value="([^"]+)"', html[html.index(after):]).group(1)


def test_same_form_token_twice_stores_one_adjustment(client, flagged):
    client.force_login(flagged)
    html = client.get(PAGE).content.decode()
    body = {"action": "adjustment", "village": V4, "year": "2026", "points": "-1.5", "reason": "台账不全",
            "form_token": _token(html, 'data-testid="adjustment-form"')}
    assert "已加减分：丁村 2026 年 -1.5 分" in client.post(PAGE, body, follow=True).content.decode()
    again = client.post(PAGE, body, follow=True)
    assert again.status_code == 200 and "已经提交过" in again.content.decode()
    assert Adjustment.objects.count() == 1


def test_bad_values_are_named_in_chinese_and_nothing_is_stored(client, flagged):
    client.force_login(flagged)
    base = {"action": "adjustment", "village": V4, "year": "2026", "points": "1", "reason": "观摩点"}
    for change, word in [({"points": "abc"}, "输入一个数字"), ({"points": "NaN"}, "输入一个数字"),
                         ({"points": "101"}, "分值应在 −100 到 100 之间且不为 0"), ({"reason": " "}, "必填项"),
                         ({"year": "1999"}, "年度无效"), ({"village": "310112999999"}, "选择一个有效的选项"),
                         ({"points": "1.234"}, "小数")]:
        r = client.post(PAGE, {**base, **change})
        assert r.status_code == 400, change
        html = r.content.decode()
        errors = re.findall(r'data-testid="field-error">([^<]+)<', html)
        assert errors and word in errors[0], (change, errors)
    iv = {"action": "interview", "village": V2, "month": "2026-10", "held_on": "2026-11-01", "held_by": "张三"}
    r = client.post(PAGE, iv)  # 乙村 is not flagged: the service refuses, said above the rows
    assert r.status_code == 400 and "没有需要约谈的标记" in r.content.decode()
    r = client.post(PAGE, {**iv, "village": V1, "held_on": "2026-13-01"})
    assert r.status_code == 400 and "输入一个有效的日期" in r.content.decode()
    assert not Adjustment.objects.exists() and not Interview.objects.exists()


def test_town_staff_write_only_in_their_town(client, flagged):
    client.force_login(make_user("town", TOWN_A))
    html = client.get(PAGE).content.decode()
    assert f'data-testid="interview-{V1}"' in html and f'data-testid="interview-{V4}"' not in html
    assert f'value="{V4}"' not in html  # 丁村 is not offered for 加减分
    r = client.post(PAGE, {"action": "adjustment", "village": V4, "year": "2026", "points": "1", "reason": "x"})
    assert r.status_code == 400 and not Adjustment.objects.exists()
    r = client.post(PAGE, {"action": "interview", "village": V4, "month": "2026-10", "held_on": "2026-11-01",
                           "held_by": "张三"})
    assert r.status_code == 400 and not Interview.objects.exists()


def test_an_adjustment_entered_without_a_person_is_listed(client, flagged):
    """Adjustments loaded by a command have no entered_by: the list says — instead of failing the page."""
    Adjustment.objects.create(village_id=V1, year=2026, kind="model", points=5, reason="承担县现场观摩点")
    client.force_login(flagged)
    r = client.get(PAGE)
    assert r.status_code == 200
    listed = r.content.decode().split('data-testid="adjustment-list"')[1].split("</table>")[0]
    assert "承担县现场观摩点" in listed and "<td data-label=\"录入\">—</td>" in listed
