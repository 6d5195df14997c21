"""The trust checks' flags where a person reviews the other evidence (issue 28), in a real browser (Debian's
Chromium through Playwright): a campaign's acceptance results (/campaigns/<id>/), the task progress reports
(/tasks/) and a household's ledger (/households/<code>/ledger/). On each, a reused photo shows its flag to the
reviewer in the problem page's wording, beside the earlier photo it repeats; a clean photo shows none."""
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from campaigns import services as campaigns
from tests.factories import DISTRICT, TOWN_A, V1, V2, make_user
from tests.playwright_helpers import sign_in, sign_out, wait_for_js, watch_errors

from .photos import acceptance_campaign, altered, jpeg_bytes, photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def upload(im, quality=90):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(im, quality), content_type="image/jpeg")


def reused(name):
    """An altered copy (re-encoded, resized, cropped, brightened) of a photograph: the same picture sent again."""
    return upload(altered(photo(name))["all_at_once"], 60)


def _page(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, user)
    return context, page


def _goto(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _shown(page, img):
    img.scroll_into_view_if_needed()
    wait_for_js(page, "el => el.complete && el.naturalWidth > 0", img.element_handle())


def _expect_flag_beside_the_earlier_photo(page, rows, flagged, clean, photo_name, repeats):
    """In `rows`, the row with `flagged` shows 重复使用的照片, names what it `repeats` and shows both photos; the row
    with `clean` shows its photo and no flag."""
    row = rows.get_by_role("row").filter(has_text=flagged)
    expect(row).to_contain_text("重复使用的照片")
    expect(row).to_contain_text(repeats)
    _shown(page, row.get_by_role("img", name=photo_name))
    _shown(page, row.get_by_role("img", name="相同的早前照片"))
    row = rows.get_by_role("row").filter(has_text=clean)
    _shown(page, row.get_by_role("img", name=photo_name))
    expect(row).not_to_contain_text("重复使用的照片")
    expect(row.get_by_test_id("photo-review")).to_have_count(0)


def test_acceptance_results_show_a_reused_photo_to_the_reviewer(browser, live_server, geography):
    town, district = make_user("town", TOWN_A), make_user("district", DISTRICT)
    campaign = acceptance_campaign(town)
    campaigns.record_acceptance(town, campaign.pk, V1, "pass", "村容整洁", photos=[upload(photo("coffee"))])
    campaigns.record_acceptance(town, campaign.pk, V2, "pass", "已整改", photos=[reused("coffee")])

    context, page = _page(browser, live_server, district)
    _goto(page, f"{live_server.url}/campaigns/{campaign.pk}/")
    # the flag names the acceptance it repeats
    _expect_flag_beside_the_earlier_photo(page, page.get_by_test_id("acceptance-results"), "乙村", "甲村",
                                          "验收照片 1", "冬季战役")
    assert page.errors == []
    context.close()


def test_progress_reports_show_a_reused_photo_to_the_reviewer(browser, live_server, geography):
    district, town = make_user("district", DISTRICT), make_user("town", TOWN_A)
    year = timezone.localdate().year
    task = campaigns.create_task(district, {"name": "美丽庭院创建", "year": year, "unit": "户", "level": "village",
                                            "targets": [{"area": V1, "target": 120}, {"area": V2, "target": 60}]})
    campaigns.add_progress(town, task.pk, V1, 5, None, note="一组完成", photos=[upload(photo("astronaut"))])
    campaigns.add_progress(town, task.pk, V2, 3, None, note="二组完成", photos=[reused("astronaut")])

    context, page = _page(browser, live_server, district)
    _goto(page, f"{live_server.url}/tasks/")
    # the flag names the report it repeats
    _expect_flag_beside_the_earlier_photo(page, page.get_by_test_id("progress-reports"), "二组完成", "一组完成",
                                          "进度照片 1", f"任务 #{task.pk}")
    assert page.errors == []
    context.close()


def test_a_households_ledger_shows_a_reused_photo_to_the_reviewer_not_to_the_sender(browser, live_server,
                                                                                       geography):
    from households import services as households
    from tests.households.conftest import ITEMS, make_household

    cadre, town = make_user("village", V1), make_user("town", TOWN_A)
    households.save_rules(cadre, village=V1, year=timezone.localdate().year, board_n=2, items=ITEMS)
    make_household("H1"), make_household("H2", group="二组")
    month = f"{timezone.localdate():%Y-%m}"
    households.score(cadre, "H1", item="clutter", month=month, note="柴草乱堆", photo=upload(photo("chelsea")))
    households.score(cadre, "H2", item="clutter", month=month, note="门前堆物", photo=reused("chelsea"))

    context, page = _page(browser, live_server, town)
    _goto(page, f"{live_server.url}/households/?village={V1}")
    page.get_by_role("link", name="积分台账 H2").click()
    page.wait_for_load_state("networkidle")
    flagged = page.get_by_test_id("ledger").get_by_role("row").filter(has_text="门前堆物")
    expect(flagged).to_contain_text("重复使用的照片")
    expect(flagged).to_contain_text("H1")  # the flag names the household whose photo it repeats
    _shown(page, flagged.get_by_role("img", name="相同的早前照片"))
    _goto(page, f"{live_server.url}/households/?village={V1}")
    page.get_by_role("link", name="积分台账 H1").click()
    page.wait_for_load_state("networkidle")
    clean = page.get_by_test_id("ledger").get_by_role("row").filter(has_text="柴草乱堆")
    _shown(page, clean.get_by_role("img").first)
    expect(clean).not_to_contain_text("重复使用的照片")
    assert page.errors == []
    sign_out(page)

    # the village cadre who sent the photo is told nothing (as the field app says only "已上传")
    sign_in(page, live_server.url, cadre)
    _goto(page, f"{live_server.url}/households/H2/ledger/")
    row = page.get_by_test_id("ledger").get_by_role("row").filter(has_text="门前堆物")
    _shown(page, row.get_by_role("img").first)
    expect(row).not_to_contain_text("重复使用的照片")
    context.close()
