"""/operators/scores/ in a real browser (issue 24): town staff 评分 a service company for the month (乡, 60 %), village
staff for their village (村, 40 %), through facilities.scores.rate as the API does; the page then shows
0.6 × town + 0.4 × village with the plan's sentence behind the weights. A refused score is said next to 得分 and
nothing is stored; the same form sent twice acts once; district staff and the leader get no 评分 button."""
import os
import re

import pytest
from django.utils import timezone

from facilities.models import Rating
from tests.factories import DISTRICT, TOWN_A, V1, make_user
from tests.playwright_helpers import sign_in, sign_out, watch_errors

pytestmark = [pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PAGE = "/operators/scores/"


@pytest.mark.browser
def test_town_and_village_rate_and_the_page_weighs_them(browser, live_server, facilities):
    town, village = make_user("town", TOWN_A), make_user("village", V1)
    month = f"{timezone.localdate():%Y-%m}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + PAGE)
    assert "60%和40%" in page.get_by_test_id("weights").inner_text()

    row = page.get_by_test_id("operator-clean-co")
    row.get_by_label("得分").fill("120")
    row.get_by_role("button", name="评分").click()
    page.wait_for_load_state("networkidle")
    row = page.get_by_test_id("operator-clean-co")
    assert "得分应为 0 到 100 之间的数字" in row.get_by_test_id("field-error").inner_text()
    assert not Rating.objects.exists()

    row.get_by_label("得分").fill("90")
    row.get_by_role("button", name="评分").click()
    page.wait_for_load_state("networkidle")
    assert f"已评分：洁净环卫公司 {month} 街镇评分 90 分" in page.get_by_test_id("messages").inner_text()
    r = Rating.objects.get()
    assert (r.operator_id, f"{r.month:%Y-%m}", r.level, r.area_code, float(r.score), r.rated_by_id) == (
        "clean-co", month, "town", TOWN_A, 90.0, town.pk)
    assert "已评 90 分" in page.get_by_test_id("operator-clean-co").inner_text()
    sign_out(page)

    sign_in(page, live_server.url, village)
    page.goto(live_server.url + PAGE)
    row = page.get_by_test_id("operator-clean-co")
    row.get_by_label("得分").fill("80")
    row.get_by_role("button", name="评分").click()
    page.wait_for_load_state("networkidle")
    assert f"已评分：洁净环卫公司 {month} 行政村评分 80 分" in page.get_by_test_id("messages").inner_text()
    assert Rating.objects.get(level="village").area_code == V1
    cells = page.get_by_test_id("operator-clean-co").locator("td").all_inner_texts()
    assert cells[4:7] == ["90.0", "80.0", "86.0"]  # 0.6 × 90 + 0.4 × 80
    assert [e for e in page.errors if " 400 " not in f" {e} "] == []
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ["district", "leader"])
def test_district_and_leader_read_without_a_button(browser, live_server, facilities, role):
    from facilities.scores import rate

    rate(make_user("town", TOWN_A), "clean-co", None, 88)
    context = browser.new_context()
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, make_user(role, DISTRICT))
    page.goto(live_server.url + PAGE)
    assert "88" in page.get_by_test_id("operator-clean-co").inner_text()
    assert page.locator("main form[method=post]").count() == 0
    assert page.get_by_role("button", name="评分").count() == 0
    assert page.errors == []
    context.close()


def test_same_form_token_twice_rates_once(client, facilities):
    town = make_user("town", TOWN_A)
    client.force_login(town)
    html = client.get(PAGE).content.decode()
    html = html[html.index('data-testid="operator-clean-co"'):]
    body = {"operator": "clean-co", "month": f"{timezone.localdate():%Y-%m}", "score": "75.5",
            "form_token": re.search(r'name="form_token" value="([^"]+)"', html).group(1)}
    assert "已评分：洁净环卫公司" in client.post(PAGE, body, follow=True).content.decode()
    body["score"] = "10"  # the same form sent again (a resent POST) does not act again
    again = client.post(PAGE, body, follow=True)
    assert again.status_code == 200 and "已经提交过" in again.content.decode()
    assert [float(s) for s in Rating.objects.values_list("score", flat=True)] == [75.5]


def test_refused_scores_are_named_in_chinese_and_nothing_is_stored(client, facilities):
    client.force_login(make_user("town", TOWN_A))
    month = f"{timezone.localdate():%Y-%m}"
    for score, word in [("abc", "输入一个数字"), ("NaN", "输入一个数字"), ("-1", "得分应为 0 到 100"),
                        ("1.234", "小数"), ("", "必填项")]:
        r = client.post(PAGE, {"operator": "clean-co", "month": month, "score": score})
        assert r.status_code == 400
        errors = re.findall(r'data-testid="field-error">([^<]+)<', r.content.decode())
        assert errors and word in errors[0], (score, errors)
    r = client.post(PAGE, {"operator": "pump-co", "month": "2099-01", "score": "50"})
    assert r.status_code == 400 and "不能给未来的月份评分" in r.content.decode()
    r = client.post(PAGE, {"operator": "nope-co", "month": month, "score": "50"})
    assert r.status_code == 400 and "该服务公司不存在或未在您的辖区运营设施" in r.content.decode()
    assert not Rating.objects.exists()
