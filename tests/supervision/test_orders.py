"""Red supervision orders: issuing, numbering, the answer loop, the red shadow on maps and lights, the PDF."""
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patrol.models import Issue
from patrol.services import escalate_overdue, transition_issue
from supervision.models import Order
from tests.factories import TOWN_A, TOWN_B, make_issue

V1, V3 = "310112102201", "310112103201"


def _issue(people, village=V1):
    issue = make_issue(people["inspector"], village=village)
    transition_issue(people["district"], issue.pk, "assign")
    return issue


def _order(client, problems, addressee=TOWN_A, **extra):
    body = {"problems": problems, "addressee": addressee,
            "deadline": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "requirements": "加强核查、限期整改", "reflect": True, **extra}
    return client.post(reverse("supervision:orders"), body, format="json")


def test_district_issues_numbered_order_and_problems_turn_red(people, login):
    a, b = _issue(people), _issue(people)
    client = login(people["district"])
    before = client.get(reverse("patrol:issue", args=[a.pk])).json()["properties"]["light"]
    assert before == "yellow"
    r = _order(client, [a.pk, b.pk])
    assert r.status_code == 201, r.json()
    body = r.json()
    year = timezone.localdate().year
    assert body["number"] == f"督办〔{year}〕1号" and body["state"] == "issued" and body["problems"] == [a.pk, b.pk]
    r2 = _order(login(people["supervisor"]), [_issue(people, V3).pk], addressee=TOWN_B)
    assert r2.status_code == 201 and r2.json()["number"] == f"督办〔{year}〕2号"
    # red on the issue, in the list, and in the light filter
    assert client.get(reverse("patrol:issue", args=[a.pk])).json()["properties"]["light"] == "red"
    red = client.get(reverse("patrol:issues"), {"light": "red"}).json()
    assert {f["id"] for f in red["features"]} >= {a.pk, b.pk}
    assert Issue.objects.filter(pk__in=[a.pk, b.pk], red_supervision=True).count() == 2


@pytest.mark.parametrize("role", ["town_a", "village", "leader", "inspector"])
def test_only_district_and_supervisors_issue(people, login, role):
    issue = _issue(people)
    r = _order(login(people[role]), [issue.pk])
    assert r.status_code == 403 and "detail" in r.json()
    assert not Order.objects.exists()


def test_bad_orders_are_refused_naming_the_field(people, login):
    a = _issue(people)
    client = login(people["district"])
    r = _order(client, [a.pk], addressee=TOWN_B)  # problem lies outside the addressee
    assert r.status_code == 400 and r.json()["field"] == "problems"
    r = _order(client, [a.pk], addressee="999")
    assert r.status_code == 400 and r.json()["field"] == "addressee"
    r = _order(client, [a.pk], deadline="2020-01-01")
    assert r.status_code == 400 and r.json()["field"] == "deadline"
    r = _order(client, [987654])
    assert r.status_code == 400 and r.json()["field"] == "problems"
    assert not Order.objects.exists() and not Issue.objects.get(pk=a.pk).red_supervision
    assert _order(client, [a.pk]).status_code == 201
    r = _order(client, [a.pk])  # already under an open order
    assert r.status_code == 409 and r.json()["field"] == "problems"


def test_retry_with_same_uuid_makes_one_order(people, login):
    a = _issue(people)
    client = login(people["district"])
    key = str(uuid.uuid4())
    assert _order(client, [a.pk], client_uuid=key).status_code == 201
    r = _order(client, [a.pk], client_uuid=key)
    assert r.status_code == 200 and Order.objects.count() == 1


def test_answer_return_close_and_release(people, login):
    a = _issue(people)
    district = login(people["district"])
    order_id = _order(district, [a.pk]).json()["id"]
    url = lambda name: reverse(f"supervision:order-{name}", args=[order_id])  # noqa: E731
    # the other town does not see it; the village is not the addressee; close before an answer is a conflict
    assert login(people["town_b"]).post(url("answer"), {"report": "x"}, format="json").status_code == 404
    assert login(people["district"]).post(url("close"), {}, format="json").status_code == 409
    town = login(people["town_a"])
    assert town.post(url("answer"), {"report": ""}, format="json").status_code == 400
    similar = make_issue(people["town_a"], village=V1, source="town_self_check")
    r = town.post(url("answer"), {"report": "已清理，举一反三排查一处", "similar": [similar.pk]}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "answered"
    assert r.json()["answers"][0]["similar"] == [similar.pk]
    district = login(people["district"])
    assert district.post(url("return"), {"note": ""}, format="json").status_code == 400
    r = district.post(url("return"), {"note": "照片不清晰"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "returned"
    assert Issue.objects.get(pk=a.pk).red_supervision  # still open: still red
    r = district.post(reverse("patrol:issue-transition", args=[a.pk]), {"action": "release"}, format="json")
    assert r.status_code == 409 and "督办〔" in r.json()["detail"]  # the order holds it, not a hand release
    login(people["town_a"]).post(url("answer"), {"report": "补充照片"}, format="json")
    r = login(people["district"]).post(url("close"), {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    issue = Issue.objects.get(pk=a.pk)
    assert not issue.red_supervision
    light = login(people["district"]).get(reverse("patrol:issue", args=[a.pk])).json()["properties"]["light"]
    assert light == "yellow"
    detail = login(people["district"]).get(reverse("supervision:order", args=[order_id])).json()
    actions = [e["action"] for e in detail["events"]]
    assert actions == ["issue", "answer", "return", "answer", "close"]
    assert list(issue.events.values_list("action", flat=True)) == ["report", "assign", "supervise", "release"]


def test_leader_reads_but_does_not_act(people, login):
    a = _issue(people)
    order_id = _order(login(people["district"]), [a.pk]).json()["id"]
    leader = login(people["leader"])
    assert leader.get(reverse("supervision:orders")).json()[0]["id"] == order_id
    r = leader.post(reverse("patrol:issue-transition", args=[a.pk]), {"action": "release"}, format="json")
    assert r.status_code == 403
    assert leader.post(reverse("supervision:order-answer", args=[order_id]), {"report": "x"},
                       format="json").status_code == 403


def test_escalate_overdue_drafts_an_order_a_person_issues(people, login):
    a = _issue(people)
    Issue.objects.filter(pk=a.pk).update(deadline=timezone.localdate() - timedelta(days=20))
    assert escalate_overdue() == [a.pk]
    escalate_overdue()  # idempotent: one draft, one problem
    draft = Order.objects.get()
    assert draft.state == "draft" and draft.number == "" and draft.addressee_code == TOWN_A
    assert list(draft.problems.values_list("pk", flat=True)) == [a.pk]
    client = login(people["district"])
    assert client.get(reverse("supervision:orders"), {"state": "draft"}).json()[0]["id"] == draft.pk
    assert client.get(reverse("supervision:order-pdf", args=[draft.pk])).status_code == 400
    r = client.post(reverse("supervision:order-issue", args=[draft.pk]),
                    {"deadline": (timezone.localdate() + timedelta(days=7)).isoformat()}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "issued" and r.json()["number"].startswith("督办〔")


def test_pdf_and_page(people, login, client):
    from patrol.services import add_photo
    from tests.factories import tiny_jpeg

    a = _issue(people)
    add_photo(people["inspector"], a.pk, tiny_jpeg(), "before")
    order_id = _order(login(people["district"]), [a.pk]).json()["id"]
    r = login(people["district"]).get(reverse("supervision:order-pdf", args=[order_id]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert len(r.content) > 5000  # fonts, photo and map drawn
    assert login(people["town_b"]).get(reverse("supervision:order-pdf", args=[order_id])).status_code == 404
    client.force_login(people["town_a"])
    page = client.get(reverse("supervision:order-list")).content.decode()
    assert "督办〔" in page and "已下发" in page
    client.force_login(people["town_b"])
    assert "督办〔" not in client.get(reverse("supervision:order-list")).content.decode()


def test_order_list_queries_do_not_grow(people, login, django_assert_num_queries):
    client = login(people["district"])
    for _ in range(4):
        assert _order(client, [_issue(people).pk]).status_code == 201
    with django_assert_num_queries(2):  # the orders (with issuer), their problems
        body = client.get(reverse("supervision:orders"), {"state": "open"}).json()
    assert len(body) == 4 and all(o["state"] == "issued" for o in body)
    assert client.get(reverse("supervision:orders"), {"state": "nonsense"}).status_code == 400
