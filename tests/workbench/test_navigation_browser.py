"""Navigation per role in a real browser: every link in a role's navbar answers 200 for that role, without a
console error; the admin link only for those who may use /admin/; a page outside a role answers the Chinese 404
in the base layout with a way back; on a phone the navbar collapses behind its toggler."""
import os
from urllib.parse import urlparse

import pytest

from accounts.models import Role
from tests.factories import DISTRICT, TOWN_A, V1, make_user
from tests.playwright_helpers import sign_in, sign_out, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AREAS = {Role.INSPECTOR: DISTRICT, Role.VILLAGE: V1, Role.TOWN: TOWN_A, Role.DISTRICT: DISTRICT,
         Role.SUPERVISOR: DISTRICT, Role.LEADER: DISTRICT, Role.ADMIN: DISTRICT, Role.OPERATOR: ""}
PASSWORD = "Xuncha-2026-nav"


def nav_links(page):
    return page.eval_on_selector_all(
        "nav.site-nav a[href]", "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")


@pytest.mark.parametrize("role", list(AREAS))
def test_every_navigation_link_answers_200_for_its_role(browser, live_server, geography, role):
    from accounts.services import add_user

    # accounts' own add_user, so that district staff and administrators get /admin/ as in the demo
    user = make_user(role, "") if role == Role.OPERATOR else add_user(f"nav-{role}", role, AREAS[role], PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(30_000)
    sign_in(page, live_server.url, user, PASSWORD if role != Role.OPERATOR else "pass-1234")
    links = [(label, href) for label, href in nav_links(page) if href != "#"]
    assert links, "a signed-in user has a navigation"
    labels = [label.split()[0] for label, _ in links]
    assert "工作台" in labels and "通知" in labels
    assert ("后台管理" in labels) == user.is_staff
    for label, href in links:
        response = page.goto(live_server.url + href)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, f"{role}: {label} {href} answered {response.status}"
        if urlparse(href).path.startswith("/admin/"):
            assert "/login/" not in page.url, f"{role}: the admin link leads to a login form"
    assert page.errors == [], f"{role}: {page.errors}"
    context.close()


def test_links_follow_the_role(browser, live_server, geography):
    """A village's staff do not see the office's pages (heatmap, task lights); a leader sees no import."""
    village, leader = make_user("village", V1), make_user("leader", DISTRICT)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, village)
    paths = {urlparse(h).path for _, h in nav_links(page)}
    assert "/heatmap/" not in paths and "/tasks/" not in paths and "/admin/" not in paths
    assert {"/issues/", "/orders/", "/notifications/"} <= paths
    sign_out(page)
    sign_in(page, live_server.url, leader)
    paths = {urlparse(h).path for _, h in nav_links(page)}
    assert "/issues/import/" not in paths and "/m/" not in paths and "/assessment/" in paths
    context.close()


def test_error_pages_are_chinese_in_the_layout_with_a_way_back(browser, live_server, geography):
    user = make_user("town", TOWN_A)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, user)
    response = page.goto(live_server.url + "/issues/999999/")
    assert response.status == 404
    assert "页面不存在" in page.get_by_test_id("error-page").inner_text()
    assert page.locator("nav.site-nav").count() == 1  # the base layout, navbar included
    page.get_by_role("link", name="返回工作台").click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == "/"
    context.close()


def test_navbar_collapses_on_a_phone(browser, live_server, geography):
    user = make_user("town", TOWN_A)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, user)
    assert not page.locator("#site-nav-links").is_visible()  # collapsed behind the toggler
    assert page.locator("nav.site-nav").get_by_role("button", name="问题", exact=True).count() == 0
    page.get_by_role("button", name="展开导航").click()
    page.locator("nav.site-nav").get_by_role("button", name="问题", exact=True).click()
    page.locator("nav.site-nav").get_by_role("link", name="问题清单").click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == "/issues/"
    assert page.errors == []
    context.close()
