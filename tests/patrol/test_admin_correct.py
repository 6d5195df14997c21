"""The admin no longer edits a problem's fields: each change goes through the "correct" action, which writes an
event, and past months' lights stay as they were."""
from datetime import date

import pytest
from django.urls import reverse

from assessment.monthly import month_metrics
from patrol.history import area_lights, states_at_month_end
from patrol.models import Issue, IssueEvent
from patrol.services import transition_issue
from tests.factories import at, close_issue, make_issue, make_user, village_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(geography, client):
    admin = make_user("admin", "310112")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    inspector = make_user("inspector", "310112")
    town = make_user("town", "310112102")
    village = make_user("village", "310112102202")
    issue = make_issue(inspector, village="310112102201", reported_at=at(2026, 9, 5))
    transition_issue(town, issue.pk, "assign", deadline=date(2026, 9, 20), now=at(2026, 9, 6))
    other = make_issue(inspector, village="310112102202", category="shack", reported_at=at(2026, 9, 7))
    close_issue(other, town, village, now=at(2026, 9, 8))
    client.force_login(admin)
    issue.refresh_from_db()
    return client, issue


def past():
    """Everything the past months show: every issue's rebuilt state, the villages' lights and the assessment's
    month figures, for the district and for the problem's first village and town and the one it is moved to."""
    out = {}
    for month in ("2026-09", "2026-10"):
        states = states_at_month_end(month)
        out[month] = (sorted(states), area_lights(states, lambda s: s.village_id),
                      sorted(states_at_month_end(month, "310112102201")),
                      *(_plain(month_metrics(month, area)) for area in (None, "310112102", "310112102201",
                                                                        "310112103", "310112103201")))
    return out


def _plain(metrics):
    return {village: dict(m) for village, m in metrics.items() if m["found"] or m["open"] or m["closed"]}


def form_data(issue, **change):
    data = {"category": issue.category_id, "source": issue.source, "lon": issue.location.x, "lat": issue.location.y,
            "deadline": issue.deadline.isoformat() if issue.deadline else "", "assignee": issue.assignee,
            "description": issue.description, "reason": "现场核实后更正"}
    data.update(change)
    return data


CHANGES = [
    ("category", {"category": "shack"}, lambda i: i.category_id == "shack"),
    ("source", {"source": "third_party"}, lambda i: i.source == "third_party"),
    ("location", dict(zip(("lon", "lat"), village_point("310112103201", 2), strict=True)),
     lambda i: (i.village_id, i.grid_id, i.town_id) == ("310112103201", "310112103201002", "310112103")),
    ("deadline", {"deadline": "2027-01-15"}, lambda i: i.deadline == date(2027, 1, 15)),
    ("assignee", {"assignee": "某保洁公司"}, lambda i: i.assignee == "某保洁公司"),
    ("description", {"description": "更正后的描述"}, lambda i: i.description == "更正后的描述"),
]


def test_each_field_changes_only_through_a_correction_event(setting):
    client, issue = setting
    before = past()
    assert before["2026-09"][1]["310112102201"]["light"] == "red"  # overdue at September's end
    url = reverse("admin:patrol_issue_correct", args=[issue.pk])
    for n, (field, change, check) in enumerate(CHANGES, start=1):
        issue.refresh_from_db()
        answer = client.post(url, form_data(issue, **change))
        assert answer.status_code == 302, answer.content.decode()[:2000]
        issue.refresh_from_db()
        assert check(issue), field
        events = IssueEvent.objects.filter(issue=issue, action="correct").order_by("id")
        assert events.count() == n
        event = events.last()
        assert event.note == "现场核实后更正" and event.actor.username.startswith("admin")
        key = "category_id" if field == "category" else field
        assert key in event.data["fields"] and key in event.data["before"] and key in event.data["after"]
        if field == "location":  # what history needs to place the problem where it stood
            assert event.data["before"]["village_id"] == "310112102201"
        assert past() == before, f"past months changed after correcting {field}"
    # Today's state shows the corrections.
    now_states = [s for s in states_at_month_end("2026-12") if s.id == issue.pk]
    assert (now_states[0].category_id, now_states[0].village_id, now_states[0].source) == (
        "shack", "310112103201", "third_party")


def test_correction_needs_a_reason_and_a_change(setting):
    client, issue = setting
    url = reverse("admin:patrol_issue_correct", args=[issue.pk])
    answer = client.post(url, form_data(issue, category="shack", reason=""))
    assert answer.status_code == 200 and "reason" in answer.context["form"].errors
    answer = client.post(url, form_data(issue))
    assert "没有任何字段发生变化" in answer.content.decode()
    assert not IssueEvent.objects.filter(issue=issue, action="correct").exists()
    assert Issue.objects.get(pk=issue.pk).category_id == "dry_toilet"


def test_change_page_edits_nothing(setting):
    client, issue = setting
    url = reverse("admin:patrol_issue_change", args=[issue.pk])
    page = client.get(url).content.decode()
    assert 'name="category"' not in page and 'name="deadline"' not in page
    assert reverse("admin:patrol_issue_correct", args=[issue.pk]) in page
    answer = client.post(url, form_data(issue, category="shack"))
    assert answer.status_code == 403
    assert Issue.objects.get(pk=issue.pk).category_id == "dry_toilet"
    # the changelist action leads to the correction form
    answer = client.post(reverse("admin:patrol_issue_changelist"),
                         {"action": "correct_selected", "_selected_action": [issue.pk]})
    assert answer.status_code == 302 and answer.url.endswith(f"/{issue.pk}/correct/")
