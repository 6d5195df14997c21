"""The 复核 step in a real browser (Debian's Chromium through Playwright): the town sees the reused after-photo
beside the earlier one it matches, and rejects citing the flag by its label."""
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patrol.models import IssueEvent
from patrol.services import add_photo, transition_issue
from tests.factories import DISTRICT, TOWN_A, V1, make_issue, make_user, seed_categories
from tests.playwright_helpers import wait_for_js

from .photos import altered, jpeg_bytes, photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def jpeg(im, quality=90):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(im, quality), content_type="image/jpeg")


def test_reviewer_sees_the_match_side_by_side_and_rejects_citing_it(browser, live_server, geography):
    seed_categories()
    inspector, town, village = make_user("inspector", DISTRICT), make_user("town", TOWN_A), make_user("village", V1)
    earlier = make_issue(inspector, V1)
    transition_issue(town, earlier.pk, "assign")
    add_photo(village, earlier.pk, jpeg(photo("chelsea")), "after")
    issue = make_issue(inspector, V1)
    transition_issue(town, issue.pk, "assign")
    add_photo(village, issue.pk, jpeg(altered(photo("chelsea"))["all_at_once"], 60), "after")
    transition_issue(village, issue.pk, "submit")

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(40_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", town.username)
    page.fill("input[name=password]", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/issues/{issue.pk}/")
    review = page.get_by_test_id("photo-review")
    assert "重复使用的照片" in review.inner_text()
    mine = review.get_by_role("img", name="本问题整改后照片")
    theirs = review.get_by_role("img", name=f"相同的早前照片（问题 #{earlier.pk}）")
    for img in (mine, theirs):
        img.scroll_into_view_if_needed()
        wait_for_js(page, "el => el.complete && el.naturalWidth > 0", img.element_handle())
    review_form = page.get_by_test_id("form-review")  # 复核: 意见, the flags to cite, 通过 / 退回
    review_form.get_by_label("意见").fill(f"照片与问题 #{earlier.pk} 重复")
    review_form.get_by_label("重复使用的照片").check()
    review_form.get_by_role("button", name="退回").click()
    page.wait_for_load_state("networkidle")
    event = IssueEvent.objects.get(issue=issue, action="reject")
    assert event.data["cited_flags"] == ["same_photo"]
    assert errors == []
    context.close()
