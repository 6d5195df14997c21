"""Work orders: the company's scope (another company's order is a 404), accept → after-photo → done, phones."""
import pytest
from django.urls import reverse

from facilities import services
from facilities.models import Facility
from tests.factories import make_user, tiny_jpeg

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"facilities:{name}", args=args)


def test_operator_sees_only_its_facilities_orders(facilities, clean_user, pump_user, login, django_assert_num_queries):
    mine = services.report("F1", "pump", phone="13900000000").order
    theirs = services.report("F3", "repair").order
    api = login(clean_user)
    with django_assert_num_queries(1):
        r = api.get(url("workorders"))
    assert [o["id"] for o in r.json()["results"]] == [mine.pk]
    assert r.json()["results"][0]["phone"] == "13900000000"
    assert api.get(url("workorder", theirs.pk)).status_code == 404
    assert api.post(url("workorder-accept", theirs.pk)).status_code == 404
    assert api.post(url("workorder-photos", theirs.pk), {"image": tiny_jpeg()}, format="multipart").status_code == 404
    assert api.post(url("workorder-done", theirs.pk)).status_code == 404
    # Facilities too: another company's facility does not exist for this one.
    codes = [f["properties"]["code"] for f in api.get(url("facilities")).json()["features"]]
    assert codes == ["F1", "F2"]


def test_accept_photo_done(facilities, clean_user, login):
    order = services.report("F1", "repair", note="门坏了").order
    assert Facility.objects.get(code="F1").status == "problem"
    api = login(clean_user)
    assert api.post(url("workorder-done", order.pk)).status_code == 409  # not accepted yet
    r = api.post(url("workorder-accept", order.pk))
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = api.post(url("workorder-done", order.pk), {"note": "修好了"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "image"
    r = api.post(url("workorder-photos", order.pk), {"image": tiny_jpeg()}, format="multipart")
    assert r.status_code == 201 and r.json()["photos"][0]["kind"] == "after"
    r = api.post(url("workorder-done", order.pk), {"note": "修好了"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "done"
    f1 = Facility.objects.get(code="F1")
    assert f1.status == "in_use" and f1.open_orders == 0
    assert api.get(url("order-photo", r.json()["photos"][0]["id"])).status_code == 200


def test_staff_see_their_area_and_phone_only_for_village_staff(facilities, login, town_a, village_1):
    a = services.report("F1", "pump", phone="13700000000").order
    services.report("F3", "pump")
    r = login(town_a).get(url("workorders"))
    assert [o["id"] for o in r.json()["results"]] == [a.pk]
    assert "phone" not in r.json()["results"][0]
    assert login(town_a).post(url("workorder-accept", a.pk)).status_code == 403
    r = login(village_1).get(url("workorders"))
    assert r.json()["results"][0]["phone"] == "13700000000"
    outsider = make_user("village", "310112103202")
    assert login(outsider).get(url("workorder", a.pk)).status_code == 404


def test_nearest_first(facilities, clean_user, login):
    far = services.report("F2", "pump").order  # 乙村, east
    near = services.report("F1", "pump").order  # 甲村, west
    r = login(clean_user).get(url("workorders"), {"lon": 121.401, "lat": 31.11})
    assert [o["id"] for o in r.json()["results"]] == [near.pk, far.pk]
    assert r.json()["results"][0]["distance_m"] < r.json()["results"][1]["distance_m"]


def test_overdue_orders_are_red_and_escalate(facilities, clean_user, login):
    from datetime import timedelta

    from django.utils import timezone

    order = services.report("F1", "pump").order
    order.deadline = timezone.now() - timedelta(hours=1)
    order.save()
    r = login(clean_user).get(url("workorder", order.pk))
    assert r.json()["overdue"] is True and r.json()["escalated"] is False
    assert services.escalate_overdue() == [order.pk]
    assert services.escalate_overdue() == []
    assert login(clean_user).get(url("workorder", order.pk)).json()["escalated"] is True


def test_add_user_operator_command(operators):
    from django.core.management import CommandError, call_command

    from accounts.models import User

    call_command("add_user", "zhang", "--role", "operator", "--operator", "clean-co", "--password", "pw-12345678")
    user = User.objects.get(username="zhang")
    assert user.role == "operator" and user.operator_code == "clean-co" and user.area_code == ""
    with pytest.raises(CommandError, match="不存在"):
        call_command("add_user", "li", "--role", "operator", "--operator", "nobody", "--password", "pw-12345678")
    with pytest.raises(CommandError, match="--operator"):
        call_command("add_user", "li", "--role", "operator", "--password", "pw-12345678")
    call_command("add_operator", "new-co", "新公司")
    call_command("add_user", "li", "--role", "operator", "--operator", "new-co", "--password", "pw-12345678")


def test_order_history_is_append_only(facilities, clean_user):
    from django.db import DatabaseError, transaction

    from facilities.models import OrderEvent

    order = services.report("F1", "pump").order
    services.accept(clean_user, order.pk)
    assert list(order.events.values_list("action", flat=True)) == ["report", "accept"]
    with pytest.raises(DatabaseError), transaction.atomic():
        OrderEvent.objects.filter(order=order).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        OrderEvent.objects.filter(order=order).delete()


def test_the_company_hears_of_a_new_order_in_its_inbox(facilities, clean_user, pump_user, client):
    from notifications.models import Notification

    order = services.report("F1", "pump", note="满了").order
    services.report("F1", "pump", note="还是满的")  # merged into the same order: no second message
    services.report("F3", "repair")  # another company's facility
    mine = Notification.objects.filter(user=clean_user)
    assert [(n.kind, n.key) for n in mine] == [("work_order", f"work-order:{order.pk}")]
    assert f"设施工单 #{order.pk}" in mine[0].text and " F1 满了要抽" in mine[0].text
    assert Notification.objects.filter(user=pump_user, kind="work_order").count() == 1
    client.force_login(clean_user)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert f'<a href="{url("workorder-list")}">设施工单 #{order.pk}' in html
