"""The scoring phone page in Debian's Chromium: scores made offline wait in the outbox and are counted once."""
import os
import re

import pytest
from django.test import Client
from django.utils import timezone

from households import services
from households.models import PointEntry
from tests.factories import make_geography, make_user
from tests.households.conftest import ITEMS, V1, make_household

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offline_scoring_waits_in_the_outbox_and_syncs_once(browser, live_server):
    make_geography()
    staff = make_user("village", V1, "scorer")
    services.save_rules(staff, village=V1, year=timezone.localdate().year, board_n=2, items=ITEMS,
                        today=timezone.localdate().replace(month=1, day=1))
    make_household("V1-1-001", address="一组1号")
    make_household("V1-1-002", address="一组2号")
    context, page = _phone_page(browser, live_server, staff)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live_server.url + "/households/score/", timeout=120_000)  # the first request loads the URLconf
        from playwright.sync_api import expect

        expect(page.get_by_test_id("address")).to_have_text("一组1号")
        expect(page.get_by_test_id("head")).to_have_text("张三丰")  # the village's own staff see the name

        context.set_offline(True)
        page.get_by_test_id("item-yard").check()
        page.get_by_test_id("item-sorting").check()
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("address")).to_have_text("一组2号")
        page.get_by_test_id("item-clutter").check()
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("pending")).to_have_text("3")
        assert PointEntry.objects.count() == 0

        # Back online, the first answer is lost on the way back: the phone keeps the score and sends it again.
        lost = {"n": 0}

        def lose_first_answer(route):
            if lost["n"] == 0:
                lost["n"] += 1
                route.fetch()  # the server stores it ...
                route.abort("failed")  # ... and the phone never hears
            else:
                route.continue_()

        page.route(re.compile(r".*/api/households/.*/points/$"), lose_first_answer)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        for _ in range(300):
            if lost["n"] and page.evaluate("document.body.dataset.sync") == "idle":
                break
            page.wait_for_timeout(100)
        assert lost["n"] == 1 and PointEntry.objects.count() == 1  # stored, but the phone still holds it
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.get_by_test_id("pending")).to_have_text("0", timeout=20_000)
        assert lost["n"] == 1
        entries = sorted(PointEntry.objects.values_list("household__code", "item_key", "points"))
        assert entries == [("V1-1-001", "sorting", 3), ("V1-1-001", "yard", 5), ("V1-1-002", "clutter", -4)]
        assert not errors, errors
    finally:
        context.close()


def _phone_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context, context.new_page()


def test_town_staff_pick_the_village_by_name_and_grid_staff_never_type_a_code(browser, live_server):
    from playwright.sync_api import expect

    make_geography()
    staff = make_user("village", V1, "scorer")
    services.save_rules(staff, village=V1, year=timezone.localdate().year, board_n=2, items=ITEMS,
                        today=timezone.localdate().replace(month=1, day=1))
    make_household("V1-1-001", address="一组1号")

    town = make_user("town", "310112102", "town-scorer")
    context, page = _phone_page(browser, live_server, town)
    try:
        page.goto(live_server.url + "/households/score/", timeout=120_000)
        village = page.get_by_label("行政村")
        expect(village.locator("option")).to_have_text(["请选择行政村", "甲村（310112102201）", "乙村（310112102202）"])
        village.select_option(label="甲村（310112102201）")
        page.get_by_role("button", name="载入").click()
        expect(page.get_by_test_id("address")).to_have_text("一组1号")
    finally:
        context.close()

    grid = make_user("village", V1 + "001", "grid-scorer")  # a grid's staff: their code is the grid's
    context, page = _phone_page(browser, live_server, grid)
    try:
        page.goto(live_server.url + "/households/score/", timeout=120_000)
        expect(page.get_by_text("行政村：甲村")).to_be_visible()
        expect(page.get_by_test_id("address")).to_have_text("一组1号")  # loaded without typing anything
        expect(page.get_by_label("行政村代码")).to_have_count(0)
    finally:
        context.close()
