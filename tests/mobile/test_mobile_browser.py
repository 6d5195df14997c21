"""The field app at /m/ in Debian's Chromium (Playwright) on a phone viewport: online, offline, refused items."""
import io
import os
import re
from urllib.parse import urlparse

import pytest
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from patrol.models import Issue, Photo
from tests.factories import V1, V2, make_geography, make_user, seed_categories, village_point
from tests.playwright_helpers import wait_for_js

# Playwright's sync API runs an event loop in this thread; the ORM calls here are plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Let Playwright see (and take offline) the service worker's own requests, not only the page's.
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class Phone:
    """A phone-sized browser context that records every request and console error."""

    def __init__(self, browser, live_server, lon, lat):
        self.base = live_server.url
        self.context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN",
            timezone_id="Asia/Shanghai",
            permissions=["geolocation"], geolocation={"longitude": lon, "latitude": lat, "accuracy": 8},
        )
        self.context.set_default_timeout(15_000)
        self.requests, self.errors, self.failed = [], [], []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.on("response", lambda r: r.status >= 400 and self.failed.append((r.status, urlparse(r.url).path)))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login_form(self, username, password="pass-1234"):
        self.page.goto(self.base + "/m/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r"/m/$"))

    def login_cookie(self, user):
        client = Client()
        client.force_login(user)
        self.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": self.base}])
        self.page.goto(self.base + "/m/")

    def ready(self, village_text):
        """The service worker controls the page and the boundaries are drawn (the village is known)."""
        wait_for_js(self.page, "navigator.serviceWorker.controller !== null")
        self.expect("report-village", village_text)

    def el(self, testid):
        return self.page.get_by_test_id(testid)

    def expect(self, testid, text):
        from playwright.sync_api import expect

        expect(self.el(testid)).to_contain_text(text)

    def report(self, category, description, photo):
        self.el(f"category-{category}").click()
        self.el("report-photo").set_input_files(photo)
        self.page.locator("[data-testid=report-thumbs] img").first.wait_for()
        self.el("report-description").fill(description)
        self.el("report-submit").click()

    def synced(self, pending):
        """Wait until no sync is running and `pending` items wait to be sent."""
        wait_for_js(self.page,
            "n => document.body.dataset.sync === 'idle' && "
            "document.querySelector('[data-testid=pending-count]').textContent === n", arg=str(pending))

    def assert_local_only(self):
        outside = [u for u in self.requests
                   if not u.startswith(("blob:", "data:")) and urlparse(u).hostname not in LOCAL_HOSTS]
        assert not outside, outside

    def assert_no_errors(self, expected=()):
        """No console or page errors; HTTP errors only the expected (status, path) ones."""
        assert not [e for e in self.errors if not e.startswith("Failed to load resource")], self.errors
        assert set(self.failed) <= {(404, "/favicon.ico"), *expected}, self.failed

    def close(self):
        self.context.close()


def jpeg(size=(2400, 1800), color=(90, 120, 60), name="photo.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=80)
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


@pytest.fixture(scope="module", autouse=True)
def _categories_back(django_db_blocker):
    """Each test here ends with a flush; leave the categories in place for the tests that run after this file."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        seed_categories()
        connections.close_all()


@pytest.fixture
def phone(browser, live_server):
    seed_categories()  # the previous test's flush removed them
    made = []

    def _phone(lon, lat):
        made.append(Phone(browser, live_server, lon, lat))
        return made[-1]

    yield _phone
    for p in made:
        p.close()


def test_online_report_with_photo_lands_in_the_right_village_and_grid(phone):
    make_geography()
    user = make_user("inspector", "310112")
    lon, lat = village_point(V2, grid=2)
    p = phone(lon, lat)
    p.login_form(user.username)
    p.ready("乙村 · 乙村二网格")
    from patrol.models import Category

    for code in Category.objects.values_list("code", flat=True):
        assert p.el(f"category-{code}").count() == 1
    p.report("dry_toilet", "路边小粪缸", jpeg())
    p.synced(0)
    issue = Issue.objects.get()
    assert (issue.village_id, issue.grid_id, issue.category_id) == (V2, V2 + "002", "dry_toilet")
    assert issue.description == "路边小粪缸" and issue.accuracy_m == 8
    photo = Photo.objects.get(issue=issue)
    assert photo.kind == "before" and max(photo.width, photo.height) == 1600  # resized on the phone

    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    body = api.get("/api/issues/", {"mine": "1"}).json()
    assert [(f["properties"]["village"], f["properties"]["grid"]) for f in body["features"]] == [(V2, V2 + "002")]
    p.el("tab-history").click()
    p.expect("history", f"#{issue.pk}")
    p.assert_local_only()
    p.assert_no_errors()


def test_offline_reports_survive_reload_and_arrive_once(phone):
    make_geography()
    user = make_user("inspector", "310112")
    lon, lat = village_point(V1, grid=1)
    p = phone(lon, lat)
    p.login_cookie(user)
    p.ready("甲村 · 甲村一网格")
    p.context.set_offline(True)
    worker = p.context.service_workers[0]
    assert worker.evaluate("fetch('/healthz').then(() => 'online', () => 'offline')") == "offline"
    for i, code in enumerate(["shack", "clutter", "wires"]):
        p.report(code, f"离线上报{i}", jpeg(color=(10 * i, 100, 50)))
        p.expect("pending-count", str(i + 1))
    assert Issue.objects.count() == 0

    response = p.page.reload()  # still offline: the page comes from the service worker's cache
    assert response.from_service_worker
    p.expect("pending-count", "3")
    p.expect("report-village", "甲村")  # boundaries kept on the phone
    p.el("tab-history").click()
    expect(p.el("outbox-item")).to_have_count(3)  # the history tab lists the outbox once IndexedDB answers
    assert Issue.objects.count() == 0

    p.context.set_offline(False)  # the `online` event starts the sync
    p.synced(0)
    issues = Issue.objects.order_by("description")
    assert [i.description for i in issues] == ["离线上报0", "离线上报1", "离线上报2"]
    assert [i.photos.count() for i in issues] == [1, 1, 1]
    assert {i.village_id for i in issues} == {V1}

    p.el("sync-now").click()  # sync again: nothing more arrives
    p.synced(0)
    assert Issue.objects.count() == 3 and Photo.objects.count() == 3
    p.expect("history", "离线上报2")
    p.assert_local_only()
    p.assert_no_errors()


def test_lost_answer_is_retried_without_a_second_problem(phone):
    """The server stored the report but the answer never reached the phone: the retry finds the same problem."""
    make_geography()
    user = make_user("inspector", "310112")
    p = phone(*village_point(V1, grid=2))
    p.login_cookie(user)
    p.ready("甲村")
    lost = []

    def drop_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()  # reaches the server
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    p.page.route("**/api/issues/", drop_answer)
    p.report("sewage", "污水", jpeg())
    for _ in range(100):
        if lost:
            break
        p.page.wait_for_timeout(50)
    p.synced(1)
    assert lost and Issue.objects.count() == 1 and Photo.objects.count() == 0
    p.el("sync-now").click()
    p.synced(0)
    p.page.unroute_all()
    assert Issue.objects.count() == 1 and Photo.objects.count() == 1
    p.assert_local_only()


def test_refused_item_stays_with_its_reason(phone):
    make_geography()
    user = make_user("inspector", V1)  # works in 甲村 only
    p = phone(*village_point(V2, grid=1))  # stands in 乙村
    p.login_cookie(user)
    p.ready("不在您辖区")
    p.report("shack", "辖区外", jpeg())
    p.expect("notice", "退回")
    p.expect("pending-count", "0")
    p.el("tab-history").click()
    p.expect("outbox-error", "辖区")
    p.page.reload()
    p.el("tab-history").click()
    p.expect("outbox-error", "该位置不在您的辖区内")
    assert p.el("outbox-item").get_attribute("data-state") == "refused"
    assert Issue.objects.count() == 0
    p.el("outbox-edit").click()  # back into the form for correction, photo and text kept
    assert p.el("category-shack").get_attribute("aria-pressed") == "true"
    assert p.el("report-description").input_value() == "辖区外"
    assert p.page.locator("[data-testid=report-thumbs] img").count() == 1
    p.assert_local_only()
    p.assert_no_errors({(403, "/api/issues/")})


def test_tasks_rectification_offline_and_reinspection(phone):
    from datetime import timedelta

    from django.utils import timezone

    from patrol.models import ReinspectionSample
    from patrol.services import draw_reinspection, transition_issue
    from tests.factories import close_issue, make_issue

    make_geography()
    inspector, town = make_user("inspector", "310112"), make_user("town", "310112102")
    staff = make_user("village", V1)
    past = timezone.now() - timedelta(days=40)
    old = close_issue(make_issue(inspector, V1, category="shack", reported_at=past - timedelta(days=5)), town, staff,
                      now=past)
    todo = make_issue(inspector, V1, grid=2, category="clutter", description="柴草堆")
    transition_issue(town, todo.pk, "assign")
    sample = next(s for s in draw_reinspection(timezone.localdate()) if s.issue_id == old.pk)

    p = phone(*village_point(V1, grid=2))  # village staff rectify, offline, with an after-photo
    p.login_cookie(staff)
    p.ready("甲村")
    p.el("tab-tasks").click()
    p.expect("tasks", f"#{todo.pk}")
    p.context.set_offline(True)
    p.el(f"rectify-open-{todo.pk}").click()
    p.el(f"rectify-photo-{todo.pk}").set_input_files(jpeg(color=(1, 2, 3)))
    p.el(f"rectify-note-{todo.pk}").fill("已清理")
    p.page.locator("[data-testid=tasks] .thumbs img").first.wait_for()
    p.el(f"rectify-submit-{todo.pk}").click()
    p.expect("pending-count", "1")
    p.expect("tasks", "待发送")
    p.context.set_offline(False)
    p.synced(0)
    todo.refresh_from_db()
    assert todo.status == "submitted" and todo.photos.filter(kind="after").count() == 1
    assert todo.events.get(action="submit").note == "已清理"
    p.assert_local_only()
    p.assert_no_errors()

    q = phone(*village_point(V1))  # the inspector records this month's re-inspection
    q.login_cookie(inspector)
    q.ready("甲村")
    q.el("tab-tasks").click()
    q.el(f"reinspect-held-{sample.pk}").click()
    q.synced(0)
    assert ReinspectionSample.objects.get(pk=sample.pk).result == "held"
    q.expect("tasks", "结果：保持")
    q.assert_local_only()
    q.assert_no_errors()


def test_gcj02_position_is_marked_and_a_likely_duplicate_is_shown(phone):
    from geo.coords import wgs84_to_gcj02
    from tests.factories import make_issue

    make_geography()
    user = make_user("inspector", "310112")
    wgs = (121.427, 31.11)  # in 乙村一网格, 3 m west of 二网格
    earlier = make_issue(user, V2, category="clutter", lon=wgs[0], lat=wgs[1])
    gcj = wgs84_to_gcj02(*wgs)  # a phone app in GCJ-02: ~500 m off, in 二网格 if taken as WGS-84
    assert gcj[0] > 121.43
    p = phone(*gcj)
    p.login_cookie(user)
    p.ready("乙村 · 乙村二网格")
    p.el("report-gcj02").check()
    p.expect("report-village", "乙村一网格")
    assert p.el("report-crs").is_visible()
    p.el("category-clutter").click()
    p.expect("report-duplicates", f"#{earlier.pk}")
    p.report("clutter", "又堆上了", jpeg())
    p.synced(0)
    issue = Issue.objects.exclude(pk=earlier.pk).get()
    assert issue.crs == "gcj02" and issue.grid_id == V2 + "001"
    assert abs(issue.location.x - wgs[0]) < 1e-6 and abs(issue.location.y - wgs[1]) < 1e-6
    p.assert_local_only()
    p.assert_no_errors()


def test_the_new_categories_wait_behind_more_grouped_by_campaign(phone):
    make_geography()
    user = make_user("inspector", "310112")
    p = phone(*village_point(V1, grid=1))
    p.login_cookie(user)
    p.ready("甲村 · 甲村一网格")
    # The first screen: eleven categories and the "more" cell; the nine new ones are hidden until asked for.
    assert p.el("category-wires").is_visible() and not p.el("category-dilapidated_house").is_visible()
    p.el("categories-more").click()
    assert p.el("category-dilapidated_house").is_visible()
    groups = p.page.locator("[data-testid=category-group]").all_inner_texts()
    assert {"净宅", "净地", "净水", "净厕"} <= set(groups)
    p.report("dilapidated_house", "土坯房院墙倒塌", jpeg())
    p.synced(0)
    assert Issue.objects.get().category_id == "dilapidated_house"
    p.assert_no_errors()
