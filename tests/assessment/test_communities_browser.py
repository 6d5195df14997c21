"""导入党建共同体 in a real browser (issue 25, plan 001's communities): district staff reach /assessment/communities/
from the navigation bar (考核 → 党建共同体), upload a spreadsheet and see the communities with their secretary and
villages; a bad file is refused row by row (row and column) with nothing stored; town staff read the communities
and get no import form."""
import io
import os

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from geo.models import Community
from tests.factories import DISTRICT, TOWN_A, V1, V2, V3, make_user
from tests.playwright_helpers import sign_in, sign_out, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["共同体名称", "共同体书记", "行政村代码"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return {"name": "共同体.xlsx", "mimeType": "application/octet-stream", "buffer": buf.getvalue()}


def upload(page, payload):
    form = page.get_by_role("form", name="导入党建共同体")
    form.get_by_label("共同体表格").set_input_files(payload)
    form.get_by_role("button", name="导入").click()
    page.wait_for_load_state("networkidle")


def test_district_staff_import_communities_through_the_page(browser, live_server, geography):
    district, town = make_user("district", DISTRICT), make_user("town", TOWN_A)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, district)
    page.get_by_role("button", name="考核", exact=True).click()
    page.get_by_role("link", name="党建共同体", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="党建共同体", exact=True)).to_be_visible()
    expect(page.get_by_test_id("communities")).to_contain_text("辖区内还没有党建共同体")

    # a bad file: each error names its row and column, nothing is stored
    upload(page, xlsx([("东片共同体", "王书记", V1), ("东片共同体", "", "310112999999")]))
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("未导入")
    row = errors.get_by_role("row").filter(has_text="第 3 行")
    expect(row).to_contain_text("行政村代码")
    expect(row).to_contain_text("310112999999 不存在")
    assert Community.objects.count() == 0
    page.errors.clear()  # the refused file answered 400, as it should

    upload(page, xlsx([("东片共同体", "王书记", V1), ("东片共同体", "", V2), ("南片共同体", "李书记", V3)]))
    expect(page.get_by_test_id("messages")).to_contain_text("已导入党建共同体")
    table = page.get_by_test_id("communities")
    east = table.get_by_role("row").filter(has_text="东片共同体")
    expect(east).to_contain_text("王书记")
    expect(east).to_contain_text("甲村")
    expect(east).to_contain_text("乙村")
    expect(table.get_by_role("row").filter(has_text="南片共同体")).to_contain_text("丙村")

    # the same file again with 乙村 left out: the community is updated, not duplicated
    upload(page, xlsx([("东片共同体", "王书记", V1), ("南片共同体", "李书记", V3)]))
    expect(page.get_by_test_id("messages")).to_contain_text("更新 1 个")
    expect(table.get_by_role("row").filter(has_text="东片共同体")).not_to_contain_text("乙村")
    expect(table.get_by_role("row").filter(has_text="东片共同体")).to_have_count(1)
    assert Community.objects.count() == 2
    assert page.errors == []
    sign_out(page)

    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/assessment/communities/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("communities")).to_contain_text("东片共同体")
    expect(page.get_by_test_id("communities")).not_to_contain_text("南片共同体")  # another town's
    expect(page.get_by_role("form", name="导入党建共同体")).to_have_count(0)
    context.close()
