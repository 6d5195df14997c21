"""The order list (/orders/) in a real browser: district staff 签发 a draft (a past 整改期限 is refused next to the
field), 退回 an answered order (the reason is required, next to 意见) and 办结 another; leaders get no button."""
import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from patrol.models import Issue
from patrol.services import escalate_overdue, transition_issue
from supervision import services
from supervision.models import Order
from tests.factories import DISTRICT, TOWN_A, V1, make_issue, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _assigned(inspector, district):
    issue = make_issue(inspector, village=V1)
    transition_issue(district, issue.pk, "assign")
    return issue


def _answered(district, town, inspector):
    deadline = timezone.localdate() + timedelta(days=10)
    order, _ = services.issue_order(district, problems=[_assigned(inspector, district).pk], addressee_code=TOWN_A,
                                    deadline=deadline)
    return services.answer_order(town, order.pk, report="已清理")


def test_district_issues_a_draft_returns_and_closes(browser, live_server, geography):
    inspector, district = make_user("inspector", DISTRICT), make_user("district", DISTRICT)
    town = make_user("town", TOWN_A)
    overdue = _assigned(inspector, district)
    Issue.objects.filter(pk=overdue.pk).update(deadline=timezone.localdate() - timedelta(days=20))
    escalate_overdue()
    draft = Order.objects.get(state="draft")
    to_return, to_close = _answered(district, town, inspector), _answered(district, town, inspector)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, district)
    page.goto(live_server.url + "/orders/")

    row = page.get_by_test_id(f"order-{draft.pk}")
    row.get_by_label("整改期限").fill(f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}")
    row.get_by_role("button", name="签发").click()
    page.wait_for_load_state("networkidle")
    assert "整改期限不能早于今天" in page.get_by_test_id(f"order-{draft.pk}").get_by_test_id("field-error").inner_text()
    draft.refresh_from_db()
    assert draft.state == "draft"
    deadline = timezone.localdate() + timedelta(days=7)
    row = page.get_by_test_id(f"order-{draft.pk}")
    row.get_by_label("整改期限").fill(f"{deadline:%Y-%m-%d}")
    row.get_by_role("button", name="签发").click()
    page.wait_for_load_state("networkidle")
    draft.refresh_from_db()
    assert (draft.state, draft.deadline) == ("issued", deadline)
    assert re.fullmatch(r"督办〔\d{4}〕\d+号", draft.number)
    assert f"已签发 {draft.number}" in page.get_by_test_id("messages").inner_text()

    row = page.get_by_test_id(f"order-{to_return.pk}")
    row.get_by_role("button", name="退回").click()  # without a reason
    page.wait_for_load_state("networkidle")
    assert "退回须说明理由" in page.get_by_test_id(f"order-{to_return.pk}").get_by_test_id("field-error").inner_text()
    row = page.get_by_test_id(f"order-{to_return.pk}")
    row.get_by_label("意见").fill("照片不清晰")
    row.get_by_role("button", name="退回").click()
    page.wait_for_load_state("networkidle")
    to_return.refresh_from_db()
    assert to_return.state == "returned"
    assert f"已退回 {to_return.number}" in page.get_by_test_id("messages").inner_text()

    page.get_by_test_id(f"order-{to_close.pk}").get_by_role("button", name="办结").click()
    page.wait_for_load_state("networkidle")
    to_close.refresh_from_db()
    assert to_close.state == "closed"
    assert f"已办结 {to_close.number}" in page.get_by_test_id("messages").inner_text()
    assert [e for e in page.errors if "400" not in e] == []  # the refused forms answered 400
    context.close()


def test_leader_sees_orders_without_a_button(browser, live_server, geography):
    inspector, district = make_user("inspector", DISTRICT), make_user("district", DISTRICT)
    order = _answered(district, make_user("town", TOWN_A), inspector)
    leader = make_user("leader", DISTRICT)
    context = browser.new_context()
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, leader)
    page.goto(live_server.url + "/orders/")
    assert order.number in page.get_by_test_id(f"order-{order.pk}").inner_text()
    assert page.locator("main form[method=post], main button[type=submit][name=action]").count() == 0
    assert page.errors == []
    context.close()


def test_same_form_token_twice_closes_once(client, geography):
    inspector, district = make_user("inspector", DISTRICT), make_user("district", DISTRICT)
    order = _answered(district, make_user("town", TOWN_A), inspector)
    client.force_login(district)
    html = client.get("/orders/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html[html.index(f'data-testid="order-{order.pk}"'):])
    body = {"order": order.pk, "action": "close", "form_token": token.group(1)}
    assert "已办结" in client.post("/orders/", body, follow=True).content.decode()
    again = client.post("/orders/", body, follow=True)
    assert again.status_code == 200 and "已经提交过" in again.content.decode()
    assert order.events.filter(action="close").count() == 1


def test_town_answers_on_a_phone_with_photo_and_similar(browser, live_server, geography, tmp_path):
    import io

    from PIL import Image

    inspector, district = make_user("inspector", DISTRICT), make_user("district", DISTRICT)
    town = make_user("town", TOWN_A)
    order, _ = services.issue_order(district, problems=[_assigned(inspector, district).pk], addressee_code=TOWN_A,
                                    deadline=timezone.localdate() + timedelta(days=10), reflect=True)
    similar = make_issue(town, village=V1, source="town_self_check")
    photo = tmp_path / "answer.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 200)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/orders/")
    page.get_by_role("link", name=order.number).click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="提交反馈").click()  # no report yet
    page.wait_for_load_state("networkidle")
    assert "请填写整改报告" in page.get_by_test_id("answer-form").get_by_test_id("field-error").inner_text()
    order.refresh_from_db()
    assert order.state == "issued"
    page.get_by_label("整改报告").fill("已全部清理，并排查全镇同类问题")
    page.get_by_label("照片").set_input_files(str(photo))
    page.get_by_label(f"#{similar.pk} ").check()
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_load_state("networkidle")
    assert f"已提交反馈：{order.number}" in page.get_by_test_id("messages").inner_text()
    order.refresh_from_db()
    answer = order.answers.get()
    assert order.state == "answered" and answer.report == "已全部清理，并排查全镇同类问题"
    assert list(answer.similar.values_list("pk", flat=True)) == [similar.pk] and answer.photos.count() == 1
    assert page.get_by_test_id("answer-form").count() == 0  # answered: nothing more to send
    assert page.get_by_test_id("answer").locator("img").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    assert [e for e in page.errors if "400" not in e] == []
    context.close()
