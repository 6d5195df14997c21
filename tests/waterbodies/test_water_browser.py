"""The black-odorous list in a real browser: town staff change a water body's status on /water-bodies/ by its
labels and button and read the message; the battle map draws the list's water bodies of the visible area."""
import os

import pytest
from django.contrib.gis.geos import Polygon

from tests.factories import DISTRICT, TOWN_A, make_user
from tests.playwright_helpers import sign_in, wait_for_js, watch_errors
from waterbodies import services
from waterbodies.models import WaterBody

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_town_staff_change_a_status_and_the_map_draws_the_water(browser, live_server, geography):
    district, town = make_user("district", DISTRICT), make_user("town", TOWN_A)
    pond, _ = services.list_water_body(district, geometry=Polygon.from_bbox((121.402, 31.105, 121.404, 31.107)).json,
                                       name="甲村东塘")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/water-bodies/")
    page.wait_for_load_state("networkidle")
    row = page.get_by_test_id(f"water-{pond.pk}")
    assert "黑臭" in row.inner_text()
    row.get_by_label("改为").select_option(label="整治中")
    row.get_by_label("说明").fill("控源截污")
    row.get_by_role("button", name="变更状态").click()
    page.wait_for_load_state("networkidle")
    assert "已将“甲村东塘”改为整治中" in page.content()
    assert WaterBody.objects.get(pk=pond.pk).status == "treating"
    assert page.get_by_test_id(f"water-{pond.pk}").get_attribute("data-status") == "treating"

    page.goto(live_server.url + "/map/")
    page.wait_for_load_state("networkidle")
    name = page.get_attribute(".folium-map", "id")
    page.evaluate(f"{name}.setView([31.106, 121.403], 15)")
    wait_for_js(page, "() => document.querySelector('.folium-map').getAttribute('data-waters') === '1'", timeout=40)
    assert page.errors == []
    context.close()
