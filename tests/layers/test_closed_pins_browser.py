"""Closed pins at high zoom (issue 27): with 显示已销号 on, a crowd of closed problems around an open red one
gathers into faded green clusters below the open pins, and the red pin stays on top where a person looks; each
category has its own symbol in the legend."""
import os

import pytest

from patrol.models import Category
from patrol.services import transition_issue
from tests.factories import DISTRICT, TOWN_A, V1, close_issue, make_issue, make_user, metres_east
from tests.layers.test_maps_browser import assert_offline_and_clean, login, wait_legend
from tests.layers.test_maps_browser import page as page  # noqa: PLC0414 (the fixture, recording requests)
from tests.playwright_helpers import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LON, LAT = 121.405, 31.11
CLOSED = 12


@pytest.fixture
def crowd(geography):
    district, town, cun = make_user("district", DISTRICT), make_user("town", TOWN_A), make_user("village", V1)
    done = [make_issue(district, V1, category="clutter", lon=metres_east(LON, LAT, 4 * (k - CLOSED / 2)),
                       lat=LAT + 0.00004 * (k % 3 - 1)) for k in range(CLOSED)]
    for issue in done:
        close_issue(issue, town, cun)
    red = make_issue(district, V1, category="shack", lon=LON, lat=LAT)
    transition_issue(district, red.pk, "supervise")
    return {"district": district, "red": red}


def test_closed_pins_cluster_below_the_red_one(page, live_server, crowd, tmp_path):
    page.set_default_timeout(40_000)
    login(page, live_server, crowd["district"])
    page.goto(live_server.url + "/map/")
    wait_legend(page)
    name = page.get_attribute(".folium-map", "id")
    loaded = int(page.get_attribute('[data-testid="map-legend"]', "data-loaded"))
    page.evaluate(f"{name}.setView([{LAT}, {LON}], 16, {{animate: false}})")
    wait_legend(page, loaded)
    wait_for_js(page, "() => +document.querySelector('.folium-map').getAttribute('data-pins') > 0", timeout=40)
    assert page.locator(".leaflet-marker-pane .map-pin-red").count() == 1
    assert page.locator(".closed-cluster, .map-pin-green").count() == 0  # closed ones hidden by default

    page.get_by_label("显示已销号").check()
    wait_for_js(page, "() => document.querySelectorAll('.closed-cluster').length > 0")
    page.screenshot(path=tmp_path / "closed-clusters.png")
    # The twelve closed problems are in faded clusters (and any pins left alone), all counted, none lost.
    in_clusters = sum(int(t) for t in page.locator(".closed-cluster span").all_inner_texts())
    alone = page.locator(".leaflet-marker-pane .map-pin-green").count()
    assert in_clusters + alone == CLOSED and in_clusters >= CLOSED // 2
    # Where the red pin is drawn, a click lands on the red pin: nothing closed lies over it.
    red = page.locator(".leaflet-marker-pane .map-pin-red").bounding_box()
    stack = page.evaluate("([x, y]) => document.elementsFromPoint(x, y).map(e => e.tagName + '.' + e.className)",
                          [red["x"] + red["width"] / 2, red["y"] + red["height"] / 3])
    markers = [e for e in stack if e.startswith("DIV.") and ("awesome-marker" in e or "marker-cluster" in e)]
    assert markers and "map-pin-red" in markers[0], stack

    # Zoomed to 18 the clusters open into single faded pins, still below the red one.
    page.evaluate(f"{name}.setView([{LAT}, {LON}], 18, {{animate: false}})")
    wait_for_js(page, f"() => document.querySelectorAll('.leaflet-marker-pane .map-pin-green').length === {CLOSED}"
                      " && document.querySelectorAll('.closed-cluster').length === 0")
    opacity = page.evaluate("() => [...document.querySelectorAll('.leaflet-marker-pane .map-pin-green')]"
                            ".map(m => +m.style.opacity)")
    assert all(o < 1 for o in opacity)

    # Each category its own symbol in the legend.
    icons = [page.get_attribute(f'[data-section="categories"] i >> nth={k}', "class")
             for k in range(page.locator('[data-section="categories"] i').count())]
    assert len(icons) == Category.objects.count() and len(set(icons)) == len(icons)
    assert_offline_and_clean(page)
