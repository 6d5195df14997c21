"""Map pages in a real browser (Debian's Chromium through Playwright): offline, no console error, legend counts
equal to the API's, filters, pins for the visible area, the heat month slider."""
import os
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from patrol.services import transition_issue
from tests.factories import DISTRICT, TOWN_A, V1, V2, V3, close_issue, make_issue, make_user
from tests.playwright_helpers import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def login(page, live_server, user, password="pass-1234"):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    # What is under test is the map pages: forget the login and home pages (their favicon request).
    page.requests.clear()
    page.errors.clear()


def assert_offline_and_clean(page):
    outside = [u for u in page.requests
               if not u.startswith(("data:", "blob:")) and urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    assert outside == []
    assert page.errors == []


def api(page, path):
    return page.evaluate("url => fetch(url, {credentials: 'same-origin'}).then(r => r.json())", path)


def legend(page):
    return {k: int(page.text_content(f'[data-testid="map-legend"] [data-legend="{k}"]'))
            for k in ("red", "yellow", "green")}


def wait_legend(page, after=0):
    wait_for_js(page,
        "n => +(document.querySelector('[data-testid=map-legend]').getAttribute('data-loaded') || 0) > n", arg=after)


@pytest.fixture
def world(geography):
    district = make_user("district", DISTRICT)
    town = make_user("town", TOWN_A)
    cun = make_user("village", V1)
    issues = []
    for k in range(6):
        issues.append(make_issue(district, V1, category="shack" if k % 2 else "clutter",
                                 lon=121.402 + k * 0.0025, lat=31.108 + k * 0.0006))
    issues.append(make_issue(district, V2, category="shack"))
    issues.append(make_issue(district, V3, category="wires"))
    transition_issue(district, issues[1].pk, "supervise")
    close_issue(issues[2], town, cun)
    # A rebound last month, for the heat map.
    old = make_issue(district, V3, category="clutter", lon=121.45, lat=31.11,
                     reported_at=timezone.now() - timedelta(days=80))
    close_issue(old, make_user("town", "310112103"), make_user("village", V3),
                now=timezone.now() - timedelta(days=70))
    make_issue(district, V3, category="clutter", lon=121.45001, lat=31.11)
    return {"district": district, "issues": issues}


def test_battle_map(page, live_server, world):
    login(page, live_server, world["district"])
    page.goto(live_server.url + "/map/")
    wait_legend(page)
    page.wait_for_load_state("networkidle")
    counts = legend(page)
    for light, n in counts.items():
        assert n == api(page, f"/api/issues/?light={light}&page_size=1")["count"]
    assert sum(counts.values()) == api(page, "/api/issues/?page_size=1")["count"] == 10
    assert counts["red"] == 1 and counts["green"] == 2

    # A filter changes the counts, and they still equal the list API's.
    page.select_option("select[name=category]", "shack")
    page.click("form[data-testid=map-filters] button[type=submit]")
    wait_legend(page)
    page.wait_for_load_state("networkidle")
    shack = legend(page)
    assert shack != counts
    for light, n in shack.items():
        assert n == api(page, f"/api/issues/?category=shack&light={light}&page_size=1")["count"]
    page.goto(live_server.url + "/map/?status=closed")
    wait_legend(page)
    assert legend(page) == {"red": 0, "yellow": 0, "green": 2}

    # Zoomed out: aggregates (village lights), no pins.
    page.goto(live_server.url + "/map/")
    wait_legend(page)
    name = page.get_attribute(".folium-map", "id")
    page.evaluate(f"{name}.setView([31.11, 121.44], 12)")
    wait_for_js(page, "() => document.querySelector('.folium-map').getAttribute('data-pins') === '0'")
    assert "放大到" in page.text_content("#pins-hint")

    # Zoomed in, the pins of the visible area come from the bbox-filtered API; a click opens the problem.
    page.goto(live_server.url + "/map/")
    wait_legend(page)
    name = page.get_attribute(".folium-map", "id")
    loaded = int(page.get_attribute('[data-testid="map-legend"]', "data-loaded"))
    page.evaluate(f"{name}.setView([31.1095, 121.4085], 15)")
    wait_for_js(page, "() => +document.querySelector('.folium-map').getAttribute('data-pins') > 0")
    wait_legend(page, loaded)
    page.wait_for_load_state("networkidle")
    bbox = page.get_attribute('[data-testid="map-legend"]', "data-bbox")
    in_view = api(page, f"/api/issues/?bbox={bbox}&page_size=1")["count"]
    assert int(page.get_attribute(".folium-map", "data-pins")) == in_view == sum(legend(page).values())
    assert 0 < in_view < 10
    # The pins may be drawn again once more as the view settles (a click on a pin just replaced opens nothing):
    # click the pin as a person would until its popup shows.
    for _ in range(5):
        page.locator(".leaflet-marker-pane .awesome-marker").first.click()
        try:
            page.locator(".leaflet-popup-content a").first.wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    link = page.locator(".leaflet-popup-content a").first
    assert link.get_attribute("href").startswith("/issues/")

    # A click on a village opens its details.
    page.evaluate(f"{name}.setView([31.111, 121.43], 14)")
    page.wait_for_load_state("networkidle")
    page.evaluate(f"{name}.closePopup()")
    page.mouse.click(*_pixel(page, name, 31.1015, 121.4305))
    page.wait_for_selector(".leaflet-popup-content a[href*='village=']")
    assert_offline_and_clean(page)


def _pixel(page, name, lat, lon):
    box = page.locator(".folium-map").bounding_box()
    pt = page.evaluate(f"{name}.latLngToContainerPoint([{lat}, {lon}])")
    return box["x"] + pt["x"], box["y"] + pt["y"]


def test_heatmap_page(page, live_server, world):
    login(page, live_server, world["district"])
    page.goto(live_server.url + "/heatmap/?kind=all")
    page.wait_for_selector("#heat-count[data-month]")
    page.wait_for_load_state("networkidle")
    month = page.get_attribute("#heat-count", "data-month")
    assert month == f"{timezone.localdate():%Y-%m}"
    expected = api(page, f"/api/heatmap/?kind=all&from={month}&to={month}")["count"]
    assert int(page.get_attribute("#heat-count", "data-count")) == expected == 9
    # The slider moves a month back: the heat layer reloads for that month.
    page.evaluate("() => { var s = document.getElementById('heat-month'); s.value = +s.value - 2;"
                  " s.dispatchEvent(new Event('input')); }")
    wait_for_js(page, "m => document.getElementById('heat-count').getAttribute('data-month') !== m", arg=month)
    earlier = page.get_attribute("#heat-count", "data-month")
    assert int(page.get_attribute("#heat-count", "data-count")) == api(
        page, f"/api/heatmap/?kind=all&from={earlier}&to={earlier}")["count"]
    assert page.locator('[data-testid="map-legend"]').count() == 1
    # Rebounds only, one category.
    page.goto(live_server.url + "/heatmap/?kind=rebound&category=clutter")
    page.wait_for_selector("#heat-count[data-month]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("#heat-count", "data-count") == "1"
    assert_offline_and_clean(page)
