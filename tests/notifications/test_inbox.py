"""The in-app inbox: who is told about what, in the event's own transaction, and never outside the area."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from notifications.services import deadline_reminders, weekly_digest
from patrol.models import Issue
from patrol.services import add_photo, draw_reinspection, transition_issue
from tests.factories import DISTRICT, TOWN_A, TOWN_B, close_issue, make_issue, make_user, tiny_jpeg

V1, V2, V3 = "310112102201", "310112102202", "310112103201"


@pytest.fixture
def people(geography):
    return {
        "district": make_user(Role.DISTRICT, DISTRICT),
        "town_a": make_user(Role.TOWN, TOWN_A),
        "town_b": make_user(Role.TOWN, TOWN_B),
        "village": make_user(Role.VILLAGE, V1),
        "grid": make_user(Role.VILLAGE, V1 + "001"),
        "other_village": make_user(Role.VILLAGE, V2),
        "village_b": make_user(Role.VILLAGE, V3),
        "inspector": make_user(Role.INSPECTOR, DISTRICT),
        "inspector_b": make_user(Role.INSPECTOR, TOWN_B),
        "leader": make_user(Role.LEADER, DISTRICT),
        "leader_b": make_user(Role.LEADER, TOWN_B),
    }


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_assign_tells_the_village_and_nobody_else(people):
    issue = make_issue(people["inspector"], village=V1, grid=1)
    transition_issue(people["town_a"], issue.pk, "assign")
    assert kinds(people["village"]) == ["assigned"] and kinds(people["grid"]) == ["assigned"]
    for name in ("other_village", "village_b", "town_b", "inspector", "leader", "district", "town_a"):
        assert kinds(people[name]) == [], name
    n = Notification.objects.get(user=people["village"])
    assert n.issue_id == issue.pk and f"#{issue.pk}" in n.text


def test_submit_reject_tell_verifiers_and_submitter(people):
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["district"], issue.pk, "assign")
    add_photo(people["village"], issue.pk, tiny_jpeg(), "after")
    transition_issue(people["village"], issue.pk, "submit")
    assert kinds(people["town_a"]) == ["to_verify"]
    assert kinds(people["district"]) == ["to_verify"]  # the district user who assigned it
    assert kinds(people["town_b"]) == []
    transition_issue(people["town_a"], issue.pk, "reject", note="照片看不清")
    assert kinds(people["village"]) == ["assigned", "rejected"]
    assert "照片看不清" in Notification.objects.get(user=people["village"], kind="rejected").text
    assert kinds(people["grid"]) == ["assigned"]  # only the one who submitted hears of the rejection


def test_written_in_the_same_transaction(people):
    issue = make_issue(people["inspector"], village=V1)
    with pytest.raises(RuntimeError), transaction.atomic():
        transition_issue(people["town_a"], issue.pk, "assign")
        assert kinds(people["village"]) == ["assigned"]
        raise RuntimeError("the request fails after the transition")
    assert Issue.objects.get(pk=issue.pk).status == "reported"
    assert not Notification.objects.exists()


def test_api_lists_own_and_marks_read(people, login):
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["town_a"], issue.pk, "assign")
    client = login(people["village"])
    body = client.get(reverse("notifications:notifications")).json()
    assert len(body) == 1 and set(body[0]) == {"id", "kind", "text", "issue", "order", "read", "created"}
    assert body[0]["kind"] == "assigned" and body[0]["issue"] == issue.pk and body[0]["read"] is False
    nid = body[0]["id"]
    assert login(people["grid"]).post(reverse("notifications:read", args=[nid])).status_code == 404
    r = login(people["village"]).post(reverse("notifications:read", args=[nid]))
    assert r.status_code == 200 and r.json()["read"] is True
    assert login(people["village"]).get(reverse("notifications:notifications"), {"unread": 1}).json() == []
    assert login(people["grid"]).get(reverse("notifications:unread-count")).json() == {"unread": 1}


def test_list_query_count_does_not_grow(people, login, django_assert_num_queries):
    for _ in range(5):
        transition_issue(people["town_a"], make_issue(people["inspector"], village=V1).pk, "assign")
    client = login(people["village"])
    with django_assert_num_queries(1):
        assert len(client.get(reverse("notifications:notifications")).json()) == 5


def test_order_notifications(people, login):
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["town_a"], issue.pk, "assign")
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()
    r = login(people["district"]).post(reverse("supervision:orders"), {
        "problems": [issue.pk], "addressee": TOWN_A, "deadline": deadline, "requirements": "", "reflect": False},
        format="json")
    order_id = r.json()["id"]
    assert kinds(people["town_a"]) == ["order_issued"] and kinds(people["town_b"]) == []
    n = Notification.objects.get(user=people["town_a"], kind="order_issued")
    assert n.order_id == order_id and r.json()["number"] in n.text
    login(people["town_a"]).post(reverse("supervision:order-answer", args=[order_id]), {"report": "ok"},
                                 format="json")
    assert "order_answered" in kinds(people["district"])
    login(people["district"]).post(reverse("supervision:order-return", args=[order_id]), {"note": "再查"},
                                   format="json")
    assert kinds(people["town_a"]) == ["order_issued", "order_returned"]


def test_daily_reminders_once(people):
    soon = make_issue(people["inspector"], village=V1)
    late = make_issue(people["inspector"], village=V3)
    today = timezone.localdate()
    transition_issue(people["town_a"], soon.pk, "assign", deadline=today + timedelta(days=3))
    transition_issue(people["district"], late.pk, "assign")
    Issue.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))
    assert deadline_reminders(today=today) == (1, 1)
    assert deadline_reminders(today=today) == (0, 0)
    call_command("notify_deadlines")
    assert kinds(people["village"]) == ["assigned", "due_soon"]
    assert kinds(people["village_b"]) == ["assigned", "overdue"]
    assert Notification.objects.filter(kind__in=["due_soon", "overdue"]).count() == 3  # village, grid, village_b


def test_reinspection_drawn_tells_inspectors_of_the_area(people):
    issue = make_issue(people["inspector"], village=V1)
    close_issue(issue, people["town_a"], people["village"])
    draw_reinspection(timezone.localdate() + timedelta(days=40))
    assert kinds(people["inspector"]) == ["reinspection"]
    assert "reinspection" in kinds(people["town_a"])
    assert kinds(people["inspector_b"]) == [] and kinds(people["town_b"]) == []


def test_weekly_digest_for_leaders_of_the_area(people, settings):
    old = make_issue(people["inspector"], village=V1, reported_at=timezone.now() - timedelta(days=70))
    weekly_digest()
    weekly_digest()  # once a week
    n = Notification.objects.get(user=people["leader"])
    assert n.kind == "digest" and "1 个" in n.text and f"#{old.pk}" in n.text
    assert "0 个" in Notification.objects.get(user=people["leader_b"]).text
    assert Notification.objects.filter(kind="digest").count() == 2
