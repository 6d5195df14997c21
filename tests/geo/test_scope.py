"""geo.scope: a person's area as a filter, a SQL condition and a yes/no — the three must agree."""
from types import SimpleNamespace

import pytest
from django.db import connection

from geo import scope
from patrol.models import Issue
from tests.factories import DISTRICT, TOWN_A, TOWN_B, V1, V3, make_issue, make_user


def person(area="", superuser=False):
    return SimpleNamespace(area_code=area, is_superuser=superuser)


def test_of_a_person():
    assert scope.of(person("310112102")) == "310112102"
    assert scope.of(person(superuser=True)) == scope.EVERYWHERE
    assert scope.of(person()) is None  # no area, no superuser: nothing at all


@pytest.mark.parametrize(("area", "code", "covers", "touches"), [
    ("310112", "310112102201", True, True),
    ("310112102", "310112103201", False, False),
    ("310112102201001", "310112102201", False, True),  # a grid's staff see their village, which is not inside
    ("", "310112102201", True, True),
    (None, "310112102201", False, False),
])
def test_covers_and_touches(area, code, covers, touches):
    assert scope.covers(area, code) is covers
    assert scope.touches(area, code) is touches


def test_levels_and_narrowest():
    assert (scope.district_of(V1), scope.town_of(V1), scope.village_of(V1 + "001")) == (DISTRICT, TOWN_A, V1)
    assert scope.next_code("310112") == "310113"
    assert scope.narrowest(DISTRICT, TOWN_B) == TOWN_B
    assert scope.narrowest(V1 + "001", TOWN_A) == V1 + "001"
    assert scope.narrowest(TOWN_A, TOWN_B) is None


@pytest.mark.django_db
def test_filter_sql_and_yes_no_agree(geography):
    inspector = make_user("inspector", DISTRICT)
    issues = [make_issue(inspector, v, grid=g) for v in (V1, V3) for g in (1, 2)]
    for area in ("", DISTRICT, TOWN_A, TOWN_B, V1, V1 + "001", V3 + "002", None):
        by_q = set(Issue.objects.filter(scope.place_q(area)).values_list("pk", flat=True))
        where, params = scope.place_sql(area, "i")
        with connection.cursor() as cur:
            cur.execute(f"SELECT i.id FROM patrol_issue i WHERE {where}", params)  # noqa: S608 - from place_sql
            by_sql = {row[0] for row in cur.fetchall()}
        by_test = {i.pk for i in issues if scope.covers_place(area, i.town_id, i.village_id, i.grid_id)}
        assert by_q == by_sql == by_test, area
    assert len(set(Issue.objects.filter(scope.place_q(TOWN_A)).values_list("pk", flat=True))) == 2


@pytest.mark.django_db
def test_people_covering_sql_and_covers_place_agree(geography):
    from accounts.models import User

    areas = ["", DISTRICT, TOWN_A, TOWN_B, V1, V3, V1 + "001", V1 + "002", V3 + "001"]
    people = [make_user("village", a) for a in areas]
    people.append(User.objects.create_superuser("root_everywhere", password=None, role="admin", area_code=""))
    inspector = make_user("inspector", DISTRICT)
    places = [(i.town_id, i.village_id, i.grid_id) for i in
              [make_issue(inspector, v, grid=g) for v in (V1, V3) for g in (1, 2)] + [make_issue(inspector, V1)]]
    for town, village, grid in places:
        where, params = scope.people_covering_sql(town, village, grid, "u")
        with connection.cursor() as cur:
            cur.execute(f"SELECT u.id FROM accounts_user u WHERE u.id = ANY(%s) AND {where}",  # noqa: S608
                        [[u.pk for u in people], *params])
            by_sql = {row[0] for row in cur.fetchall()}
        by_test = {u.pk for u in people if scope.covers_place(scope.of(u), town, village, grid)}
        assert by_sql == by_test, (town, village, grid)
    assert len(by_test) >= 4  # the district, town, village and superuser at least
