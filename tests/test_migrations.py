"""The app split keeps every table and row: a database at the last migration before the split (plans, tracks,
weekly targets and cached metrics still in `patrol`) migrates to the head and finds everything where it was."""
import json
import zlib
from datetime import date, time

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Point, Polygon
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE_SPLIT = [
    ("patrol", "0005_assessment"),
    ("admin", "0003_logentry_add_action_flag_choices"),
    ("contenttypes", "0002_remove_content_type_name"),
]
MOVED = {"planning": ["patrolplan", "patrolroute", "patrolstop", "track"],
         "assessment": ["weeklytarget", "monthlymetricscache"]}


def box(x0, y0, x1, y1):
    return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=4326)


def fill_before_split(apps):
    """Rows in every moved table, written through the models as they were before the split."""
    get = apps.get_model
    user = get("accounts", "User").objects.create(username="dudao", role="supervisor", area_code="310112")
    district = get("geo", "District").objects.create(code="310112", name="闵行区",
                                                     boundary=box(121.4, 31.1, 121.5, 31.2))
    town = get("geo", "Town").objects.create(code="310112102", name="甲镇", district=district,
                                             boundary=box(121.4, 31.1, 121.5, 31.2))
    village = get("geo", "Village").objects.create(code="310112102201", name="甲村", town=town,
                                                   boundary=box(121.4, 31.1, 121.5, 31.2))
    grid = get("geo", "Grid").objects.create(code="310112102201001", name="甲村一网格", village=village,
                                             boundary=box(121.4, 31.1, 121.5, 31.2))
    category = get("patrol", "Category").objects.get(code="clutter")
    issue = get("patrol", "Issue").objects.create(
        location=Point(121.45, 31.15, srid=4326), category=category, reporter=user, reported_at="2026-03-01T02:00Z",
        town=town, village=village, grid=grid)
    plan = get("patrol", "PatrolPlan").objects.create(
        date=date(2026, 3, 10), area_code="310112", created_by=user, teams=1, start=Point(121.41, 31.11, srid=4326),
        hours=8, day_start=time(8, 30), service_min=10, speed_kmh=30, matrix="roads", priority_total=9,
        priority_collected=9)
    get("patrol", "PatrolRoute").objects.create(plan=plan, team=1, distance_m=1234.5, duration_s=600,
                                                geom=LineString((121.41, 31.11), (121.45, 31.15), srid=4326))
    track = get("patrol", "Track").objects.create(
        uploaded_by=user, plan=plan, name="三月巡查", day=date(2026, 3, 10), points=2, distance_m=5000,
        geom=MultiLineString(LineString((121.41, 31.11), (121.45, 31.15)), srid=4326))
    track.villages.add(village)
    track.grids.add(grid)
    get("patrol", "PatrolStop").objects.create(
        plan=plan, key=f"issue:{issue.pk}", kind="issue", label="乱堆乱放", reasons=["超期"], priority=9,
        location=Point(121.45, 31.15, srid=4326), issue=issue, village=village, must=True, team=1, seq=1,
        visited_by=track)
    get("patrol", "WeeklyTarget").objects.create(village=village, category=category, per_week=5,
                                                 starts_on=date(2026, 3, 2), created_by=user)
    get("patrol", "MonthlyMetricsCache").objects.create(month=date(2026, 2, 1), scope="310112", fingerprint="3:17",
                                                        metrics={"310112102201": {"found": 3}})
    # Admin history of a plan, through patrol's content type as it stood before the split.
    content_type = get("contenttypes", "ContentType").objects.get_or_create(app_label="patrol", model="patrolplan")[0]
    get("admin", "LogEntry").objects.create(user_id=user.pk, content_type_id=content_type.pk, object_id=str(plan.pk),
                                            object_repr="巡查计划", action_flag=2, change_message="改了组数")
    return {"plan": plan.pk, "track": track.pk, "village": village.code, "grid": grid.code,
            "content_type": content_type.pk}


def test_split_keeps_every_table_and_row(migrator):
    old = migrator.apply_initial_migration(BEFORE_SPLIT)
    before = fill_before_split(old.apps)
    with connection.cursor() as cur:
        tables = ["patrol_patrolplan", "patrol_patrolroute", "patrol_patrolstop", "patrol_track",
                  "patrol_track_villages", "patrol_track_grids", "patrol_weeklytarget", "patrol_monthlymetricscache"]
        counts = {}
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names from the list above
            counts[table] = cur.fetchone()[0]
    assert all(counts.values()), counts

    head = MigrationExecutor(connection).loader.graph.leaf_nodes()
    new = migrator.apply_tested_migration(head)
    get = new.apps.get_model
    plan = get("planning", "PatrolPlan").objects.get(pk=before["plan"])
    assert (plan.teams, plan.matrix, plan.priority_collected, plan.day_start) == (1, "roads", 9, time(8, 30))
    assert plan.routes.get().distance_m == 1234.5
    stop = plan.stops.get()
    assert (stop.must, stop.visited_by_id, stop.issue.category_id, stop.village_id) == (
        True, before["track"], "clutter", before["village"])
    track = get("planning", "Track").objects.get(pk=before["track"])
    assert list(track.villages.values_list("code", flat=True)) == [before["village"]]
    assert list(track.grids.values_list("code", flat=True)) == [before["grid"]]
    assert track.plan_id == plan.pk
    target = get("assessment", "WeeklyTarget").objects.get()
    assert (target.per_week, target.category_id, target.village_id) == (5, "clutter", before["village"])
    cached = get("assessment", "MonthlyMetricsCache").objects.get()  # kept through the split, packed since
    assert json.loads(zlib.decompress(cached.packed)) == {"keys": ["found"], "rows": {"310112102201": [3]}}
    assert cached.checked_to == 17
    with connection.cursor() as cur:
        for table, n in counts.items():
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names from the list above
            assert cur.fetchone()[0] == n, table
    # The admin history still points at the plan: its content type now names the planning app.
    content_type = get("contenttypes", "ContentType").objects.get(pk=before["content_type"])
    assert (content_type.app_label, content_type.model) == ("planning", "patrolplan")
    entry = get("admin", "LogEntry").objects.get()
    assert (entry.content_type_id, entry.object_id) == (before["content_type"], str(plan.pk))
    assert not get("contenttypes", "ContentType").objects.filter(
        app_label="patrol", model__in=[m for models in MOVED.values() for m in models]).exists()
