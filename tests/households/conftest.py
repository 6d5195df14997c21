import pytest
from django.contrib.gis.geos import Point

from households.models import Household
from tests.factories import make_user, village_point

V1, V2 = "310112102201", "310112102202"  # 甲村, 乙村 of town 310112102
V3 = "310112103201"  # 丙村 of town 310112103

ITEMS = [
    {"key": "yard", "name": "庭院整洁", "points": 5, "kind": "monthly", "category": "人居环境"},
    {"key": "sorting", "name": "垃圾分类到位", "points": 3, "kind": "monthly", "category": "垃圾分类"},
    {"key": "clutter", "name": "宅前屋后乱堆乱放", "points": -4, "kind": "monthly", "category": "人居环境"},
    {"key": "volunteer", "name": "志愿服务", "points": 10, "kind": "occasional", "category": "移风易俗"},
]


def make_household(code, village=V1, group="一组", head="张三丰", phone="13800000000", grid=1, **kw):
    from geo.models import Village

    lon, lat = village_point(village, grid)
    v = Village.objects.get(code=village)
    kw.setdefault("address", f"{group}{code}号")
    return Household.objects.create(
        code=code, village=v, town_id=v.town_id, grid_id=f"{village}00{grid}", group=group,
        location=Point(lon, lat, srid=4326), head=head, phone=phone, **kw)


@pytest.fixture
def people(geography):
    from types import SimpleNamespace

    return SimpleNamespace(
        village=make_user("village", V1, "v1staff"),
        grid=make_user("village", V1 + "001", "v1grid1"),
        town=make_user("town", "310112102", "townA"),
        district=make_user("district", "310112", "district"),
        other_village=make_user("village", V2, "v2staff"),
        other_town=make_user("town", "310112103", "townB"),
        inspector=make_user("inspector", "310112102", "insp"),
    )


@pytest.fixture
def rules(people, login):
    client = login(people.village)
    r = client.post("/api/households/rules/", {"village": V1, "year": 2026, "board_n": 2, "items": ITEMS},
                    format="json")
    assert r.status_code == 201, r.json()
    return r.json()


@pytest.fixture
def page():
    """page(user) → a Django test Client logged in as that user (for server-rendered pages)."""
    from django.test import Client

    def _page(user):
        client = Client()
        client.force_login(user)
        return client

    return _page
