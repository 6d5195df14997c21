"""Scanning a label and reporting without an account: orders, merging, the problem loop, 404s, rate limits."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.models import Facility, OrderState, WorkOrder
from patrol.models import Issue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]


def post(client, code, body, **extra):
    return client.post(reverse("facilities:report", args=[code]), body, content_type="application/json", **extra)


def test_scan_page_shows_kind_village_and_three_buttons(facilities):
    client = Client(enforce_csrf_checks=True)
    r = client.get(reverse("facilities:scan", args=["F1"]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "户厕" in html and "甲村" in html
    for label in ("满了要抽", "坏了要修", "不干净"):
        assert label in html
    assert "http://" not in html.replace("http://testserver", "")  # local assets only


def test_report_creates_order_and_public_problem_without_session_or_csrf(facilities):
    client = Client(enforce_csrf_checks=True)
    r = post(client, "F1", {"need": "pump", "note": "满了", "phone": "13800000000"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["merged"] is False
    order = WorkOrder.objects.get(pk=body["order"]["id"])
    assert order.state == OrderState.OPEN and order.operator_id == "clean-co" and order.phone == "13800000000"
    assert order.deadline - order.reported_at == timedelta(hours=48)
    issue = Issue.objects.get(pk=order.issue_id)
    assert issue.source == "public_report" and issue.category_id == "problem_toilet"
    assert issue.village_id == "310112102201" and issue.events.count() == 1
    assert Facility.objects.get(code="F1").open_orders == 1
    assert "phone" not in body["order"] and "13800000000" not in r.content.decode()


def test_form_post_also_works(facilities):
    r = Client(enforce_csrf_checks=True).post(reverse("facilities:report", args=["F2"]), {"need": "dirty"})
    assert r.status_code == 201
    assert r.json()["order"]["need"] == "dirty"


def test_same_need_within_the_hour_merges_later_or_other_need_does_not(facilities):
    client = Client()
    first = post(client, "F1", {"need": "repair"}).json()["order"]["id"]
    again = post(client, "F1", {"need": "repair", "note": "还是坏的"})
    assert again.status_code == 200 and again.json() == {"order": again.json()["order"], "merged": True}
    assert again.json()["order"]["id"] == first and again.json()["order"]["reports"] == 2
    other = post(client, "F1", {"need": "pump"})
    assert other.status_code == 201 and other.json()["order"]["id"] != first
    # An hour and more later the same need opens a new order.
    WorkOrder.objects.filter(pk=first).update(last_reported_at=timezone.now() - timedelta(minutes=61))
    later = post(client, "F1", {"need": "repair"})
    assert later.status_code == 201 and later.json()["order"]["id"] != first
    assert Issue.objects.filter(source="public_report").count() == 3
    f1 = Facility.objects.get(code="F1")
    assert f1.status == "problem" and f1.open_orders == 3


def test_unknown_codes_all_get_the_same_404(facilities):
    client = Client()
    bodies = set()
    for code in ("NOPE", "F9", "x" * 39, "f1"):
        r = post(client, code, {"need": "pump"})
        assert r.status_code == 404
        bodies.add(r.content)
        g = client.get(reverse("facilities:scan", args=[code]))
        assert g.status_code == 404
        bodies.add(b"page:" + g.content)
    assert len(bodies) == 2  # one body for the report, one for the page, whatever the code


def test_bad_need_is_400_naming_the_field(facilities):
    r = post(Client(), "F1", {"need": "fix"})
    assert r.status_code == 400 and r.json()["field"] == "need"
    assert not WorkOrder.objects.exists()


def test_rate_limited_per_client(facilities, settings):
    settings.FACILITIES = {**settings.FACILITIES, "RATE_PER_CLIENT": "3/h", "RATE_PER_FACILITY": "100/h"}
    client = Client()
    codes = [post(client, "F1", {"need": "pump"}).status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    assert post(client, "F2", {"need": "pump"}).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post(other, "F2", {"need": "pump"}).status_code == 201


def test_rate_limited_per_facility_even_for_unknown_codes(facilities, settings):
    settings.FACILITIES = {**settings.FACILITIES, "RATE_PER_CLIENT": "100/h", "RATE_PER_FACILITY": "2/h"}
    for i in range(2):
        assert post(Client(REMOTE_ADDR=f"10.0.1.{i}"), "F1", {"need": "pump"}).status_code in (200, 201)
    assert post(Client(REMOTE_ADDR="10.0.1.9"), "F1", {"need": "pump"}).status_code == 429
    assert post(Client(REMOTE_ADDR="10.0.1.9"), "F2", {"need": "pump"}).status_code == 201
    # An unknown code is limited alike, so a 429 tells nothing about which codes exist.
    statuses = [post(Client(REMOTE_ADDR=f"10.0.2.{i}"), "GHOST", {"need": "pump"}).status_code for i in range(3)]
    assert statuses == [404, 404, 429]


def test_reopen_after_done_is_linked(facilities, clean_user):
    from tests.factories import tiny_jpeg

    o = services.report("F1", "pump").order
    services.accept(clean_user, o.pk)
    services.add_after_photo(clean_user, o.pk, tiny_jpeg())
    services.done(clean_user, o.pk)
    again = services.report("F1", "pump").order
    assert again.pk != o.pk and again.reopen_of_id == o.pk


def test_kind_without_category_makes_only_an_order(facilities):
    o = services.report("F4", "dirty").order
    assert o.issue_id is None and o.deadline - o.reported_at == timedelta(hours=24)


def test_scan_page_rate_limited_per_client(facilities, settings):
    settings.FACILITIES = {**settings.FACILITIES, "RATE_SCAN_PER_CLIENT": "2/h"}
    client = Client(REMOTE_ADDR="10.0.3.1")
    statuses = [client.get(reverse("facilities:scan", args=[code])).status_code for code in ("F1", "NOPE", "F1")]
    assert statuses == [200, 404, 429]
    assert Client(REMOTE_ADDR="10.0.3.2").get(reverse("facilities:scan", args=["F1"])).status_code == 200
