"""Public and printed paths: names masked and no phone everywhere; /h/ login-free, rate-limited, silent on codes."""
import pytest
from django.test import Client, override_settings

from tests.households.conftest import V1, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(people, rules, login):
    make_household("V1-1-001", head="张三丰", phone="13912345678")
    make_household("V1-1-002", head="李小龙", phone="13700000000")
    c = login(people.village)
    for item, month in (("yard", "2026-10"), ("sorting", "2026-10")):
        assert c.post("/api/households/V1-1-001/points/", {"item": item, "month": month},
                      format="json").status_code == 201
    return c


def _no_personal_data(body):
    for secret in ("张三丰", "李小龙", "13912345678", "13700000000", "三丰", "小龙"):
        assert secret not in body


def test_the_public_look_up_shows_balance_entries_and_board_masked(scored):
    r = Client().get("/h/V1-1-001")
    body = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="balance">8<' in body and "庭院整洁" in body and "张**" in body and "李**" in body
    _no_personal_data(body)


def test_an_unknown_code_is_a_404_with_the_same_body_for_every_code(scored):
    from households.models import Household

    Household.objects.filter(code="V1-1-002").update(status="moved_out")
    bodies = set()
    for code in ("NOPE", "V1-1-999", "V1-1-002", "x" * 40, "V1-1-00"):
        r = Client().get(f"/h/{code}")
        assert r.status_code == 404
        bodies.add(r.content)
        assert code.encode() not in r.content
    assert len(bodies) == 1


def test_the_form_sends_the_villager_to_the_code(scored):
    c = Client()
    assert c.get("/h/").status_code == 200
    r = c.get("/h/", {"code": "V1-1-001"})
    assert r.status_code == 302 and r["Location"].endswith("/h/V1-1-001")


@override_settings(HOUSEHOLD_LOOKUP_RATE="3/h")  # an hour window: no window edge inside the test
def test_the_look_up_is_rate_limited_per_client(scored):
    c = Client(REMOTE_ADDR="10.1.2.3")
    codes = [c.get(f"/h/{code}").status_code for code in ("V1-1-001", "NOPE", "V1-1-002", "V1-1-001")]
    assert codes == [200, 404, 200, 429]
    assert Client(REMOTE_ADDR="10.9.9.9").get("/h/V1-1-001").status_code == 200


def test_the_poster_and_boards_are_masked_even_for_the_village(scored, people, login, page):
    c = login(people.village)
    poster = page(people.village).get(f"/boards/{V1}/2026-Q4/print")
    assert poster.status_code == 200 and "张**" in poster.content.decode()
    _no_personal_data(poster.content.decode())
    board = c.get("/api/boards/", {"village": V1, "quarter": "2026-Q4"})
    _no_personal_data(board.content.decode())
    assert board.json()["red"][0] == {"code": "V1-1-001", "head": "张**", "group": "一组", "points": 8, "rank": 1}
    assert page(people.other_town).get(f"/boards/{V1}/2026-Q4/print").status_code == 404


def test_the_points_ledger_and_list_are_masked_outside_the_village_and_town(scored, people, login):
    """The district sees the village's households and ledger (a 200, not a refusal), with names masked."""
    district = login(people.district)
    ledger = district.get("/api/households/V1-1-001/points/")
    assert ledger.status_code == 200, ledger.content
    _no_personal_data(ledger.content.decode())
    assert ledger.json()["code"] == "V1-1-001" and ledger.json()["balance"] == 8
    assert len(ledger.json()["entries"]) == 2
    households = district.get("/api/households/", {"village": V1})
    assert households.status_code == 200, households.content
    _no_personal_data(households.content.decode())
    rows = {row["code"]: row for row in households.json()}
    assert set(rows) == {"V1-1-001", "V1-1-002"}
    assert rows["V1-1-001"]["head"] == "张**" and rows["V1-1-001"]["phone"] is None


def test_the_door_card_carries_a_qr_code_to_the_look_up(scored, people, page):
    r = page(people.village).get("/households/V1-1-001/card/")
    body = r.content.decode()
    assert r.status_code == 200 and "<svg" in body and "V1-1-001" in body
    _no_personal_data(body)
    assert page(people.other_village).get("/households/V1-1-001/card/").status_code == 404


def test_pages_need_a_login_but_the_look_up_does_not(scored):
    assert Client().get(f"/boards/{V1}/2026-Q4/print").status_code == 302
    assert Client().get("/households/supervision/").status_code == 302
    assert Client().get("/api/households/", {"village": V1}).status_code == 401  # the token scheme asks first
