"""The problem page (/issues/<id>/) in a real browser: each role sees only the steps it may take in the problem's
state, each form with only its own fields; bad input comes back next to its field; a form sent twice acts once."""
import io
import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from patrol.models import IssueEvent, Photo
from tests.factories import DISTRICT, TOWN_A, V1, make_issue, make_user
from tests.playwright_helpers import sign_in, sign_out, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def form_titles(page):
    return [t.strip() for t in page.locator("[data-testid=actions] form h3").all_inner_texts()]


def after_photo(tmp_path):
    path = tmp_path / "after.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 60)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_assign_submit_reject_through_the_page(browser, live_server, geography, tmp_path):
    inspector, town, village = make_user("inspector", DISTRICT), make_user("town", TOWN_A), make_user("village", V1)
    issue = make_issue(inspector, village=V1)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    url = f"{live_server.url}/issues/{issue.pk}/"

    # town staff: 交办 only, with 整改期限 and 责任单位; a deadline in the past is refused next to its field
    sign_in(page, live_server.url, town)
    page.goto(url)
    assert form_titles(page)[0] == "交办"
    assign = page.get_by_test_id("form-assign")
    assert assign.get_by_label("整改期限").count() == 1 and assign.get_by_label("责任单位").count() == 1
    assert assign.locator("textarea, input[type=file]").count() == 0  # no field of another step
    assert page.get_by_role("button", name="提交整改").count() == 0
    yesterday = timezone.localdate() - timedelta(days=1)
    assign.get_by_label("整改期限").fill(f"{yesterday:%Y-%m-%d}")
    assign.get_by_role("button", name="交办").click()
    page.wait_for_load_state("networkidle")
    error = page.get_by_test_id("form-assign").get_by_test_id("field-error")
    assert "整改期限不能早于今天" in error.inner_text()
    assert page.get_by_test_id("form-assign").get_by_label("整改期限").get_attribute("class").count("is-invalid") == 1
    issue.refresh_from_db()
    assert issue.status == "reported"
    deadline = timezone.localdate() + timedelta(days=10)
    assign = page.get_by_test_id("form-assign")
    assign.get_by_label("整改期限").fill(f"{deadline:%Y-%m-%d}")
    assign.get_by_label("责任单位").fill("甲村村委")
    assign.get_by_role("button", name="交办").click()
    page.wait_for_load_state("networkidle")
    assert f"已交办：问题 #{issue.pk}" in page.get_by_test_id("messages").inner_text()
    issue.refresh_from_db()
    assert (issue.status, issue.deadline, issue.assignee) == ("assigned", deadline, "甲村村委")
    sign_out(page)

    # village staff: 提交整改 first, with 整改说明 and 整改后照片; without a photo the error is next to the photo
    sign_in(page, live_server.url, village)
    page.goto(url)
    assert form_titles(page)[0] == "提交整改"
    submit = page.get_by_test_id("form-submit")
    submit.get_by_label("整改说明").fill("已清理")
    submit.get_by_role("button", name="提交整改").click()
    page.wait_for_load_state("networkidle")
    assert "整改后照片" in page.get_by_test_id("form-submit").get_by_test_id("field-error").inner_text()
    assert page.get_by_test_id("form-submit").get_by_label("整改说明").input_value() == "已清理"  # kept
    submit = page.get_by_test_id("form-submit")
    submit.get_by_label("整改后照片").set_input_files(str(after_photo(tmp_path)))
    submit.get_by_role("button", name="提交整改").click()
    page.wait_for_load_state("networkidle")
    assert f"已提交整改：问题 #{issue.pk}" in page.get_by_test_id("messages").inner_text()
    issue.refresh_from_db()
    assert issue.status == "submitted"
    assert Photo.objects.filter(issue=issue, kind="after", submitted_with__isnull=False).count() == 1
    assert form_titles(page) == []  # nothing more for the village until the town has reviewed
    sign_out(page)

    # town staff: 复核 with 意见 and the two buttons 通过 / 退回
    sign_in(page, live_server.url, town)
    page.goto(url)
    review = page.get_by_test_id("form-review")
    assert form_titles(page)[0] == "复核"
    assert review.get_by_role("button", name="通过").count() == 1
    review.get_by_label("意见").fill("照片看不清垃圾是否清走")
    review.get_by_role("button", name="退回").click()
    page.wait_for_load_state("networkidle")
    assert f"已复核不通过：问题 #{issue.pk}" in page.get_by_test_id("messages").inner_text()
    issue.refresh_from_db()
    assert issue.status == "assigned"
    assert IssueEvent.objects.filter(issue=issue, action="reject", note="照片看不清垃圾是否清走").count() == 1
    assert [e for e in page.errors if "400" not in e] == []  # the refused forms answered 400
    context.close()


def test_district_sees_its_own_steps_first_and_a_leader_none(browser, live_server, geography):
    town, district, leader = make_user("town", TOWN_A), make_user("district", DISTRICT), make_user("leader", DISTRICT)
    issue = make_issue(town, village=V1)
    from patrol.services import transition_issue

    transition_issue(town, issue.pk, "assign")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, district)
    page.goto(f"{live_server.url}/issues/{issue.pk}/")
    titles = form_titles(page)
    assert titles[0] != "提交整改" and titles[-1] == "提交整改"  # the village's step comes last for the district
    sign_out(page)  # on a phone, through the collapsed navbar
    sign_in(page, live_server.url, leader)
    page.goto(f"{live_server.url}/issues/{issue.pk}/")
    assert page.locator("main button, main form[method=post]").count() == 0  # read-only: no write button at all
    assert page.errors == []
    context.close()


def test_same_form_token_twice_acts_once(client, geography):
    town, inspector = make_user("town", TOWN_A), make_user("inspector", DISTRICT)
    issue = make_issue(inspector, village=V1)
    client.force_login(town)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    form = html[html.index('data-testid="form-assign"'):]
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    body = {"action": "assign", "assignee": "甲村村委", "form_token": token}
    first = client.post(f"/issues/{issue.pk}/", body, follow=True)
    again = client.post(f"/issues/{issue.pk}/", body, follow=True)
    assert "已交办" in first.content.decode()
    assert "已经提交过" in again.content.decode() and again.status_code == 200
    assert IssueEvent.objects.filter(issue=issue, action="assign").count() == 1
