"""A structure already demolished, recorded as done (plan 002): seed 002 “全面拆除、清理公路沿线及村庄可视范围内的
残垣断壁、废旧温棚、破旧广告等，各村每周整治不少于5处” and “各村每周拆除不少于3户”. The problem is created
closed with its before and after photos, rather than reported first and verified later, and counts toward the
week's quota."""
import io
import os
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patrol import services
from patrol.models import Issue, IssueEvent
from tests.factories import DISTRICT, TOWN_A, V1, make_user, village_point

pytestmark = pytest.mark.django_db
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def photo(color, name="p.jpg"):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_town_staff_record_a_demolished_wall_closed_with_both_photos(geography, login):
    town = make_user("town", TOWN_A)
    lon, lat = village_point(V1)
    key = str(uuid.uuid4())
    body = {"lon": lon, "lat": lat, "category": "ruined_wall", "client_uuid": key, "description": "村口残墙",
            "before": photo((200, 10, 10), "before.jpg"), "after": photo((10, 200, 10), "after.jpg")}
    r = login(town).post("/api/issues/demolished/", body, format="multipart")
    assert r.status_code == 201, r.content
    issue = Issue.objects.get()
    assert (issue.status, issue.village_id, issue.source) == ("closed", V1, "town_self_check")
    assert issue.closed_at is not None and sorted(issue.photos.values_list("kind", flat=True)) == ["after", "before"]
    events = list(IssueEvent.objects.filter(issue=issue).order_by("at", "id").values_list("action", "to_status"))
    assert events == [("report", "reported"), ("verify", "closed")]
    assert IssueEvent.objects.get(issue=issue, action="verify").data["done_on_report"] is True
    # A retry (same client_uuid) stores nothing more.
    body.update(before=photo((200, 10, 10), "before.jpg"), after=photo((10, 200, 10), "after.jpg"))
    again = login(town).post("/api/issues/demolished/", body, format="multipart")
    assert again.status_code == 200 and Issue.objects.count() == 1 and IssueEvent.objects.count() == 2


def test_the_closure_counts_toward_the_campaign_week(geography, login):
    from django.utils import timezone

    from campaigns import services as campaigns

    district, town = make_user("district", DISTRICT), make_user("town", TOWN_A)
    today = timezone.localdate()
    campaign = campaigns.create_campaign(district, {
        "name": "冬季战役", "areas": [TOWN_A], "start": (today - timezone.timedelta(days=10)).isoformat(),
        "end": (today + timezone.timedelta(days=30)).isoformat(),
        "quotas": [{"name": "危房", "categories": ["dilapidated_house"], "per_village_per_week": 3}]})
    lon, lat = village_point(V1)
    services.record_demolished(town, before=photo((1, 2, 3)), after=photo((3, 2, 1)), lon=lon, lat=lat,
                               category="dilapidated_house", client_uuid=uuid.uuid4())
    week = campaigns.week_progress(campaign, campaigns.week_monday(today))
    assert next(v for v in week["villages"] if v["code"] == V1)["quotas"][0]["done"] == 1


@pytest.mark.parametrize("change, field, status", [
    ({"category": "dry_toilet"}, "category", 400),  # not a demolition
    ({"before": None}, "before", 400),
    ({"after": None}, "after", 400),
    ({"lon": 0, "lat": 0}, "geometry", 400),
])
def test_bad_records_are_refused_naming_the_field_and_store_nothing(geography, login, change, field, status):
    town = make_user("town", TOWN_A)
    lon, lat = village_point(V1)
    body = {"lon": lon, "lat": lat, "category": "ruined_wall", "client_uuid": str(uuid.uuid4()),
            "before": photo((200, 10, 10)), "after": photo((10, 200, 10)), **change}
    body = {k: v for k, v in body.items() if v is not None}
    r = login(town).post("/api/issues/demolished/", body, format="multipart")
    assert r.status_code == status, r.content
    assert field in str(r.json())
    assert not Issue.objects.exists()


def test_only_staff_who_verify_may_record_it(geography, login):
    lon, lat = village_point(V1)
    for role, area in (("inspector", DISTRICT), ("village", V1), ("leader", DISTRICT)):
        r = login(make_user(role, area)).post("/api/issues/demolished/", {
            "lon": lon, "lat": lat, "category": "ruined_wall", "client_uuid": str(uuid.uuid4()),
            "before": photo((1, 1, 1)), "after": photo((2, 2, 2))}, format="multipart")
        assert r.status_code == 403, (role, r.content)
    assert not Issue.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_town_staff_record_it_on_the_page_with_the_phones_position(browser, live_server, geography, tmp_path):
    """On a phone: 使用当前位置 fills the coordinates from the device, the two photos are chosen, 登记已拆除 stores the
    problem closed and opens its page with the message; without the after-photo the page says so next to it."""
    from tests.factories import seed_categories
    from tests.playwright_helpers import sign_in, watch_errors

    seed_categories()
    town = make_user("town", TOWN_A)
    lon, lat = village_point(V1)
    before, after = tmp_path / "before.jpg", tmp_path / "after.jpg"
    before.write_bytes(photo((200, 10, 10)).read())
    after.write_bytes(photo((10, 200, 10)).read())
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    page = watch_errors(context.new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, town)
    page.goto(live_server.url + "/issues/demolished/new/")
    page.get_by_label("类别").select_option(label="危房/土坯房")
    page.get_by_role("button", name="使用当前位置").click()
    for _ in range(100):
        if page.get_by_label("经度").input_value():
            break
        page.wait_for_timeout(100)
    assert abs(float(page.get_by_label("经度").input_value()) - lon) < 1e-5
    page.get_by_label("拆除前照片").set_input_files(str(before))
    page.get_by_role("button", name="登记已拆除").click()
    page.wait_for_load_state("networkidle")
    assert "请上传拆除后照片" in page.get_by_test_id("field-error").inner_text()
    assert not Issue.objects.exists()
    page.errors.clear()  # the refused form answered 400, as it should

    page.get_by_label("拆除前照片").set_input_files(str(before))
    page.get_by_label("拆除后照片").set_input_files(str(after))
    page.get_by_role("button", name="登记已拆除").click()
    page.wait_for_load_state("networkidle")
    issue = Issue.objects.get()
    assert (issue.status, issue.category_id, issue.reporter) == ("closed", "dilapidated_house", town)
    assert f"已登记 #{issue.pk}" in page.get_by_test_id("messages").inner_text()
    assert page.url.endswith(f"/issues/{issue.pk}/")
    assert page.errors == []


def test_what_no_plan_sets_is_labelled_a_project_default_where_people_read_it(geography, login):
    """Issue 25: the 净水 group, the facilities' 48 h / 72 h work-order deadlines and the task lights' yellow line
    are ours, not a plan's, and the pages and the API say so (DOMAIN: "Categories under 净水 … are grouped so by
    the project; plan 000 names 净厕, 净地 and 净宅 only. Work-order deadlines of facilities (48 h, 72 h) are
    project defaults"; "the colours, the monthly schedule (target × k/12) and the yellow threshold are project
    defaults")."""
    from django.test import Client

    from tests.factories import seed_categories

    seed_categories()
    district = make_user("district", DISTRICT)
    cats = {c["code"]: c for c in login(district).get("/api/categories/").json()}
    assert cats["black_water"]["campaign"] == "净水" and cats["black_water"]["campaign_source"].startswith("项目默认")
    assert cats["dry_toilet"]["campaign_source"] == "工作方案 000"
    page = Client()
    page.force_login(district)
    orders = page.get("/workorders/")
    assert orders.status_code == 200
    orders = orders.content.decode()
    assert "48 小时" in orders and "72 小时" in orders and "均为本系统默认" in orders
    tasks = page.get("/tasks/")
    assert tasks.status_code == 200 and "黄灯线均为项目默认" in tasks.content.decode()
