"""Redemptions racing for the last item (two threads, real transactions): exactly one wins."""
import threading
from datetime import date

import pytest
from django.db import connection

from core.errors import Conflict
from households import services
from households.models import Good, Household, PointEntry
from tests.factories import make_geography, make_user
from tests.households.conftest import ITEMS, V1, make_household


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "won"
        except Conflict as exc:
            outcomes[i] = exc.detail
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_households_racing_for_the_last_item_one_wins():
    make_geography()
    staff = make_user("village", V1, "race-staff")
    services.save_rules(staff, village=V1, year=2026, board_n=2, items=ITEMS, today=date(2026, 1, 1))
    for code in ("R1", "R2"):
        make_household(code)
        Household.objects.filter(code=code).update(balance=0)
        services.score(staff, code, item="volunteer", day="2026-10-01")
    good = services.create_good(staff, village=V1, name="电饭煲", price=10, stock=1)

    outcomes = _race([lambda c=c: services.redeem(staff, c, good=good.pk) for c in ("R1", "R2")])

    assert sorted(o == "won" for o in outcomes) == [False, True], outcomes
    assert "库存不足" in next(o for o in outcomes if o != "won")
    assert Good.objects.get(pk=good.pk).stock == 0
    assert PointEntry.objects.filter(kind="redemption").count() == 1
    assert sorted(Household.objects.values_list("balance", flat=True)) == [0, 10]


@pytest.mark.django_db(transaction=True)
def test_one_household_racing_itself_cannot_spend_its_points_twice():
    make_geography()
    staff = make_user("village", V1, "race-staff2")
    services.save_rules(staff, village=V1, year=2026, board_n=2, items=ITEMS, today=date(2026, 1, 1))
    make_household("R1")
    services.score(staff, "R1", item="volunteer", day="2026-10-01")
    good = services.create_good(staff, village=V1, name="米", price=10, stock=5)

    outcomes = _race([lambda: services.redeem(staff, "R1", good=good.pk)] * 2)

    assert sorted(o == "won" for o in outcomes) == [False, True], outcomes
    assert Household.objects.get(code="R1").balance == 0 and Good.objects.get(pk=good.pk).stock == 4
