"""The small maps of one place (issue 27) in a real browser: the problem's page (/issues/<id>/) and the village
dossier (/villages/<code>/) draw the problem (or the village's problems), the village boundary, and the earlier
problems within the rebound distance that the viewer may see — over our own base tiles, with no request leaving
the machine and no console error."""
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import DISTRICT, TOWN_A, V1, V2, close_issue, make_issue, make_user, metres_east
from tests.layers.test_maps_browser import assert_offline_and_clean, login
from tests.layers.test_maps_browser import page as page  # noqa: PLC0414 (the fixture, recording requests)
from tests.playwright_helpers import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LAT = 31.11
BORDER = 121.42  # between 甲村 (V1, west) and 乙村 (V2, east)


@pytest.fixture
def place(geography):
    now = timezone.now()
    district, town, cun = make_user("district", DISTRICT), make_user("town", TOWN_A), make_user("village", V1)
    here = metres_east(BORDER, LAT, -12)  # 12 m inside 甲村
    old = make_issue(district, V1, category="clutter", lon=here, lat=LAT, reported_at=now - timedelta(days=80))
    close_issue(old, town, cun, now=now - timedelta(days=70))
    # 20 m away, across the boundary in 乙村: earlier, near — shown to the district, not to 甲村's staff.
    across = make_issue(district, V2, category="shack", lon=metres_east(BORDER, LAT, 8), lat=LAT,
                        reported_at=now - timedelta(days=60))
    far = make_issue(district, V1, category="shack", lon=metres_east(here, LAT, -100), lat=LAT,
                     reported_at=now - timedelta(days=50))
    issue = make_issue(district, V1, category="clutter", lon=metres_east(here, LAT, 5), lat=LAT)
    later = make_issue(district, V1, category="wires", lon=metres_east(here, LAT, -10), lat=LAT)
    assert issue.rebound_of_id == old.pk
    return {"district": district, "cun": cun, "old": old, "across": across, "far": far, "issue": issue,
            "later": later}


def _map_name(page, box):
    return page.get_attribute(f"{box} .folium-map", "id")


def _tooltips(page, name):
    return page.evaluate(f"""() => {{ var out = [];
        {name}.eachLayer(function(l) {{ if (l instanceof L.Marker && l.getTooltip())
                                          out.push(String(l.getTooltip().getContent())); }});
        return out; }}""")


def _drawn_area(page, name, area_name):
    return page.evaluate(f"""() => {{ var found = false;
        {name}.eachLayer(function(l) {{ if (l.feature && l.feature.properties && l.feature.properties.name ===
                                            {area_name!r} && l.getLatLngs) found = true; }});
        return found; }}""")


def _ids(tips):
    return {int(t.split("#")[1].split()[0]) for t in tips if "#" in t}


def _wait_drawn(page):
    wait_for_js(page, "() => document.querySelectorAll('canvas.base-tile[data-drawn]').length > 0", timeout=40)
    page.wait_for_load_state("networkidle")


def test_problem_page_map(page, live_server, place, tmp_path):
    page.set_default_timeout(40_000)
    login(page, live_server, place["district"])
    page.goto(f"{live_server.url}/issues/{place['issue'].pk}/")
    section = page.get_by_role("region", name="位置与周边")
    assert section.locator(".folium-map").is_visible()
    _wait_drawn(page)
    page.screenshot(path=tmp_path / "issue-map.png", full_page=True)
    assert any("/tiles/base/" in u for u in page.requests)
    name = _map_name(page, "[data-testid=issue-map]")

    # The problem's own marker, once, inside the map; the village boundary is drawn.
    mine = section.locator(".leaflet-marker-pane .map-pin-self")
    assert mine.count() == 1
    box, frame = mine.bounding_box(), section.locator(".folium-map").bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
    assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    assert _drawn_area(page, name, "甲村")

    # Earlier problems within the rebound distance: the closed one it rebounds, the one across the boundary;
    # not the one 100 m away, not the one reported after it.
    earlier = _ids(t for t in _tooltips(page, name) if "#" in t) - {place["issue"].pk}
    assert earlier == {place["old"].pk, place["across"].pk}
    assert section.locator(".leaflet-marker-pane .map-pin-earlier").count() == 2
    assert page.text_content('[data-testid=issue-map] [data-legend="earlier"]') == "2"
    assert "30 米" in section.inner_text()
    legend = section.locator("[data-testid=map-legend]").inner_text()
    assert "本问题" in legend and "行政村边界" in legend and "#" not in legend
    assert "乱堆乱放" in legend and "窝棚" in legend and "clutter" not in legend
    assert_offline_and_clean(page)


def test_problem_page_map_shows_only_the_viewers_area(page, live_server, place):
    page.set_default_timeout(40_000)
    login(page, live_server, place["cun"])
    page.goto(f"{live_server.url}/issues/{place['issue'].pk}/")
    _wait_drawn(page)
    name = _map_name(page, "[data-testid=issue-map]")
    assert _ids(_tooltips(page, name)) - {place["issue"].pk} == {place["old"].pk}
    assert_offline_and_clean(page)


def test_village_dossier_map(page, live_server, place, tmp_path):
    page.set_default_timeout(40_000)
    login(page, live_server, place["district"])
    page.goto(f"{live_server.url}/villages/{V1}/")
    _wait_drawn(page)
    page.screenshot(path=tmp_path / "dossier-map.png", full_page=True)
    name = page.get_attribute(".folium-map", "id")
    assert _drawn_area(page, name, "甲村")
    assert page.locator(".leaflet-marker-pane .map-pin-village").count() == 4
    # The earlier problem across the boundary near an open one, and the rebound drawn as a link.
    assert _ids(_tooltips(page, name)) == {place[k].pk for k in ("old", "far", "issue", "later", "across")}
    assert page.locator(".leaflet-marker-pane .map-pin-earlier").count() == 1
    assert page.text_content('[data-legend="earlier"]') == "1"
    assert page.text_content('[data-legend="links"]') == "1"
    assert_offline_and_clean(page)
