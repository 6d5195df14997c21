"""The problem list (/issues/) in a real browser: labelled filters, the text search, sorting by a column, 导出 Excel
of exactly the filtered rows, and rows that become cards on a phone."""
import io
import os

import pytest

from tests.factories import DISTRICT, TOWN_A, V1, V2, V3, make_issue, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def ids_shown(page):
    return [int(t.strip().lstrip("#")) for t in
            page.get_by_test_id("issue-table").locator("tbody [data-label=编号] a").all_inner_texts()]


def test_filters_search_sort_and_export(browser, live_server, geography):
    inspector, town = make_user("inspector", DISTRICT), make_user("town", TOWN_A)
    a = make_issue(inspector, village=V1, category="dry_toilet")
    b = make_issue(inspector, village=V2, category="dry_toilet")
    shack = make_issue(inspector, village=V1, category="shack", description="河边看瓜窝棚")
    other_town = make_issue(inspector, village=V3, category="dry_toilet")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/issues/")
    assert sorted(ids_shown(page)) == sorted([a.pk, b.pk, shack.pk])  # the town's own area only
    assert other_town.pk not in ids_shown(page)

    page.get_by_label("类别").select_option(label="旱厕/小粪缸")
    page.get_by_label("行政村").select_option(label="甲村")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    assert ids_shown(page) == [a.pk]

    page.get_by_label("行政村").select_option(label="全部")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="编号").click()  # sort by number, ascending
    page.wait_for_load_state("networkidle")
    assert ids_shown(page) == sorted([a.pk, b.pk])
    page.get_by_role("link", name="编号 ↑").click()  # and descending
    page.wait_for_load_state("networkidle")
    assert ids_shown(page) == sorted([a.pk, b.pk], reverse=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted([a.pk, b.pk])  # exactly the filtered rows
    assert {r[1] for r in rows} == {"旱厕/小粪缸"}

    page.goto(live_server.url + "/issues/")
    page.get_by_label("搜索（编号或描述）").fill("看瓜")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    assert ids_shown(page) == [shack.pk]
    page.get_by_label("搜索（编号或描述）").fill(f"#{b.pk}")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    assert ids_shown(page) == [b.pk]
    assert page.errors == []
    context.close()


def test_rows_become_cards_on_a_phone(browser, live_server, geography):
    inspector, town = make_user("inspector", DISTRICT), make_user("town", TOWN_A)
    for _ in range(3):
        make_issue(inspector, village=V1)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/issues/")
    table = page.get_by_test_id("issue-table")
    assert not table.locator("thead").is_visible()
    widths = page.eval_on_selector_all("[data-testid=issue-table] tbody td",
                                       "cells => cells.map(c => c.getBoundingClientRect().width)")
    assert widths and min(widths) > 200  # each cell a full-width line of its card, no column one character wide
    assert "类别：" in page.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=issue-table] tbody td[data-label=类别]'), "
        "'::before').content").replace('"', "")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.errors == []
    context.close()
