"""Yearly task list and task lights (亮灯管理): schedule, manual reports, frozen past months, linked categories."""
from datetime import datetime

import pytest
from django.utils import timezone

from campaigns import services
from tests.factories import DISTRICT, TOWN_A, TOWN_B, close_issue, make_issue, make_user

V1, V2, V3 = "310112102201", "310112102202", "310112103201"


def local(y, m, d, h=10):
    return timezone.make_aware(datetime(y, m, d, h))


@pytest.fixture
def people(geography):
    return {"district": make_user("district", DISTRICT), "town_a": make_user("town", TOWN_A),
            "town_b": make_user("town", TOWN_B), "v1": make_user("village", V1),
            "inspector": make_user("inspector", DISTRICT)}


def lights(user, month, level="village"):
    return {(r.task, r.area): (r.planned, r.done, r.light) for r in services.task_lights(user, month, level)}


def test_a_task_light_turns_green_yellow_red_green_and_past_months_stay(people, login):
    api = login(people["district"])
    r = api.post("/api/tasks/", {"name": "美丽庭院创建", "year": 2026, "unit": "户", "level": "village",
                                 "targets": [{"area": V1, "target": 120}, {"area": V3, "target": 60}]}, format="json")
    assert r.status_code == 201, r.content
    tid = r.json()["id"]
    town = people["town_a"]
    report = lambda value, when, day=None: services.add_progress(  # noqa: E731
        town, tid, V1, value, day or when.date(), now=when)
    report(10, local(2026, 1, 20))  # Jan: planned 10, done 10
    report(7, local(2026, 2, 25))  # Feb: planned 20, done 17 ≥ 16
    report(3, local(2026, 3, 10))  # Mar: planned 30, done 20 < 24
    report(25, local(2026, 4, 30, 23))  # Apr: planned 40, done 45
    d = people["district"]
    assert lights(d, "2026-01")[(tid, V1)] == (10, 10, "green")
    assert lights(d, "2026-02")[(tid, V1)] == (20, 17, "yellow")
    assert lights(d, "2026-03")[(tid, V1)] == (30, 20, "red")
    assert lights(d, "2026-04")[(tid, V1)] == (40, 45, "green")
    assert lights(d, "2026-04")[(tid, V3)] == (20, 0, "red")

    # A report entered in May but dated in March counts from May: March stays red.
    report(10, local(2026, 5, 3), day=local(2026, 3, 15).date())
    assert lights(d, "2026-03")[(tid, V1)] == (30, 20, "red")
    assert lights(d, "2026-05")[(tid, V1)] == (50, 55, "green")
    # Completed early: green to the year's end.
    report(65, local(2026, 6, 1))
    assert lights(d, "2026-12")[(tid, V1)] == (120, 120, "green")

    # Through the API: a town sees its own town's rows; level=town sums villages up to towns.
    rows = login(town).get("/api/tasks/lights/?month=2026-03&level=village").json()
    assert rows == [{"task": tid, "area": V1, "planned": 30, "done": 20, "light": "red"}]
    api = login(people["district"])  # one client: log the district back in
    rows = api.get("/api/tasks/lights/?month=2026-04&level=town").json()
    assert {(x["area"], x["planned"], x["done"], x["light"]) for x in rows} == {
        (TOWN_A, 40, 45, "green"), (TOWN_B, 20, 0, "red")}
    r = api.get("/api/tasks/lights/?month=2026-13")
    assert r.status_code == 400 and r.json()["field"] == "month"
    assert api.get("/api/tasks/lights/?month=2026-03&level=grid").json()["field"] == "level"
    assert [t["id"] for t in api.get("/api/tasks/?year=2026").json()] == [tid]
    assert api.get("/api/tasks/?year=2025").json() == []
    xlsx = api.get("/api/tasks/lights/?month=2026-04&level=village&export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_report_far_above_the_target_needs_confirmation(people, login):
    api = login(people["district"])
    tid = api.post("/api/tasks/", {"name": "公厕改造", "year": 2026, "unit": "座", "level": "town",
                                   "targets": [{"area": TOWN_A, "target": 5}]}, format="json").json()["id"]
    town = login(people["town_a"])
    body = {"area": TOWN_A, "value": 4, "date": "2026-11-20", "note": "完成4座"}
    assert town.post(f"/api/tasks/{tid}/progress/", body, format="json").status_code == 201
    r = town.post(f"/api/tasks/{tid}/progress/", {**body, "value": 40}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "value"
    assert town.post(f"/api/tasks/{tid}/progress/", {**body, "value": 40, "confirm": True},
                     format="json").status_code == 201
    from campaigns.models import TaskProgress

    assert sorted(TaskProgress.objects.values_list("value", flat=True)) == [4, 40]
    # Outside the caller's area, unknown area, bad values.
    other = login(people["town_b"]).post(f"/api/tasks/{tid}/progress/", body, format="json")
    assert other.status_code == 404
    town = login(people["town_a"])  # one client: log town A back in
    r = town.post(f"/api/tasks/{tid}/progress/", {**body, "area": TOWN_B}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "area"
    r = town.post(f"/api/tasks/{tid}/progress/", {**body, "value": -1}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "value"
    r = town.post(f"/api/tasks/{tid}/progress/", {**body, "date": "2099-01-01"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "date"
    # A retried report (same client_uuid) is stored once.
    import uuid

    key = str(uuid.uuid4())
    retry = {**body, "value": 1, "client_uuid": key, "confirm": True}
    first = town.post(f"/api/tasks/{tid}/progress/", retry, format="json")
    again = town.post(f"/api/tasks/{tid}/progress/", retry, format="json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize("change, field, status", [
    ({"schedule": [0.1] * 12}, "schedule", 400),
    ({"schedule": [0.5, 0.4] + [1] * 10}, "schedule", 400),
    ({"schedule": [1] * 11}, "schedule", 400),
    ({"level": "grid"}, "level", 400),
    ({"targets": []}, "targets", 400),
    ({"targets": [{"area": V1, "target": 3}]}, "targets", 400),  # a village code for a town-level task
    ({"targets": [{"area": TOWN_B, "target": 3}]}, "targets", 403),
    ({"targets": [{"area": TOWN_A, "target": 0}]}, "targets", 400),
    ({"category": "nope"}, "category", 400),
])
def test_bad_tasks_are_refused_naming_the_field(people, login, change, field, status):
    body = {"name": "一事一议项目", "year": 2026, "level": "town", "targets": [{"area": TOWN_A, "target": 3}], **change}
    r = login(people["town_a"]).post("/api/tasks/", body, format="json")
    assert r.status_code == status, r.content
    assert r.json()["field"] == field


def test_a_task_linked_to_a_category_counts_closed_problems(people, login):
    task = services.create_task(people["district"], {
        "name": "问题厕所整改", "year": 2026, "level": "village", "category": "problem_toilet",
        "schedule": [0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1],
        "targets": [{"area": V1, "target": 2}]})
    issue = make_issue(people["inspector"], village=V1, category="problem_toilet", reported_at=local(2026, 3, 1))
    close_issue(issue, people["town_a"], people["v1"], now=local(2026, 3, 5))
    make_issue(people["inspector"], village=V1, category="problem_toilet", reported_at=local(2026, 3, 2))
    d = people["district"]
    assert lights(d, "2026-02")[(task.pk, V1)] == (0, 0, "green")
    assert lights(d, "2026-03")[(task.pk, V1)] == (1, 1, "green")
    assert lights(d, "2026-12")[(task.pk, V1)] == (2, 1, "red")
    r = login(people["town_a"]).post(f"/api/tasks/{task.pk}/progress/", {"area": V1, "value": 1}, format="json")
    assert r.status_code == 400


def test_task_map_page_and_the_battle_map_switch(people):
    from django.test import Client

    services.create_task(people["district"], {"name": "黑臭水体治理", "year": 2026, "level": "town",
                                              "targets": [{"area": TOWN_A, "target": 12}]})
    client = Client()
    client.force_login(people["district"])
    page = client.get("/tasks/?month=2026-11")
    text = page.content.decode()
    assert page.status_code == 200 and "黑臭水体治理" in text and "甲镇" in text and "红灯" in text
    assert client.get("/tasks/?month=bad").status_code == 200
    battle = client.get("/map/").content.decode()
    assert "任务亮灯" in battle and "/tasks/?month=" in battle
