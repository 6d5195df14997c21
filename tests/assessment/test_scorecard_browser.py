"""The on-site scorecard form in a real browser (Debian's Chromium through Playwright): located at a village,
that village comes first; the items of its scheme are filled, the total adds up, and saving stores a scorecard."""
import os

import pytest
from django.core.management import call_command

from assessment.models import Scorecard
from patrol.models import Issue
from tests.factories import DISTRICT, make_user
from tests.playwright_helpers import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
V2 = "310112102202"


def test_scorecard_form_nearest_village_first_and_saves(browser, live_server, geography):
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")
    leader = make_user("district", DISTRICT)
    context = browser.new_context(viewport={"width": 420, "height": 860}, geolocation={"longitude": 121.43,
                                                                                       "latitude": 31.11},
                                  permissions=["geolocation"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(40_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", leader.username)
    page.fill("input[name=password]", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/assessment/scorecards/")
    wait_for_js(page, "document.querySelectorAll('#items input').length === 7")
    assert page.eval_on_selector("select[name=village]", "s => s.value") == V2  # the village we stand in
    assert "乙村" in page.inner_text("select[name=village] option:nth-child(2)")
    for i, value in enumerate([18, 17, 12, 13, 9, 8, 7]):
        page.fill(f"#items .item:nth-child({i + 1}) input", str(value))
    assert page.inner_text("#total") == "84"
    page.click("#scorecard button[type=submit]")
    wait_for_js(page, "document.getElementById('msg').textContent.includes('已保存')")
    card = Scorecard.objects.get(village_id=V2, current=True)
    assert (card.assessor_id, float(card.total), card.scheme) == (leader.pk, 84.0, "dazhangzhuang")
    # a problem seen on the visit is reported from the same screen, at the current position
    page.select_option("#report select[name=category]", "clutter")
    page.fill("#report textarea[name=description]", "村口柴草乱堆")
    page.click("#report button[type=submit]")
    wait_for_js(page, "document.getElementById('report-msg').textContent.includes('已上报')")
    issue = Issue.objects.get()
    assert (issue.village_id, issue.source, issue.category_id) == (V2, "district_patrol", "clutter")
    assert errors == []
    context.close()
