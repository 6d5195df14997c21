"""The patrol page (/patrols/) in Chromium (issue 30): a supervisor plans from a town office picked in the list or
from a point clicked on the map (no longitude/latitude typed); an inspector uploads a GPX track (上传轨迹) and the
month's coverage counts it; a broken file is refused in Chinese next to the field, nothing stored; a plan form sent
twice makes one plan."""
import os
import re
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from geo.models import Town
from planning.models import PatrolPlan, Track
from tests.factories import DISTRICT, TOWN_A, V1, V2, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(autouse=True)
def fast_solver(settings):
    settings.PATROL = {**settings.PATROL, "PLAN_SOLVER_SECONDS": 0.5}


def test_supervisor_plans_from_the_town_office_or_a_clicked_point(browser, live_server, geography):
    Town.objects.filter(code=TOWN_A).update(office=Point(121.402, 31.103, srid=4326))
    supervisor = make_user("supervisor", DISTRICT)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch_errors(context.new_page())
    page.set_default_timeout(60_000)
    sign_in(page, live_server.url, supervisor)
    page.goto(live_server.url + "/patrols/")
    start = page.get_by_label("出发点", exact=True)
    start.select_option(label="镇政府：甲镇")
    assert page.get_by_label("出发点经度").input_value() == "121.402"
    page.get_by_label("组数").fill("1")
    page.get_by_role("button", name="生成巡查计划").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成巡查计划")
    plan = PatrolPlan.objects.get()
    assert (plan.start.x, plan.start.y) == pytest.approx((121.402, 31.103), abs=1e-9)
    assert plan.created_by == supervisor and plan.teams == 1

    # A point on the map instead: one click, the list turns to "地图上点选的位置".
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    expect(page.get_by_label("出发点", exact=True)).to_have_value("")
    lon, lat = float(page.get_by_label("出发点经度").input_value()), float(page.get_by_label("纬度").input_value())
    assert (lon, lat) != (121.402, 31.103)
    page.get_by_role("button", name="生成巡查计划").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成巡查计划")
    clicked = PatrolPlan.objects.order_by("-id").first()
    assert clicked.pk != plan.pk
    assert (clicked.start.x, clicked.start.y) == pytest.approx((lon, lat), abs=1e-6)

    # Bad input: the error in Chinese next to 组数, no plan stored.
    page.get_by_label("组数").fill("0")
    page.get_by_role("button", name="生成巡查计划").click()
    error = page.locator("#plan-teams ~ [data-testid=field-error]")
    expect(error).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text())
    assert PatrolPlan.objects.count() == 2
    assert [e for e in page.errors if " 400 " not in f" {e} " and "status of 400" not in e] == []
    context.close()


def test_inspector_uploads_a_gpx_track_and_the_coverage_counts_it(browser, live_server, geography, tmp_path):
    inspector = make_user("inspector", DISTRICT)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = watch_errors(context.new_page())
    page.set_default_timeout(60_000)
    sign_in(page, live_server.url, inspector)
    page.goto(live_server.url + "/patrols/")
    assert page.get_by_role("button", name="生成巡查计划").count() == 0  # an inspector does not plan

    broken = tmp_path / "broken.gpx"
    broken.write_bytes(b"<gpx><trk><trkseg><trkpt lat='31.1' lon='121.4'></trkseg></gpx>")
    page.get_by_label("GPX 轨迹文件").set_input_files(str(broken))
    page.get_by_role("button", name="上传轨迹").click()
    error = page.locator("#track-file ~ [data-testid=field-error]")
    expect(error).to_contain_text("损坏")
    assert Track.objects.count() == 0

    page.get_by_label("GPX 轨迹文件").set_input_files(str(DATA / "track.gpx"))
    page.get_by_role("button", name="上传轨迹").click()
    expect(page.locator(".alert-success")).to_contain_text("已上传轨迹：2026-03-10，途经 2 个行政村")
    assert page.url.endswith("/patrols/coverage/?month=2026-03")
    track = Track.objects.get()
    assert track.uploaded_by == inspector
    assert sorted(track.villages.values_list("code", flat=True)) == [V1, V2]
    expect(page.locator("main")).to_contain_text("2 个未巡查")
    assert [e for e in page.errors if " 400 " not in f" {e} " and "status of 400" not in e] == []
    context.close()


def test_the_same_forms_sent_twice_make_one_plan_and_one_track(client, geography):
    from django.core.files.uploadedfile import SimpleUploadedFile

    town = make_user("town", TOWN_A)
    client.force_login(town)
    html = client.get("/patrols/").content.decode()
    tokens = re.findall(r'name="form_token" value="([^"]+)"', html)
    assert len(tokens) == 2
    body = {"teams": "1", "hours": "8", "start_town": TOWN_A, "form_token": tokens[0]}
    assert "已生成巡查计划" in client.post("/patrols/", body, follow=True).content.decode()
    again = client.post("/patrols/", body, follow=True)
    assert "已经提交过" in again.content.decode() and PatrolPlan.objects.count() == 1

    def gpx():
        return SimpleUploadedFile("track.gpx", (DATA / "track.gpx").read_bytes(), content_type="application/gpx+xml")

    first = client.post("/patrols/tracks/", {"file": gpx(), "form_token": tokens[1]}, follow=True)
    assert "已上传轨迹" in first.content.decode()
    second = client.post("/patrols/tracks/", {"file": gpx(), "form_token": tokens[1]}, follow=True)
    assert "已经上传过" in second.content.decode() and Track.objects.count() == 1
    bad_town = client.post("/patrols/", {"teams": "1", "start_town": "310112103"})  # town B: not theirs
    assert bad_town.status_code == 400 and "出发点的街镇不存在或不在您的辖区内" in bad_town.content.decode()
