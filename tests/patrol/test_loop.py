"""The closed loop: states, roles × areas × actions, photos, history, escalation, re-inspection."""
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from core.errors import Conflict, Forbidden, NotVisible
from patrol.models import Issue, IssueEvent, ReinspectionSample
from patrol.services import add_photo, draw_reinspection, escalate_overdue, record_reinspection, transition_issue
from tests.factories import V1, V2, V3, close_issue, make_issue, tiny_jpeg

pytestmark = pytest.mark.django_db


def test_full_loop_through_the_api(people, login):
    issue = make_issue(people["inspector"], V1)
    api = login(people["town"])
    r = api.post(f"/api/issues/{issue.pk}/transition/", {"action": "assign", "assignee": "甲村村委"}, format="json")
    assert r.status_code == 200, r.content
    props = r.json()["properties"]
    assert props["status"] == "assigned"
    assert props["deadline"] == (timezone.localdate() + timedelta(days=15)).isoformat()  # dry_toilet default

    api = login(people["village"])
    r = api.post(f"/api/issues/{issue.pk}/transition/", {"action": "submit"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "photos"
    r = api.post(f"/api/issues/{issue.pk}/photos/", {"image": tiny_jpeg(), "kind": "after"}, format="multipart")
    assert r.status_code == 201, r.content
    r = api.post(f"/api/issues/{issue.pk}/transition/",
                 {"action": "submit", "note": "已拆除", "location": [121.405, 31.11]}, format="json")
    assert r.status_code == 200 and r.json()["properties"]["status"] == "submitted"

    r = login(people["town"]).post(f"/api/issues/{issue.pk}/transition/", {"action": "verify"}, format="json")
    assert r.json()["properties"]["status"] == "closed"
    assert r.json()["properties"]["light"] == "green"

    history = login(people["district"]).get(f"/api/issues/{issue.pk}/history/").json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("report", "", "reported"), ("assign", "reported", "assigned"), ("submit", "assigned", "submitted"),
        ("verify", "submitted", "closed"),
    ]
    submit = history[2]
    assert submit["actor"] == people["village"].username and submit["note"] == "已拆除"
    assert submit["location"] == [121.405, 31.11] and submit["photo"].startswith("/api/photos/")
    assert all(e["at"].endswith("Z") or e["at"].endswith("+00:00") for e in history)


def test_illegal_action_is_409_naming_state_and_allowed_actions(people, login):
    issue = make_issue(people["inspector"], V1)
    r = login(people["town"]).post(f"/api/issues/{issue.pk}/transition/", {"action": "verify"}, format="json")
    assert r.status_code == 409
    body = r.json()
    assert body["status"] == "reported" and "待交办" in body["detail"]
    assert body["allowed_actions"] == ["assign"]


def test_reject_returns_to_assigned_and_resubmission_needs_a_new_photo(people):
    issue = make_issue(people["inspector"], V1)
    transition_issue(people["town"], issue.pk, "assign")
    add_photo(people["village"], issue.pk, tiny_jpeg(), "after")
    transition_issue(people["village"], issue.pk, "submit")
    transition_issue(people["town"], issue.pk, "reject", note="未清理干净")
    assert Issue.objects.get(pk=issue.pk).status == "assigned"
    with pytest.raises(Exception) as exc:
        transition_issue(people["village"], issue.pk, "submit")
    assert exc.value.field == "photos"


def test_the_verifier_is_never_the_submitter(people):
    issue = make_issue(people["inspector"], V1)
    transition_issue(people["district"], issue.pk, "assign")
    add_photo(people["district"], issue.pk, tiny_jpeg(), "after")
    transition_issue(people["district"], issue.pk, "submit")
    for action in ("verify", "reject"):
        with pytest.raises(Forbidden):
            transition_issue(people["district"], issue.pk, action)
    transition_issue(people["town"], issue.pk, "verify")
    assert Issue.objects.get(pk=issue.pk).status == "closed"


def _issue_in_state(people, state, village=V1):
    issue = make_issue(people["inspector"], village)
    if state in ("assigned", "submitted", "closed"):
        transition_issue(people["district"], issue.pk, "assign")
    if state in ("submitted", "closed"):
        submitter = people["village"] if village == V1 else people["district"]
        add_photo(submitter, issue.pk, tiny_jpeg(), "after")
        transition_issue(submitter, issue.pk, "submit")
    if state == "closed":
        transition_issue(people["town"] if village in (V1, V2) else people["town_other"], issue.pk, "verify")
    return issue


# (action, state it needs) × who: True = allowed, "404" = not visible (another area), False = refused by role.
MATRIX = {
    ("assign", "reported"): {"inspector": False, "village": False, "town": True, "town_other": "404",
                             "district": True, "supervisor": False, "village_other": "404"},
    ("submit", "assigned"): {"inspector": False, "village": True, "grid": True, "town": False, "town_other": "404",
                             "district": True, "supervisor": False, "village_other": "404"},
    ("verify", "submitted"): {"inspector": False, "village": False, "town": True, "town_other": "404",
                              "district": True, "supervisor": False},
    ("reject", "submitted"): {"inspector": False, "village": False, "town": True, "town_other": "404",
                              "supervisor": False},
    ("reopen", "closed"): {"inspector": True, "village": False, "town": True, "town_other": "404",
                           "district": True, "supervisor": False},
    ("supervise", "assigned"): {"inspector": False, "village": False, "town": False, "district": True,
                                "supervisor": False},
}
CASES = [(action, state, who, expected) for (action, state), row in MATRIX.items() for who, expected in row.items()]


@pytest.mark.parametrize("action, state, who, expected", CASES, ids=[f"{a}-{w}" for a, _, w, _ in CASES])
def test_role_area_action_matrix(people, action, state, who, expected):
    issue = _issue_in_state(people, state)
    user = people[who]
    if action == "submit":
        add_photo(people["district"], issue.pk, tiny_jpeg(color=(1, 2, 3)), "after")
    if expected is True:
        transition_issue(user, issue.pk, action)
        assert IssueEvent.objects.filter(issue=issue, action=action, actor=user).exists()
    else:
        with pytest.raises(NotVisible if expected == "404" else Forbidden):
            transition_issue(user, issue.pk, action)
        assert not IssueEvent.objects.filter(issue=issue, action=action, actor=user).exists()


def test_other_areas_issue_is_404_in_api(people, login):
    issue = make_issue(people["inspector"], V3)
    api = login(people["town"])
    assert api.get(f"/api/issues/{issue.pk}/").status_code == 404
    assert api.get(f"/api/issues/{issue.pk}/history/").status_code == 404
    r = api.post(f"/api/issues/{issue.pk}/transition/", {"action": "assign"}, format="json")
    assert r.status_code == 404
    assert login(people["town_other"]).get(f"/api/issues/{issue.pk}/").status_code == 200


def test_history_cannot_be_rewritten_even_by_sql(people):
    # The application role is refused by privilege; the trigger refuses everyone else (tests/ops/test_roles.py).
    issue = make_issue(people["inspector"], V1)
    event = issue.events.get()
    for sql in ("UPDATE patrol_issueevent SET note = 'forged' WHERE id = %s",
                "DELETE FROM patrol_issueevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="permission denied|append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.note == ""


def test_supervise_and_release_keep_state_and_light(people):
    issue = _issue_in_state(people, "assigned")
    transition_issue(people["district"], issue.pk, "supervise", note="影响大")
    assert Issue.objects.with_light().get(pk=issue.pk).light == "red"
    with pytest.raises(Conflict):
        transition_issue(people["district"], issue.pk, "supervise")
    transition_issue(people["district"], issue.pk, "release")
    got = Issue.objects.with_light().get(pk=issue.pk)
    assert (got.status, got.light, got.red_supervision) == ("assigned", "yellow", False)


def test_lights_are_derived_from_today(people):
    issue = _issue_in_state(people, "assigned")
    deadline = Issue.objects.get(pk=issue.pk).deadline
    assert Issue.objects.with_light(deadline).get(pk=issue.pk).light == "yellow"
    assert Issue.objects.with_light(deadline + timedelta(days=1)).get(pk=issue.pk).light == "red"
    assert Issue.objects.overdue(deadline + timedelta(days=1)).filter(pk=issue.pk).exists()


def test_escalate_overdue_is_idempotent_and_records_why(people):
    issue = _issue_in_state(people, "assigned")
    deadline = Issue.objects.get(pk=issue.pk).deadline
    assert escalate_overdue(today=deadline + timedelta(days=15)) == []  # 15 days overdue: not yet "more than 15"
    call_command("escalate_overdue", "--today", (deadline + timedelta(days=16)).isoformat())
    call_command("escalate_overdue", "--today", (deadline + timedelta(days=17)).isoformat())
    events = IssueEvent.objects.filter(issue=issue, action="supervise")
    assert events.count() == 1
    assert events.get().actor is None and events.get().data["overdue_days"] == 16
    assert "超期16天" in events.get().note
    # Once district staff release it, the timer leaves their decision alone.
    transition_issue(people["district"], issue.pk, "release")
    assert escalate_overdue(today=deadline + timedelta(days=20)) == []


def test_overdue_and_long_unresolved_lists(people, login):
    issue = _issue_in_state(people, "assigned")
    Issue.objects.filter(pk=issue.pk).update(deadline=date(2020, 1, 1), reported_at=timezone.now() - timedelta(days=61))
    _issue_in_state(people, "assigned")
    api = login(people["district"])
    assert [f["id"] for f in api.get("/api/issues/overdue/").json()["features"]] == [issue.pk]
    assert [f["id"] for f in api.get("/api/issues/long-unresolved/").json()["features"]] == [issue.pk]


def test_reinspection_sample_is_reproducible_and_came_back_reopens(people):
    closed = [_issue_in_state(people, "closed", village=v) for v in (V1, V1, V1, V3)]
    still_open = _issue_in_state(people, "assigned", village=V1)
    month = (timezone.localdate().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    call_command("draw_reinspection", "--month", month)
    samples = ReinspectionSample.objects.filter(month=f"{month}-01")
    by_village = {}
    for s in samples:
        by_village.setdefault(s.village_id, []).append(s.issue_id)
    assert {v: len(ids) for v, ids in by_village.items()} == {V1: 1, V3: 1}  # 10% of 3 rounds to 0 → at least 1
    again = draw_reinspection(month)
    assert sorted(s.pk for s in again) == sorted(s.pk for s in samples)
    ReinspectionSample.objects.all().delete()
    assert sorted(s.issue_id for s in draw_reinspection(month)) == sorted(i for ids in by_village.values() for i in ids)

    sample = ReinspectionSample.objects.get(village_id=V1)
    record_reinspection(people["inspector"], sample.pk, "came_back", note="又堆上了")
    issue = Issue.objects.get(pk=sample.issue_id)
    assert issue.status == "assigned" and issue.closed_at is None
    assert list(issue.events.values_list("action", flat=True))[-2:] == ["reinspect", "reopen"]
    held = ReinspectionSample.objects.get(village_id=V3)
    record_reinspection(people["inspector"], held.pk, "held")
    assert Issue.objects.get(pk=held.issue_id).status == "closed"
    # Only closed problems are re-inspected: the sample came from `closed`, never from the open one.
    assert {s.issue_id for s in samples} <= {c.pk for c in closed}
    assert still_open.pk not in {s.issue_id for s in ReinspectionSample.objects.all()}


def test_reinspection_api_lists_and_records(people, login):
    _issue_in_state(people, "closed")
    month = (timezone.localdate().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    draw_reinspection(month)
    api = login(people["inspector"])
    listed = api.get("/api/reinspections/", {"month": month}).json()
    assert len(listed) == 1
    r = api.post(f"/api/reinspections/{listed[0]['id']}/record/", {"result": "held"}, format="json")
    assert r.status_code == 200 and r.json()["result"] == "held"
    r = api.post(f"/api/reinspections/{listed[0]['id']}/record/", {"result": "maybe"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "result"


def test_close_issue_helper_runs_the_loop(people):
    issue = close_issue(make_issue(people["inspector"], V1), people["town"], people["village"])
    assert issue.status == "closed" and issue.closed_at is not None


def test_detail_page_shows_history_and_runs_the_loop(people, client):
    issue = make_issue(people["inspector"], V1)
    client.force_login(people["town"])
    page = client.get(f"/issues/{issue.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "处置记录" in html and "上报" in html and 'value="assign"' in html
    response = client.post(f"/issues/{issue.pk}/", {"action": "assign", "note": "请尽快整改"})
    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).status == "assigned"
    refused = client.post(f"/issues/{issue.pk}/", {"action": "verify"})
    assert refused.status_code == 400 and "不能执行" in refused.content.decode()
    client.force_login(people["town_other"])
    assert client.get(f"/issues/{issue.pk}/").status_code == 404


def test_python_light_rule_equals_the_sql_one(people):
    from patrol.querysets import light_of

    issues = [_issue_in_state(people, s) for s in ("reported", "assigned", "submitted", "closed")]
    transition_issue(people["district"], issues[1].pk, "supervise")
    Issue.objects.filter(pk=issues[2].pk).update(deadline=date(2020, 1, 1))
    today = timezone.localdate()
    for issue in Issue.objects.with_light(today):
        assert light_of(issue, today) == issue.light
    assert sorted(Issue.objects.with_light(today).values_list("light", flat=True)) == ["green", "red", "red", "yellow"]
