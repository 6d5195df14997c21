"""Maps that read like maps (issue 27), in a real browser: place names by zoom without overlap, the offline base
map drawn from our own tiles, legends that count one thing each, red pins above green ones, closed pins behind
the 显示已销号 switch, a metric scale, a text-only attribution, campaign and patrol maps that open where the work
is — with no request leaving the machine and no console error. Screenshots go to the test's tmp_path."""
import re

import pytest

from tests.layers import test_maps_browser as base
from tests.layers.test_maps_browser import assert_offline_and_clean, login, wait_legend
from tests.playwright_helpers import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
page, world = base.page, base.world  # the same browser page (requests and errors recorded) and problems


@pytest.fixture(autouse=True)
def _urls_loaded():
    """Import every app's views before the browser's first request: on a loaded machine the live server's first
    request (which imports them) can outlast the page's 15 s timeout."""
    from django.urls import resolve

    resolve("/map/")


def _map(page):
    return page.get_attribute(".folium-map", "id")


def _set_view(page, lat, lon, zoom):
    name = _map(page)
    page.evaluate(f"{name}.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    wait_for_js(page, f"() => {name}.getZoom() === {zoom} && "
                      "document.querySelector('.folium-map').getAttribute('data-labels') !== null")
    page.wait_for_load_state("networkidle")


def _labels(page):
    """{text: (level, box)} of the place names shown, boxes in page pixels."""
    return {el.text_content(): (el.get_attribute("data-level"), el.locator("span").bounding_box())
            for el in page.locator(".map-label").all()}


def _inside(box, outer):
    return (box["x"] >= outer["x"] and box["y"] >= outer["y"] and box["x"] + box["width"] <= outer["x"] + outer["width"]
            and box["y"] + box["height"] <= outer["y"] + outer["height"])


def _overlap(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def _area_counts(page):
    return {k: int(page.text_content(f'[data-legend="area-{k}"]')) for k in ("red", "yellow", "green")}


def test_battle_map_reads_like_a_map(page, live_server, world, tmp_path):
    login(page, live_server, world["district"])
    page.goto(live_server.url + "/map/")
    wait_legend(page)
    page.wait_for_load_state("networkidle")
    frame = page.locator(".folium-map").bounding_box()

    # The base map comes from our own tiles and is drawn (canvas tiles), under the lights.
    assert any("/tiles/base/" in u for u in page.requests)
    wait_for_js(page, "() => document.querySelectorAll('canvas.base-tile[data-drawn]').length > 0")
    # Metric scale only; attribution in words (no flag image).
    scale = page.text_content(".leaflet-control-scale")
    assert ("km" in scale or " m" in scale) and "mi" not in scale and "ft" not in scale
    assert page.locator(".leaflet-control-attribution svg, .leaflet-control-attribution img").count() == 0
    assert "底图：本系统" in page.text_content(".leaflet-control-attribution")

    # Zoom 11: town names, no village names.
    _set_view(page, 31.11, 121.44, 11)
    page.screenshot(path=tmp_path / "map-z11.png")
    shown = _labels(page)
    assert {"甲镇", "乙镇"} <= set(shown) and "甲村" not in shown

    # Zoom 13: the village 甲村 is named, its label in the DOM and inside the map's viewport.
    _set_view(page, 31.11, 121.44, 13)
    page.screenshot(path=tmp_path / "map-z13.png")
    shown = _labels(page)
    assert shown["甲村"][0] == "village" and _inside(shown["甲村"][1], frame)
    assert "甲村一网格" not in shown
    boxes = [box for _, box in shown.values()]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # The legend counts villages in view as villages; all four are in view.
    assert sum(_area_counts(page).values()) == 4

    # Zoom 16 over 甲村: grid names too, still no two labels overlapping; one village in view.
    _set_view(page, 31.11, 121.41, 16)
    page.screenshot(path=tmp_path / "map-z16.png")
    shown = _labels(page)
    assert shown["甲村一网格"][0] == "grid"
    boxes = [box for _, box in shown.values()]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    in_view = page.evaluate(f"""() => {{ var b = {_map(page)}.getBounds();
        return [[121.40, 121.42], [121.42, 121.44], [121.44, 121.46], [121.46, 121.48]]
          .filter(v => v[1] >= b.getWest() && v[0] <= b.getEast()).length; }}""")
    assert sum(_area_counts(page).values()) == in_view < 4

    # Pins at zoom 15: red above yellow, yellow above green; the closed (green) ones only with 显示已销号, faded.
    loaded = int(page.get_attribute('[data-testid="map-legend"]', "data-loaded"))
    _set_view(page, 31.1095, 121.4085, 15)
    wait_legend(page, loaded)
    wait_for_js(page, "() => +document.querySelector('.folium-map').getAttribute('data-pins') > 0")
    assert page.locator(".map-pin-green").count() == 0
    page.get_by_label("显示已销号").check()
    wait_for_js(page, "() => document.querySelectorAll('.map-pin-green').length > 0")
    z = page.evaluate("""() => {
        var z = {};
        document.querySelectorAll('.leaflet-marker-pane .awesome-marker').forEach(function(m) {
          var light = (m.className.match(/map-pin-(red|yellow|green)/) || [])[1];
          if (light) (z[light] = z[light] || []).push([+m.style.zIndex, m.style.opacity === '' ? 1 : +m.style.opacity]);
        });
        return z; }""")
    assert min(v for v, _ in z["red"]) > max(v for v, _ in z["yellow"]) > max(v for v, _ in z["green"])
    assert all(o < 1 for _, o in z["green"]) and all(o == 1 for _, o in z["red"])
    counts = {k: int(page.text_content(f'[data-testid="map-legend"] [data-legend="{k}"]'))
              for k in ("red", "yellow", "green")}
    assert sum(counts.values()) == int(page.get_attribute(".folium-map", "data-pins-shown"))
    # Every category's symbol is explained in the legend, in Chinese.
    legend = page.text_content('[data-testid="map-legend"]')
    assert "私搭乱建" in legend or "乱堆乱放" in legend
    assert "#" not in legend
    assert_offline_and_clean(page)


def test_campaign_map_opens_on_its_villages(page, live_server, world, tmp_path):
    from campaigns import services
    from tests.campaigns.test_campaigns import QUKOU
    from tests.factories import TOWN_B

    campaign = services.create_campaign(world["district"], {**QUKOU, "areas": [TOWN_B]})
    login(page, live_server, world["district"])
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=tmp_path / "campaign.png")
    centre = page.evaluate(f"{_map(page)}.getCenter().lng")
    # Town B is 121.44–121.48: the view is centred on it, not on the whole district (121.40–121.48, centre 121.44).
    assert 121.455 < centre < 121.465
    assert sum(_area_counts(page).values()) == 2  # its two villages, counted as villages
    assert "丙村" in _labels(page)
    assert_offline_and_clean(page)


def test_patrol_plan_numbers_its_stops(page, live_server, world, tmp_path):
    login(page, live_server, world["district"])
    page.goto(live_server.url + "/patrols/")
    page.get_by_label("组数").fill("2")
    page.get_by_label("出发点经度").fill("121.415")
    page.get_by_label("纬度").fill("31.105")
    page.get_by_role("button", name="生成巡查计划").click()
    page.wait_for_selector('[data-testid="stop-list"]')
    page.wait_for_load_state("networkidle")
    page.screenshot(path=tmp_path / "plan.png")
    assert page.locator('[data-testid="start-marker"]').count() == 1
    on_map = page.evaluate("""() => Array.from(document.querySelectorAll('.stop-number'))
        .map(e => [e.style.color, +e.getAttribute('data-stop')])""")
    assert on_map and min(n for _, n in on_map) == 1
    # The printed list carries the same numbers; each team its own colour.
    printed = [int(t) for t in page.locator('[data-testid="stop-list"] tbody tr td:first-child').all_text_contents()
               if t.strip().isdigit()]
    assert sorted(n for _, n in on_map) == sorted(printed)
    heads = page.locator('[data-testid="stop-list"] .team h3').all_text_contents()
    busy = [h for h in heads if not re.search(r"：0 个点位", h)]
    assert len({c for c, _ in on_map}) == len(busy)
    assert "巡查组" in page.text_content('[data-testid="map-legend"]')
    assert page.evaluate(f"{_map(page)}.getZoom()") >= 13
    assert_offline_and_clean(page)
