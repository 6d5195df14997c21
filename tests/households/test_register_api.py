"""The register's API: the same services as the pages (households.services.add_household, edit_household,
set_household_status, change_good)."""
import pytest

from households.models import Good, Household
from tests.factories import village_point
from tests.households.conftest import V1, V2, make_household

pytestmark = pytest.mark.django_db


def _body(**kw):
    lon, lat = village_point(V1, 2)
    return {"village": V1, "code": "API-1", "group": "三组", "head": "冯一", "members": 2, "resident": True,
            "longitude": lon, "latitude": lat, **kw}


def test_register_edit_and_move_out_through_the_api(people, login):
    api = login(people.village)
    r = api.post("/api/households/", _body(), format="json")
    assert r.status_code == 201 and r.json()["head"] == "冯一"
    assert api.post("/api/households/", _body(), format="json").status_code == 200  # resent: the same household
    assert api.post("/api/households/", _body(head="别人"), format="json").status_code == 409
    r = api.patch("/api/households/API-1/", {**_body(members=6), "status": "moved_out"}, format="json")
    assert r.status_code == 200 and (r.json()["members"], r.json()["status"]) == (6, "moved_out")
    h = Household.objects.get(code="API-1")
    assert (h.members, h.status, h.grid_id) == (6, "moved_out", V1 + "002")


@pytest.mark.parametrize("body, field", [
    ({"longitude": 121.43}, "location"),  # 乙村
    ({"members": "many"}, "members"),
    ({"head": ["x"]}, "head"),
    ({"code": "a/b"}, "code"),
])
def test_bad_registrations_name_the_field(people, login, body, field):
    r = login(people.village).post("/api/households/", _body(**body), format="json")
    assert r.status_code == 400 and r.json()["field"] == field
    assert not Household.objects.exists()


def test_other_village_cannot_register_or_edit(people, login):
    make_household("API-2")
    api = login(people.other_village)
    assert api.post("/api/households/", _body(), format="json").status_code in (403, 404)
    assert api.patch("/api/households/API-2/", {"status": "moved_out"}, format="json").status_code == 404
    assert Household.objects.get(code="API-2").status == "active" and Household.objects.count() == 1
    assert login(people.other_village).post("/api/households/", _body(village=V2), format="json").status_code == 400


def test_restock_and_shelf_through_the_api(people, login):
    api = login(people.village)
    good = api.post("/api/households/goods/", {"village": V1, "name": "毛巾", "price": 5, "stock": 1},
                    format="json").json()
    r = api.patch(f"/api/households/goods/{good['id']}/", {"add_stock": 4, "active": False}, format="json")
    assert r.status_code == 200 and (r.json()["stock"], r.json()["active"]) == (5, False)
    assert api.patch(f"/api/households/goods/{good['id']}/", {"add_stock": 0}, format="json").status_code == 400
    assert login(people.other_village).patch(f"/api/households/goods/{good['id']}/", {"add_stock": 1},
                                             format="json").status_code == 404
    assert Good.objects.get().stock == 5
