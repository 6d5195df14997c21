"""The household register (/households/) in Chromium: a village cadre on a phone (390 × 844) adds a household (a
bad input named next to its field first), edits it, moves it out, imports a spreadsheet and downloads the bad rows;
town staff pick one of their villages from a list; the door cards print."""
import io
import os

import pytest

from households.models import Household
from tests.factories import make_geography, make_user, village_point
from tests.households.conftest import V1, V2, make_household
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def _page(browser, live_server, user, **options):
    context = browser.new_context(**(options or PHONE))
    context.set_default_timeout(40_000)
    page = watch_errors(context.new_page())
    sign_in(page, live_server.url, user)
    return context, page


def test_village_cadre_adds_edits_and_moves_out_a_household(browser, live_server):
    make_geography()
    cadre = make_user("village", V1, "jiacun")
    lon, lat = village_point(V1, 1)
    # Standing at the gate: the phone's position fills the gate's coordinates (使用当前位置), nothing typed.
    context, page = _page(browser, live_server, cadre, **PHONE, geolocation={"longitude": lon, "latitude": lat},
                          permissions=["geolocation"])
    try:
        page.goto(live_server.url + "/households/")
        assert "甲村" in page.get_by_test_id("own-village").inner_text()
        assert page.get_by_label("行政村").count() == 0  # the village comes from the account
        page.get_by_role("link", name="登记农户").click()
        page.wait_for_load_state("networkidle")
        page.get_by_label("户编号").fill("JC-1-021")
        page.get_by_label("村民小组").fill("一组")
        page.get_by_label("门牌/地址").fill("一组21号")
        page.get_by_label("户主").fill("刘桂兰")
        page.get_by_label("电话").fill("139-abc")
        page.get_by_label("人口数").fill("3")
        page.get_by_role("button", name="使用当前位置").click()
        page.get_by_text("已定位").wait_for()
        assert page.get_by_label("经度").input_value() == f"{lon:.6f}"
        page.get_by_role("button", name="登记").click()
        page.wait_for_load_state("networkidle")
        assert "电话号码格式不正确" in page.get_by_test_id("field-error").inner_text()
        assert not Household.objects.exists()
        page.get_by_label("电话").fill("13900000021")
        page.get_by_role("button", name="登记").click()
        page.wait_for_load_state("networkidle")
        assert "已登记农户：JC-1-021 刘桂兰" in page.get_by_test_id("messages").inner_text()
        h = Household.objects.get()
        assert (h.code, h.village_id, h.grid_id, h.members, h.phone) == ("JC-1-021", V1, V1 + "001", 3,
                                                                         "13900000021")

        row = page.get_by_test_id("household-JC-1-021")
        row.get_by_role("link", name="编辑 JC-1-021").click()
        page.wait_for_load_state("networkidle")
        page.get_by_label("人口数").fill("4")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state("networkidle")
        assert "已保存：JC-1-021 刘桂兰" in page.get_by_test_id("messages").inner_text()
        assert Household.objects.get().members == 4

        page.on("dialog", lambda d: d.accept())
        page.get_by_test_id("household-JC-1-021").get_by_role("button", name="迁出 JC-1-021").click()
        page.wait_for_load_state("networkidle")
        assert "已迁出：JC-1-021 刘桂兰" in page.get_by_test_id("messages").inner_text()
        assert Household.objects.get().status == "moved_out"
        assert "已迁出" in page.get_by_test_id("household-JC-1-021").inner_text()
        assert [e for e in page.errors if " 400 " not in f" {e} "] == []
    finally:
        context.close()


def _sheet(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["户编号", "村民小组", "门牌", "经度", "纬度", "户主", "电话", "人口"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_a_spreadsheet_and_download_the_bad_rows(browser, live_server, tmp_path):
    make_geography()
    cadre = make_user("village", V1, "jiacun2")
    lon, lat = village_point(V1, 2)
    far = village_point(V2, 1)
    path = tmp_path / "甲村农户.xlsx"
    path.write_bytes(_sheet([["JC-2-001", "二组", "1号", lon, lat, "黄一", "", 2],
                             ["JC-2-002", "二组", "2号", lon, lat, "黄二", "", 5],
                             ["JC-2-003", "二组", "3号", far[0], far[1], "黄三", "", 1]]))
    context, page = _page(browser, live_server, cadre)
    try:
        page.goto(live_server.url + "/households/")
        page.get_by_role("button", name="导入").click()  # no file chosen
        page.wait_for_load_state("networkidle")
        assert "请选择要导入的表格文件" in page.get_by_test_id("field-error").inner_text()
        page.get_by_label("农户表格").set_input_files(str(path))
        page.get_by_role("button", name="导入").click()
        page.wait_for_load_state("networkidle")
        result = page.get_by_test_id("import-result").inner_text()
        assert "共 3 行：新建 2，更新 0，未变 0，失败 1" in result and "门口位置不在 甲村" in result
        assert sorted(Household.objects.values_list("code", flat=True)) == ["JC-2-001", "JC-2-002"]
        with page.expect_download() as info:
            page.get_by_role("link", name="下载错误行（Excel）").click()
        from openpyxl import load_workbook

        rows = list(load_workbook(io.BytesIO(info.value.path().read_bytes())).active.values)
        assert info.value.suggested_filename == "农户导入错误行.xlsx"
        assert [r[0] for r in rows[1:]] == ["JC-2-003"] and "门口位置不在" in rows[1][-1]
        page.goto(live_server.url + "/households/")
        assert "在册 2 户" in page.get_by_test_id("counts").inner_text()
        # The same file again changes nothing.
        page.get_by_label("农户表格").set_input_files(str(path))
        page.get_by_role("button", name="导入").click()
        page.wait_for_load_state("networkidle")
        assert "新建 0，更新 0，未变 2，失败 1" in page.get_by_test_id("import-result").inner_text()
        assert Household.objects.count() == 2
    finally:
        context.close()


def test_town_staff_pick_a_village_and_print_its_door_cards(browser, live_server):
    make_geography()
    town = make_user("town", "310112102", "jiazhen")
    make_household("JC-3-001", head="林一")
    make_household("YC-3-001", village=V2, head="林二")
    context, page = _page(browser, live_server, town, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page.goto(live_server.url + "/households/")
        with page.expect_navigation():
            page.get_by_label("行政村").select_option(label="乙村")
        page.wait_for_load_state("networkidle")
        table = page.get_by_test_id("households").inner_text()
        assert "林二" in table and "林一" not in table
        page.get_by_role("link", name="打印门牌卡").click()
        page.wait_for_load_state("networkidle")
        cards = page.get_by_test_id("card")
        assert cards.count() == 1 and "YC-3-001" in cards.inner_text() and cards.locator("svg").count() == 1
        assert page.errors == []
    finally:
        context.close()
