"""The home page as each role's workbench, the leader page and the leader role."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from patrol.services import add_photo, transition_issue
from tests.factories import DISTRICT, TOWN_A, TOWN_B, make_issue, make_user, tiny_jpeg

V1, V3 = "310112102201", "310112103201"


@pytest.fixture
def people(geography):
    return {"district": make_user(Role.DISTRICT, DISTRICT), "town_a": make_user(Role.TOWN, TOWN_A),
            "village": make_user(Role.VILLAGE, V1), "inspector": make_user(Role.INSPECTOR, DISTRICT),
            "leader": make_user(Role.LEADER, DISTRICT), "leader_b": make_user(Role.LEADER, TOWN_B)}


def page(client, user, name="workbench:home"):
    client.force_login(user)
    r = client.get(reverse(name))
    assert r.status_code == 200
    return r.content.decode()


def test_home_is_the_root_and_login_lands_there(people, client):
    assert reverse("workbench:home") == "/"
    r = client.post(reverse("accounts:login"), {"username": people["village"].username, "password": "pass-1234"})
    assert r.status_code == 302 and r["Location"] == "/"


def test_village_sees_what_to_fix_and_the_unread_badge(people, client):
    later = make_issue(people["inspector"], village=V1)
    sooner = make_issue(people["inspector"], village=V1)
    today = timezone.localdate()
    transition_issue(people["town_a"], later.pk, "assign", deadline=today + timedelta(days=9))
    transition_issue(people["town_a"], sooner.pk, "assign", deadline=today + timedelta(days=2))
    add_photo(people["village"], sooner.pk, tiny_jpeg(), "after")
    transition_issue(people["village"], sooner.pk, "submit")
    transition_issue(people["town_a"], sooner.pk, "reject")
    html = page(client, people["village"])
    to_fix = html.split('data-testid="to-fix"')[1].split("</section>")[0]
    assert to_fix.index(f"#{sooner.pk}<") < to_fix.index(f"#{later.pk}<")  # nearest deadline first
    rejected = html.split('data-testid="rejected"')[1].split("</section>")[0]
    assert f"#{sooner.pk}<" in rejected and f"#{later.pk}<" not in rejected
    assert 'data-testid="unread-badge">3<' in html  # two assigned, one rejected


def test_town_sees_assignment_and_verification_queues(people, client):
    waiting = make_issue(people["inspector"], village=V1)
    elsewhere = make_issue(people["inspector"], village=V3)
    html = page(client, people["town_a"])
    section = html.split('data-testid="to-assign"')[1].split("</section>")[0]
    assert f"#{waiting.pk}<" in section and f"#{elsewhere.pk}<" not in section


def test_leader_page_counts_long_unresolved_in_area(people, client):
    make_issue(people["inspector"], village=V1, reported_at=timezone.now() - timedelta(days=61))
    make_issue(people["inspector"], village=V1)
    html = page(client, people["leader"], "workbench:leader")
    assert 'data-testid="long-count">1<' in html
    html = page(client, people["leader_b"], "workbench:leader")
    assert 'data-testid="long-count">0<' in html
    assert "长期未销项" in page(client, people["leader"])


def test_leader_is_read_only_in_the_api(people, login):
    leader = people["leader"]
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["town_a"], issue.pk, "assign")
    client = login(leader)
    assert client.get(reverse("patrol:issues")).json()["count"] == 1
    assert client.get(reverse("patrol:issue", args=[issue.pk])).json()["properties"]["allowed_actions"] == []
    r = client.post(reverse("patrol:issues"), {}, format="json")
    assert r.status_code == 403 and "只读" in r.json()["detail"]
    assert client.post(reverse("planning:tracks"), {}).status_code == 403
    assert client.put(reverse("notifications:preferences"), {"quiet_start": "22:00"}, format="json").status_code == 200


def test_add_user_role_leader(geography):
    call_command("add_user", "lingdao", role="leader", area=DISTRICT, password="pass-1234")
    user = User.objects.get(username="lingdao")
    assert user.role == "leader" and not user.is_staff


def test_every_role_gets_a_workbench(people, client):
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["town_a"], issue.pk, "assign")
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()
    client.force_login(people["district"])
    r = client.post(reverse("supervision:orders"), {"problems": [issue.pk], "addressee": TOWN_A,
                    "deadline": deadline}, content_type="application/json")
    number = r.json()["number"]
    assert number in page(client, people["district"]).split('data-testid="open-orders"')[1]
    town = page(client, people["town_a"])
    assert number in town.split('data-testid="orders-to-answer"')[1].split("</section>")[0]
    assert 'data-testid="plans"' in page(client, people["inspector"])
    assert number in page(client, people["leader"])
