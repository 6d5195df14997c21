"""The facility page (/facilities/) in Chromium (issue 30): town staff register a sewage plant by clicking its place on
the map (the village is found from the point) and edit it; a bad code or a point outside their town is refused in
Chinese next to the field, nothing stored; the labels PDF and the problem-toilet ledger are one click away; a
company (operator) registers in its own name; a form sent twice registers once."""
import os
import re

import pytest
from playwright.sync_api import expect

from facilities.models import Facility
from tests.factories import TOWN_A, V1, V2, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def click_map_at(page, lon, lat):
    """Click the page's map where (lon, lat) is drawn (the Leaflet map's own projection)."""
    point = page.evaluate("""([lon, lat]) => {
        const map = Object.keys(window).filter((k) => k.startsWith("map_")).map((k) => window[k])
          .find((m) => m instanceof L.Map);
        map.setView([lat, lon], 15, {animate: false});
        const p = map.latLngToContainerPoint([lat, lon]);
        const box = map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""", [lon, lat])
    page.mouse.click(*point)


def only_refusals(errors):
    return [e for e in errors if " 400 " not in f" {e} " and "status of 400" not in e]


def test_town_registers_and_edits_a_facility_on_the_map(browser, live_server, geography, operators):
    town = make_user("town", TOWN_A)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = watch_errors(context.new_page())
    page.set_default_timeout(60_000)
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/facilities/")

    # Bad input first: a code with spaces, no place chosen → errors by the fields, nothing stored.
    page.get_by_label("编码").fill("WS 01")
    page.get_by_label("类型").select_option(label="污水处理设施")
    page.get_by_role("button", name="登记设施").click()
    expect(page.locator("#f-code ~ [data-testid=field-error]")).to_contain_text("编码无效")
    assert Facility.objects.count() == 0
    page.get_by_label("编码").fill("WS-01")
    page.get_by_role("button", name="登记设施").click()
    expect(page.locator("#f-lat ~ [data-testid=field-error]")).to_contain_text("请在地图上点选设施的位置")
    assert Facility.objects.count() == 0

    # A point in 丙村 (town B): not theirs.
    click_map_at(page, 121.445, 31.11)
    page.get_by_role("button", name="登记设施").click()
    expect(page.locator("#f-lat ~ [data-testid=field-error]")).to_contain_text("不在您的辖区内")
    assert Facility.objects.count() == 0

    # The place clicked in 乙村 二网格: stored there, with the message.
    click_map_at(page, 121.435, 31.105)
    assert float(page.get_by_label("经度").input_value()) == pytest.approx(121.435, abs=2e-4)
    page.get_by_label("名称").fill("乙村污水站")
    page.get_by_label("服务运营公司").select_option(label="畅通抽厕公司")
    page.get_by_label("管护周期（天）").fill("7")
    page.get_by_role("button", name="登记设施").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记设施 WS-01（污水处理设施，乙村）")
    f = Facility.objects.get()
    assert (f.code, f.kind_id, f.village_id, f.grid_id, f.town_id) == ("WS-01", "sewage_plant", V2, V2 + "002",
                                                                        TOWN_A)
    assert f.operator_id == "pump-co" and f.upkeep_days == 7 and f.name == "乙村污水站"

    # Edit: moved to 甲村 and marked 存在问题.
    page.get_by_test_id("facility-WS-01").get_by_role("link", name="编辑").click()
    expect(page.get_by_label("编码")).to_have_value("WS-01")
    click_map_at(page, 121.405, 31.115)
    page.get_by_label("状态").select_option(label="存在问题")
    page.get_by_role("button", name="保存设施").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存设施 WS-01（污水处理设施，甲村）")
    f.refresh_from_db()
    assert (f.village_id, f.status) == (V1, "problem") and f.status_since is not None
    assert Facility.objects.count() == 1

    # The labels PDF and the ledger, one click each.
    with context.expect_event("response", lambda r: "/api/facilities/labels.pdf" in r.url) as pdf:
        page.get_by_role("link", name="打印二维码标签").click()  # opens in a new tab, for printing
    assert pdf.value.status == 200 and pdf.value.header_value("content-type") == "application/pdf"
    assert page.request.get(pdf.value.url).body()[:5] == b"%PDF-"
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="问题厕所台账").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    assert open(xlsx.value.path(), "rb").read(2) == b"PK"
    assert only_refusals(page.errors) == []
    context.close()


def test_a_company_registers_in_its_own_name(browser, live_server, geography, operators):
    company = make_user("operator", "")
    company.operator_code = "clean-co"
    company.save()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    page.set_default_timeout(60_000)
    sign_in(page, live_server.url, company)
    page.goto(live_server.url + "/facilities/")
    assert page.get_by_label("服务运营公司").count() == 0  # its own name, not chosen
    page.get_by_label("编码").fill("GP-9")
    page.get_by_label("类型").select_option(label="垃圾收集点")
    click_map_at(page, 121.405, 31.105)
    page.get_by_role("button", name="登记设施").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记设施 GP-9")
    assert Facility.objects.get().operator_id == "clean-co"
    assert only_refusals(page.errors) == []
    context.close()


def test_the_same_form_sent_twice_registers_once(client, geography):
    town = make_user("town", TOWN_A)
    client.force_login(town)
    html = client.get("/facilities/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    body = {"code": "PT-1", "kind": "public_toilet", "lon": "121.405", "lat": "31.105", "status": "in_use",
            "form_token": token}
    assert "已登记设施 PT-1" in client.post("/facilities/", body, follow=True).content.decode()
    again = client.post("/facilities/", body, follow=True)
    assert "已经提交过" in again.content.decode() and Facility.objects.count() == 1
    same = client.post("/facilities/", {**body, "form_token": ""}, follow=True)  # the same facility typed again
    assert "设施 PT-1 已经登记过，未重复登记" in same.content.decode() and Facility.objects.count() == 1
    taken = client.post("/facilities/", {**body, "kind": "sewage_plant", "form_token": ""})  # another one
    assert taken.status_code == 400 and "编码 PT-1 已被其他设施使用" in taken.content.decode()
    assert Facility.objects.count() == 1
    village_cadre = make_user("village", V1)
    client.force_login(village_cadre)
    refused = client.post("/facilities/", {**body, "code": "PT-2", "form_token": ""})
    assert refused.status_code == 400 and Facility.objects.count() == 1


def test_the_api_registers_through_the_same_service(geography):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user("town", TOWN_A))
    body = {"code": "SP-7", "kind": "sewage_plant", "lon": 121.425, "lat": 31.105, "upkeep_days": 30}
    made = api.post("/api/facilities/", body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["properties"]["village"] == V2
    again = api.post("/api/facilities/", body, format="json")  # a retry makes no second one: the stored one, 200
    assert again.status_code == 200 and again.json() == made.json()
    other = api.post("/api/facilities/", {**body, "kind": "garbage_point"}, format="json")  # another under the code
    assert other.status_code == 400 and other.json()["field"] == "code"
    outside = api.post("/api/facilities/", {**body, "code": "SP-8", "lon": 121.445}, format="json")
    assert outside.status_code == 400 and outside.json()["field"] == "location"
    assert Facility.objects.count() == 1
    api.force_authenticate(make_user("inspector", "310112"))
    assert api.post("/api/facilities/", {**body, "code": "SP-9"}, format="json").status_code == 403
