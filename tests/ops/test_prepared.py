"""Statements prepared per connection (core/prepared.py): same answers as the ORM, after a rollback and
on a new connection, with one generic plan."""
from django.db import connection, transaction

from geo.lookup import locate
from patrol.models import Issue
from tests.factories import V1, V2, close_issue, make_geography, make_issue, metres_east, village_point


def _near(lon, lat, metres, category):
    return [
        {"id": i.pk, "status": i.status, "closed_at": i.closed_at, "reported_at": i.reported_at,
         "distance_m": i.distance_m, "town_id": i.town_id, "village_id": i.village_id, "grid_id": i.grid_id}
        for i in Issue.objects.near(lon, lat, metres).filter(category_id=category)
    ]


def test_neighbours_equal_the_orm_search_for_open_closed_and_other_categories(people):
    lon, lat = village_point(V1)
    inspector = people["inspector"]
    closed = make_issue(inspector, lon=metres_east(lon, lat, 20), lat=lat)
    close_issue(closed, people["town"], people["village"])
    make_issue(inspector, lon=metres_east(lon, lat, 35), lat=lat)
    make_issue(inspector, lon=metres_east(lon, lat, 80), lat=lat)  # beyond 50 m
    make_issue(inspector, lon=metres_east(lon, lat, 10), lat=lat, category="shack")
    far_lon, far_lat = village_point(V2)
    make_issue(inspector, lon=far_lon, lat=far_lat)

    found = Issue.objects.neighbours("dry_toilet", lon, lat, 50)
    assert [n["id"] for n in found] == [closed.pk, closed.pk + 1]  # nearest first; not the far, not the shack
    assert found[0]["status"] == "closed" and 19.9 < found[0]["distance_m"] < 20.1
    assert found == _near(lon, lat, 50, "dry_toilet")
    assert Issue.objects.neighbours("shack", lon, lat, 50) == _near(lon, lat, 50, "shack")
    assert Issue.objects.neighbours("dry_toilet", lon, lat, 100) == _near(lon, lat, 100, "dry_toilet")


def test_prepared_lookups_survive_a_rollback_and_a_new_connection(transactional_db):
    make_geography()  # committed: the test closes its connection
    lon, lat = village_point(V1, grid=2)
    expected = (V1, V1 + "002")
    connection.close()
    try:
        with transaction.atomic():
            found = locate(lon, lat)  # prepared inside a transaction that is then rolled back
            assert (found["village"].code, found["grid"].code) == expected
            raise RuntimeError
    except RuntimeError:
        pass
    found = locate(lon, lat)  # the name outlived the rollback: it is executed, not prepared again
    assert (found["village"].code, found["grid"].code) == expected
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM pg_prepared_statements")
        assert "geo_locate" in {row[0] for row in cur.fetchall()}
        cur.execute("SHOW plan_cache_mode")
        assert cur.fetchone()[0] == "force_generic_plan"

    connection.close()  # a new server session has no prepared statements: they are prepared again
    found = locate(lon, lat)
    assert (found["village"].code, found["grid"].code) == expected
    assert locate(121.0, 30.0) == {"town": None, "village": None, "grid": None}
