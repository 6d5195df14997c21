import pytest

from core import ratelimit
from tests.factories import make_user


@pytest.fixture
def fresh_limits():
    """The public pages' rate-limit counters empty before and after the test."""
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture(autouse=True)
def _kinds_present(request):
    """A transactional test flushes the kinds the data migration seeds: put them back (and problem_toilet)."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in names and "transactional_db" not in names:
        return
    from importlib import import_module

    from django.apps import apps

    import_module("facilities.migrations.0002_kinds_category_cache").seed(apps, None)


@pytest.fixture
def operators(geography):
    from facilities.models import Operator

    return (Operator.objects.create(code="clean-co", name="洁净环卫公司"),
            Operator.objects.create(code="pump-co", name="畅通抽厕公司"))


@pytest.fixture
def facilities(operators):
    """F1 (户厕, 甲村, clean-co), F2 (公厕, 乙村, clean-co), F3 (户厕, 丙村, pump-co), F4 (收集点, 甲村, pump-co)."""
    from django.contrib.gis.geos import Point

    from facilities.models import Facility, Kind
    from tests.factories import VILLAGES, seed_reference_rows, village_point

    if not Kind.objects.exists():  # a transactional test before this one in the worker flushed the seeded kinds
        seed_reference_rows()

    rows = [("F1", "household_toilet", "310112102201", "clean-co"),
            ("F2", "public_toilet", "310112102202", "clean-co"),
            ("F3", "household_toilet", "310112103201", "pump-co"),
            ("F4", "garbage_point", "310112102201", "pump-co")]
    out = {}
    for code, kind, village, operator in rows:
        lon, lat = village_point(village)
        out[code] = Facility.objects.create(
            code=code, kind_id=kind, name=f"{code} 名称", location=Point(lon, lat, srid=4326),
            town_id=VILLAGES[village][0], village_id=village, grid_id=village + "001", operator_id=operator)
    return out


@pytest.fixture
def clean_user(operators):
    from accounts.services import add_user

    return add_user("clean_op", "operator", "", "pass-1234", operator="clean-co")


@pytest.fixture
def pump_user(operators):
    from accounts.services import add_user

    return add_user("pump_op", "operator", "", "pass-1234", operator="pump-co")


@pytest.fixture
def town_a(geography):
    return make_user("town", "310112102")


@pytest.fixture
def village_1(geography):
    return make_user("village", "310112102201")
