"""Company ratings and the monthly score: 0.6 × township + 0.4 × mean of the villages, on hand-worked numbers."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.models import WorkOrder
from tests.factories import make_user, tiny_jpeg

pytestmark = pytest.mark.django_db


def rate(login, user, score, operator="clean-co", month=None):
    month = month or f"{timezone.localdate():%Y-%m}"
    return login(user).post(reverse("facilities:ratings"), {"operator": operator, "month": month, "score": score},
                            format="json")


def test_score_is_60_40_of_town_and_mean_village(facilities, login, clean_user):
    town = make_user("town", "310112102")
    v1 = make_user("village", "310112102201")
    v2 = make_user("village", "310112102202001")  # a grid's staff rate for their village
    assert rate(login, town, 90).status_code == 201
    assert rate(login, v1, 80).status_code == 201
    assert rate(login, v2, 70).status_code == 201
    assert rate(login, v1, 85).status_code == 201  # re-rating replaces: the village mean is (85 + 70) / 2
    # Orders: two this month, one done on time, one done late; the on-time one reported again after done.
    now = timezone.now()
    a = services.report("F1", "pump").order
    b = services.report("F2", "repair").order
    for order, late in ((a, False), (b, True)):
        services.accept(clean_user, order.pk)
        services.add_after_photo(clean_user, order.pk, tiny_jpeg(color=(order.pk, 1, 1)))
        services.done(clean_user, order.pk, now=now + timedelta(hours=100 if late else 1))
    WorkOrder.objects.filter(pk=b.pk).update(done_at=now + timedelta(minutes=5), deadline=now)  # late, same month
    services.report("F1", "pump")  # a reopen of a
    r = login(town).get(reverse("facilities:scores"), {"month": f"{timezone.localdate():%Y-%m}"})
    assert r.status_code == 200
    row = next(x for x in r.json() if x["operator"] == "clean-co")
    assert row["town_score"] == 90 and row["village_score"] == 77.5
    assert row["score"] == pytest.approx(85)  # 0.6 × 90 + 0.4 × 77.5 = 54 + 31 = 85
    assert row["orders"] == 3 and row["on_time_rate"] == 0.5 and row["reopen_rate"] == 0.5


def test_no_score_until_both_parts_are_rated(facilities, login):
    town = make_user("town", "310112102")
    rate(login, town, 90)
    row = next(x for x in login(town).get(reverse("facilities:scores")).json() if x["operator"] == "clean-co")
    assert row["town_score"] == 90 and row["village_score"] is None and row["score"] is None


def test_who_may_rate_what(facilities, login):
    inspector = make_user("inspector", "310112")
    assert rate(login, inspector, 90).status_code == 403
    town_b = make_user("town", "310112103")
    assert rate(login, town_b, 90).status_code == 404  # clean-co runs nothing in town B
    town = make_user("town", "310112102")
    r = rate(login, town, 101)
    assert r.status_code == 400 and r.json()["field"] == "score"


@pytest.mark.parametrize("score", ["NaN", "sNaN", "Infinity", 1e400, "abc", 100.001])
def test_the_rating_service_refuses_what_is_no_score(facilities, score):
    """The service itself (a page's POST calls it as the API does): Decimal("NaN") would not even compare."""
    from core.errors import BadInput
    from facilities.models import Rating
    from facilities.scores import rate as rate_company

    town = make_user("town", "310112102")
    with pytest.raises(BadInput) as refused:
        rate_company(town, "clean-co", f"{timezone.localdate():%Y-%m}", score)
    assert refused.value.field == "score" and not Rating.objects.exists()


def test_scores_xlsx_and_page(facilities, login, client):
    from io import BytesIO

    from openpyxl import load_workbook

    town = make_user("town", "310112102")
    rate(login, town, 90)
    r = login(town).get(reverse("facilities:scores"), {"export": "xlsx"})
    ws = load_workbook(BytesIO(r.content)).active
    assert ws["A2"].value == "clean-co" and ws["F2"].value == 90
    client.force_login(town)
    page = client.get(reverse("facilities:score-page"))
    assert page.status_code == 200 and "洁净环卫公司" in page.content.decode()
