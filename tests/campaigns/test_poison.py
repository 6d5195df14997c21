"""Issue 29, item 2: poison values in tasks. Every number goes through core.inputs.number (finite, bounded),
strings included; nothing is stored when one is refused; repair_poisoned finds the rows stored before."""
import pytest
from django.core.management import call_command
from django.db import connection

from campaigns.models import Task, TaskProgress, TaskTarget
from tests.factories import DISTRICT, TOWN_A, make_user

POISON = ["NaN", "Infinity", "-Infinity", "inf", "1e400", 1e308, "nan"]


@pytest.fixture
def district(geography):
    return make_user("district", DISTRICT)


def _task(**over):
    return {"name": "公厕改造", "year": 2026, "unit": "座", "level": "town",
            "targets": [{"area": TOWN_A, "target": 5}], **over}


@pytest.mark.parametrize("bad", POISON)
def test_a_poisoned_target_is_a_400_and_nothing_is_stored(district, login, bad):
    api = login(district)
    r = api.post("/api/tasks/", _task(targets=[{"area": TOWN_A, "target": bad}]), format="json")
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "targets"
    assert not Task.objects.exists() and not TaskTarget.objects.exists()
    assert api.get("/api/tasks/?year=2026").status_code == 200
    assert api.get("/api/tasks/lights/?month=2026-03").status_code == 200


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "inf", "1e400", "-inf"])
def test_a_poisoned_schedule_is_a_400(district, login, bad):
    schedule = [i / 12 for i in range(1, 12)] + [1]
    schedule[3] = bad
    r = login(district).post("/api/tasks/", _task(schedule=schedule), format="json")
    assert r.status_code == 400 and r.json()["field"] == "schedule", r.content
    assert not Task.objects.exists()


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "inf", "1e400", 1e308])
def test_a_poisoned_progress_value_is_a_400(district, login, bad):
    api = login(district)
    tid = api.post("/api/tasks/", _task(), format="json").json()["id"]
    r = api.post(f"/api/tasks/{tid}/progress/", {"area": TOWN_A, "value": bad, "date": "2026-03-01",
                                                 "confirm": True}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "value", r.content
    assert not TaskProgress.objects.exists()
    assert api.get("/api/tasks/lights/?month=2026-03").status_code == 200


def test_repair_poisoned_lists_every_number_column(district, login):
    """A target stored before the check (written here behind the API's back) is found by the command."""
    api = login(district)
    tid = api.post("/api/tasks/", _task(), format="json").json()["id"]
    with connection.cursor() as cur:
        cur.execute("UPDATE campaigns_tasktarget SET target = 'NaN' WHERE task_id = %s", [tid])
    from patrol import repair

    found = repair.find()
    assert found.get("campaigns_tasktarget.target") == [TaskTarget.objects.get(task_id=tid).pk]
    call_command("repair_poisoned", "--apply")
    # a target that is no number is taken out of the lights (and listed), the task list answers again
    assert api.get("/api/tasks/?year=2026").status_code == 200
    assert api.get("/api/tasks/lights/?month=2026-03").status_code == 200
