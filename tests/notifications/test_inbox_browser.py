"""The inbox in a real browser: paging, the filter by kind, 标记已读 per message (the navbar badge drops at once,
without a reload), 全部标为已读 (of the kind shown), and the settings page with its field error in Chinese."""
import os
from urllib.parse import urlparse

import pytest

from notifications.models import Kind, Notification, Preference
from tests.factories import TOWN_A, make_user
from tests.playwright_helpers import sign_in, wait_for_js, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _inbox(user, overdue=5, assigned=20):
    for i in range(overdue):
        Notification.objects.create(user=user, kind=Kind.OVERDUE, text=f"问题 #{100 + i} 已超期", key=f"o{i}")
    for i in range(assigned):
        Notification.objects.create(user=user, kind=Kind.ASSIGNED, text=f"问题 #{200 + i} 已交办", key=f"a{i}")


def badge(page):
    return page.get_by_test_id("unread-badge")


def test_inbox_paging_read_one_read_all(browser, live_server, geography):
    user = make_user("town", TOWN_A)
    other = make_user("town", TOWN_A)
    _inbox(user)
    Notification.objects.create(user=other, kind=Kind.OVERDUE, text="别人的消息", key="x")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, user)
    assert badge(page).inner_text() == "25"
    page.get_by_test_id("inbox").click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == "/notifications/"
    rows = page.get_by_test_id("inbox-list").locator("li")
    assert rows.count() == 20 and "共 25 条" in page.inner_text("nav[aria-label=分页]")
    assert "别人的消息" not in page.content()

    # 标记已读 on one message: the row and the badge change in place (htmx), the database says read
    newest = Notification.objects.filter(user=user).order_by("-created", "-id").first()
    row = page.get_by_test_id(f"notice-{newest.pk}")
    row.get_by_role("button", name="标记已读").click()
    wait_for_js(page, "document.getElementById('unread-badge').textContent.trim() === '24'")
    assert page.get_by_test_id(f"notice-{newest.pk}").get_by_role("button", name="标记已读").count() == 0
    assert "已读" in page.get_by_test_id(f"notice-{newest.pk}").inner_text()
    newest.refresh_from_db()
    assert newest.read_at is not None

    with page.expect_navigation():
        page.get_by_role("link", name="下一页").click()
    assert rows.count() == 5

    # the filter by kind, and 全部标为已读 of that kind only
    with page.expect_navigation():
        page.get_by_label("类型").select_option(label="已超期")
    assert rows.count() == 5 and all("已超期" in t for t in rows.all_inner_texts())
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state("networkidle")
    assert "已将 5 条消息标为已读" in page.get_by_test_id("messages").inner_text()
    assert Notification.objects.filter(user=user, kind=Kind.OVERDUE, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=user, kind=Kind.ASSIGNED, read_at__isnull=True).count() == 19
    assert badge(page).inner_text() == "19"
    assert urlparse(page.url).query == "kind=overdue"  # back on the filtered inbox

    with page.expect_navigation():
        page.get_by_label("类型").select_option(label="全部")
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state("networkidle")
    assert "已将 19 条消息标为已读" in page.get_by_test_id("messages").inner_text()
    assert not badge(page).is_visible()
    assert page.get_by_role("button", name="全部标为已读").count() == 0
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 0
    assert Notification.objects.get(user=other).read_at is None  # nobody else's inbox is touched
    assert page.errors == []
    context.close()


def test_settings_field_error_then_saved(browser, live_server, geography):
    user = make_user("leader", TOWN_A)  # a leader changes nothing but their own inbox and settings
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, user)
    page.goto(live_server.url + "/notifications/settings/")
    assert page.get_by_label("站内消息（始终开启）").is_checked()
    assert page.get_by_label("邮件提醒（本系统未配置邮件服务器）").is_disabled()
    page.get_by_label("手机号").fill("138-abc")
    page.get_by_label("免打扰开始").fill("22:00")
    page.get_by_role("button", name="保存设置").click()
    page.wait_for_load_state("networkidle")
    assert "手机号应为数字" in page.locator("#phone-error").inner_text()  # next to the field
    assert "未保存" in page.get_by_test_id("messages").inner_text()
    assert not Preference.objects.filter(user=user, phone="138-abc").exists()
    assert page.get_by_label("免打扰开始").input_value() == "22:00"  # what was typed is kept
    page.get_by_label("手机号").fill("13800001234")
    page.get_by_label("免打扰结束").fill("07:00")
    page.get_by_role("button", name="保存设置").click()
    page.wait_for_load_state("networkidle")
    assert "提醒设置已保存" in page.get_by_test_id("messages").inner_text()
    pref = Preference.objects.get(user=user)
    assert (pref.phone, f"{pref.quiet_start:%H:%M}", f"{pref.quiet_end:%H:%M}") == ("13800001234", "22:00", "07:00")
    # the refused form answered 400 (and Chromium logs that status); nothing else went wrong
    assert [e for e in page.errors if "400" not in e] == []
    assert any(e.startswith("400 ") and e.endswith("/notifications/settings/") for e in page.errors)
    context.close()
