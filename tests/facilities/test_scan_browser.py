"""A villager scans a label with a phone (Chromium, phone viewport, no account): report, then a merged repeat."""
import os
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import Point

from core import ratelimit
from facilities.models import Facility, Operator, WorkOrder
from patrol.models import Issue
from tests.factories import make_geography, seed_categories, village_point

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scan_and_report_on_a_phone(browser, live_server):
    seed_categories()
    make_geography()
    ratelimit.reset()
    Operator.objects.create(code="clean-co", name="洁净环卫公司")
    lon, lat = village_point("310112102201")
    Facility.objects.create(code="HT-0001", kind_id="household_toilet", location=Point(lon, lat, srid=4326),
                            town_id="310112102", village_id="310112102201", operator_id="clean-co")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    context.set_default_timeout(15_000)
    hosts, errors = set(), []
    context.on("request", lambda r: hosts.add(urlparse(r.url).hostname))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/f/HT-0001")
        assert page.get_by_test_id("kind").inner_text().startswith("户厕")
        assert "甲村" in page.get_by_test_id("village").inner_text()
        page.fill("#note", "满了，味道大")
        page.fill("#phone", "13800001111")
        page.get_by_role("button", name="满了要抽").click()
        result = page.get_by_test_id("result")
        result.locator("text=已提交").wait_for()
        order_id = int(result.get_attribute("data-order"))
        # The same need again (another neighbour, minutes later) joins the open order.
        page.reload()
        page.get_by_role("button", name="满了要抽").click()
        result.locator("text=已合并").wait_for()
        assert int(result.get_attribute("data-order")) == order_id
        assert result.get_attribute("data-merged") == "true"
    finally:
        context.close()
    order = WorkOrder.objects.get(pk=order_id)
    assert order.reports == 2 and order.phone == "13800001111" and order.need == "pump"
    assert Issue.objects.get(pk=order.issue_id).source == "public_report"
    assert WorkOrder.objects.count() == 1
    assert hosts <= {"127.0.0.1", "localhost"} and not errors
