"""Issue 26: the demo as a person meets it. Every demo account signs in through the login form and opens every link
of its navigation in Chromium: each page answers 200, raises no console error, and shows no empty-state text
("0/0", "没有…", "不存在") unless that role truly has nothing there (EXPECTED_EMPTY says which, and why)."""
import os
import re
from urllib.parse import urlparse

import pytest

from demo.management.commands import demo_setup
from tests.demo.test_demo_year import demo  # noqa: F401  (the fixture: one demo load, as `make run` does it)
from tests.playwright_helpers import sign_in, sign_out, watch_errors

pytestmark = [pytest.mark.browser]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# An empty state: a line that opens with 没有/暂无/还没有 (the pages' empty lists and inboxes), a "0/0", a 不存在.
# Words inside a sentence ("当月没有评分记录的村不评分", a villager's "垃圾没有及时清运") are not empty states.
EMPTY = re.compile(r"^\s*(没有|暂无|还没有)|(?<![\d.])0/0(?![\d.])|不存在")

# Accounts whose inbox is empty by design, not by a gap in the demo: the system administrator receives no
# business notifications (a service company's staff hear of each new work order, notifications.receivers).
NO_INBOX = {"admin": "系统管理员不接收业务消息"}
INBOX_EMPTY = {"没有未读消息", "没有消息"}


def nav_links(page):
    return page.eval_on_selector_all(
        "nav.site-nav a[href]", "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")


def empty_states(page):
    """The lines of the page's main content that read as an empty state."""
    text = page.evaluate("(document.querySelector('main') || document.body).innerText")  # the phone app has no <main>
    return [line.strip() for line in text.splitlines() if EMPTY.search(line)]


def test_every_demo_account_opens_every_link_of_its_navigation(demo, browser, live_server):  # noqa: F811
    from django.conf import settings

    from accounts.models import User
    from notifications.models import Notification

    problems = []
    for username, *_ in demo_setup.ACCOUNTS:
        user = User.objects.get(username=username)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        page = watch_errors(context.new_page())
        page.set_default_timeout(60_000)
        try:
            sign_in(page, live_server.url, user, settings.DEMO_PASSWORD)
            assert "/accounts/login/" not in page.url, f"{username} could not sign in"
            links = [(label, href) for label, href in nav_links(page)
                     if href != "#" and not urlparse(href).path.startswith("/admin/")]
            assert len(links) >= 3, (username, links)
            for label, href in links:
                response = page.goto(live_server.url + href)
                page.wait_for_load_state("networkidle")
                if response.status != 200:
                    problems.append(f"{username}: {label} {href} answered {response.status}")
                    continue
                path = urlparse(href).path
                found = empty_states(page)
                if username in NO_INBOX:
                    found = [line for line in found if line not in INBOX_EMPTY]
                elif Notification.objects.filter(user=user).exists():
                    found = [line for line in found if line != "没有未读消息"]  # an inbox read through, truly
                if found:
                    problems.append(f"{username}: {label} {path} shows {found[:3]}")
            if page.errors:
                problems.append(f"{username}: console errors {page.errors[:3]}")
            sign_out(page)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
