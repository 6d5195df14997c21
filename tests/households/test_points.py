"""Households, rules, the ledger and the red–black list (积分制, seed 003), through the contract's endpoints."""
import uuid
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, ProgrammingError, transaction
from django.utils import timezone

from households import services
from households.models import Household, PointEntry
from tests.households.conftest import V1, V2, make_household

pytestmark = pytest.mark.django_db


def score(client, code, item, month=None, **body):
    body = {"item": item, **({"month": month} if month else {}), **body}
    return client.post(f"/api/households/{code}/points/", body, format="json")


def test_a_group_scored_by_hand_over_a_quarter_gives_the_boards_worked_out_here(people, rules, login):
    for code, head in [("A", "王大明"), ("B", "李四"), ("C", "赵小红"), ("D", "钱多多"), ("E", "孙悟"), ("F", "周八")]:
        make_household(f"V1-1-{code}", head=head)
    make_household("V1-2-G", group="二组", head="吴九")
    c = login(people.village)
    plan = {
        # household: [(item, month or date)] — Q3 2026 is July–September
        "A": [("yard", "2026-07"), ("sorting", "2026-07"), ("yard", "2026-08"), ("sorting", "2026-08"),
              ("yard", "2026-09"), ("volunteer", "2026-08-15")],                         # 5+3+5+3+5+10 = 31
        "B": [("yard", "2026-07"), ("sorting", "2026-07"), ("yard", "2026-08"), ("yard", "2026-09"),
              ("sorting", "2026-09")],                                                   # 5+3+5+5+3 = 21
        "C": [("clutter", "2026-07"), ("sorting", "2026-08"), ("yard", "2026-09")],       # -4+3+5 = 4
        "D": [("volunteer", "2026-06-20")],                                              # June: Q2, so 0 in Q3
        "E": [("clutter", "2026-07"), ("clutter", "2026-08"), ("clutter", "2026-09")],    # -12
        "F": [("yard", "2026-07"), ("sorting", "2026-07"), ("yard", "2026-08"), ("sorting", "2026-08"),
              ("yard", "2026-09")],                                                      # 21, tied with B
        "G": [("yard", "2026-07")],                                                      # 5, group 二组
    }
    for h, steps in plan.items():
        code = f"V1-2-{h}" if h == "G" else f"V1-1-{h}"
        for item, when in steps:
            r = score(c, code, item, when) if len(when) == 7 else score(c, code, item, date=when)
            assert r.status_code == 201, r.json()
    # Spending is not earning: a redemption in the quarter leaves the board alone.
    good = c.post("/api/households/goods/", {"village": V1, "name": "洗衣液", "price": 20, "stock": 5}, format="json")
    assert c.post("/api/households/V1-1-A/redeem/", {"good": good.json()["id"], "quantity": 1},
                  format="json").status_code == 201

    board = login(people.district).get("/api/boards/", {"village": V1, "quarter": "2026-Q3"}).json()
    assert [(r["code"], r["points"], r["rank"]) for r in board["red"]] == [("V1-1-A", 31, 1), ("V1-1-B", 21, 2)]
    # 钱多多 (D) earned nothing in Q3 because nobody assessed the household: 未评, on neither list (issue 25, 003).
    assert [(r["code"], r["points"]) for r in board["black"]] == [("V1-1-E", -12), ("V1-1-C", 4)]
    assert [r["code"] for r in board["unscored"]] == ["V1-1-D"] and board["scored"] == 6
    assert [r["head"] for r in board["red"]] == ["王**", "李**"]
    assert board["ties"] == ["红榜最后一名与 1 户同为 21 分，同分按户号先后列出"]

    group = c.get("/api/boards/", {"village": V1, "quarter": "2026-Q3", "group": "二组"}).json()
    assert [(r["code"], r["points"]) for r in group["red"]] == [("V1-2-G", 5)] and group["black"] == []
    q2 = c.get("/api/boards/", {"village": V1, "quarter": "2026-Q2"}).json()
    assert q2["red"][0]["code"] == "V1-1-D" and q2["red"][0]["points"] == 10

    # The ledger: every entry with item, points, who and when; the balance is the sum, less the redemption.
    ledger = c.get("/api/households/V1-1-A/points/").json()
    assert ledger["balance"] == 31 - 20
    assert len(ledger["entries"]) == 7 and ledger["entries"][0]["who"] == "v1staff"
    assert sum(e["points"] for e in ledger["entries"]) == ledger["balance"]


def test_household_list_masks_names_and_phones_for_all_but_the_village_and_town(people, rules, login):
    make_household("H1", head="张三丰", phone="13800000001")
    make_household("H2", head="欧阳锋", phone="13800000002", grid=2)

    def rows(user):
        r = login(user).get("/api/households/", {"village": V1})
        return r.status_code, r.json()

    for user in (people.village, people.town):
        status, body = rows(user)
        assert status == 200 and [(h["head"], h["phone"]) for h in body] == [
            ("张三丰", "13800000001"), ("欧阳锋", "13800000002")]
    status, body = rows(people.district)
    assert status == 200 and [(h["head"], h["phone"]) for h in body] == [("张**", None), ("欧**", None)]
    assert set(body[0]) == {"code", "village", "group", "address", "head", "phone", "members", "resident", "status",
                            "balance"}
    status, body = rows(people.grid)  # a grid leader of the village: their own grid's households, in full
    assert status == 200 and [(h["code"], h["head"]) for h in body] == [("H1", "张三丰")]
    for outsider in (people.other_village, people.other_town):
        assert rows(outsider)[0] == 404
    assert login(people.village).get("/api/households/").status_code == 400


def test_exports_of_personal_data_are_logged(people, rules, login):
    from households.models import ExportLog

    make_household("H1", head="张三丰", phone="13800000001")
    r = login(people.town).get("/api/households/export.xlsx", {"village": V1})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    r = login(people.district).get("/api/households/export.xlsx", {"village": V1})
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in sheet[2]][4:6] == ["张**", None]
    logs = list(ExportLog.objects.order_by("at").values_list("user__username", "what", "params", "rows"))
    assert logs == [("townA", "households.xlsx", {"village": V1, "personal": True}, 1),
                    ("district", "households.xlsx", {"village": V1, "personal": False}, 1)]


def test_a_second_monthly_score_is_a_409_and_a_retry_with_the_same_uuid_is_not_a_second_entry(people, rules, login):
    make_household("H1")
    c = login(people.village)
    key = str(uuid.uuid4())
    first = score(c, "H1", "yard", "2026-10", client_uuid=key)
    assert first.status_code == 201 and first.json()["points"] == 5 and first.json()["date"] == "2026-10-31"
    again = score(c, "H1", "yard", "2026-10", client_uuid=key)  # the phone's outbox retried
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    dup = score(c, "H1", "yard", "2026-10")
    assert dup.status_code == 409 and "已评过分" in dup.json()["detail"]
    assert score(c, "H1", "yard", "2026-11").status_code == 201
    assert Household.objects.get(code="H1").balance == 10
    # The database itself refuses the duplicate, not only the service.
    entry = PointEntry.objects.get(pk=first.json()["id"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(household=entry.household, village_id=V1, kind="monthly", item_key="yard",
                                  name="x", points=5, month=entry.month, date=entry.date, created_at=timezone.now())


def test_the_ledger_is_append_only(people, rules, login):
    make_household("H1")
    score(login(people.village), "H1", "yard", "2026-10")
    with pytest.raises(ProgrammingError, match="permission denied|append-only"), transaction.atomic():
        PointEntry.objects.update(points=100)
    with pytest.raises(ProgrammingError, match="permission denied|append-only"), transaction.atomic():
        PointEntry.objects.all().delete()


def test_bad_input_is_named(people, rules, login):
    make_household("H1")
    make_household("GONE", status="moved_out")
    c = login(people.village)
    cases = [
        (score(c, "GONE", "yard", "2026-10"), 400, "code"),
        (score(c, "H1", "no_such_item", "2026-10"), 400, "item"),
        (score(c, "H1", "yard"), 400, "month"),
        (score(c, "H1", "yard", "2026-13"), 400, "month"),
        (score(c, "H1", "yard", "2026-10", date="2026-09-30"), 400, "date"),
        (score(c, "H1", "volunteer", date="2099-01-01"), 400, "date"),
        (c.post("/api/households/goods/", {"village": V1, "name": "米", "price": 5, "stock": -1}, format="json"),
         400, "stock"),
        (c.post("/api/households/goods/", {"village": V1, "name": "米", "price": 0, "stock": 1}, format="json"),
         400, "price"),
        (c.post("/api/households/rules/", {"village": V1, "year": 2026, "items": [{"key": "x", "name": "x",
                                                                                    "points": 1, "kind": "weekly"}]},
                format="json"), 400, "items[0].kind"),
    ]
    for r, status, field in cases:
        assert (r.status_code, r.json().get("field")) == (status, field), r.json()
        assert r.json()["detail"]
    assert score(c, "NOPE", "yard", "2026-10").status_code == 404
    # Other roles and areas may not score.
    assert score(login(people.inspector), "H1", "yard", "2026-10").status_code == 403
    assert score(login(people.other_village), "H1", "yard", "2026-10").status_code == 404
    assert Household.objects.get(code="H1").balance == 0 and not PointEntry.objects.exists()


def test_redemption_takes_points_and_stock_together_and_never_below_zero(people, rules, login):
    make_household("H1")
    c = login(people.village)
    for month in ("2026-08", "2026-09"):
        score(c, "H1", "yard", month)
    good = c.post("/api/households/goods/", {"village": V1, "name": "肥皂", "price": 4, "stock": 2}, format="json")
    assert good.status_code == 201
    gid = good.json()["id"]
    r = c.post("/api/households/H1/redeem/", {"good": gid, "quantity": 2}, format="json")
    assert r.status_code == 201 and r.json()["points"] == -8 and r.json()["balance"] == 2
    out_of_stock = c.post("/api/households/H1/redeem/", {"good": gid, "quantity": 1}, format="json")
    assert out_of_stock.status_code == 409 and "库存不足" in out_of_stock.json()["detail"]
    good2 = c.post("/api/households/goods/", {"village": V1, "name": "米", "price": 5, "stock": 9}, format="json")
    over = c.post("/api/households/H1/redeem/", {"good": good2.json()["id"], "quantity": 1}, format="json")
    assert over.status_code == 409 and "积分不足" in over.json()["detail"]
    ledger = c.get("/api/households/H1/points/").json()
    assert ledger["balance"] == 2 and [e["kind"] for e in ledger["entries"]].count("redemption") == 1
    other = login(people.other_village).post("/api/households/goods/", {"village": V1, "name": "x", "price": 1,
                                                                       "stock": 1}, format="json")
    assert other.status_code == 404


def test_rule_changes_apply_from_a_date_and_never_rewrite_past_points(people, rules):
    h = make_household("H1")
    at = timezone.make_aware(datetime(2026, 7, 10, 10))
    e1, _ = services.score(people.village, "H1", item="yard", month="2026-06", now=at)
    changed = [dict(i, points=8) if i["key"] == "yard" else i for i in
               [i for i in rules["items"] if i["key"] != "volunteer"]]
    services.save_rules(people.village, village=V1, year=2026, items=changed, valid_from="2026-07-10",
                        today=date(2026, 7, 10))
    e2, _ = services.score(people.village, "H1", item="yard", month="2026-07", day="2026-07-10", now=at)
    assert (e1.points, e2.points) == (5, 8)
    e1.refresh_from_db()
    assert e1.points == 5 and Household.objects.get(pk=h.pk).balance == 13
    # volunteer was dropped from the 10th: before it still counted, from then on it is not in the rules.
    assert services.score(people.village, "H1", item="volunteer", day="2026-07-09", now=at)[0].points == 10
    with pytest.raises(services.BadInput):
        services.score(people.village, "H1", item="volunteer", day="2026-07-10", now=at)
    # A change may not reach back before today.
    with pytest.raises(services.BadInput):
        services.save_rules(people.village, village=V1, year=2026, items=changed, valid_from="2026-07-01",
                            today=date(2026, 7, 10))


def test_a_village_copies_the_district_reference_and_others_may_not_touch_its_rules(people, login):
    ref = login(people.district).post("/api/households/rules/", {"year": 2026, "board_n": 3, "items": [
        {"key": "yard", "name": "庭院整洁", "points": 5, "kind": "monthly"}]}, format="json")
    assert ref.status_code == 201 and ref.json()["village"] is None
    copied = login(people.village).post("/api/households/rules/", {"village": V1, "year": 2026}, format="json")
    assert copied.status_code == 201 and copied.json()["board_n"] == 3
    assert [i["key"] for i in copied.json()["items"]] == ["yard"]
    got = login(people.town).get("/api/households/rules/", {"village": V1, "year": 2026})
    assert got.status_code == 200 and got.json()["items"][0]["points"] == 5
    assert login(people.village).post("/api/households/rules/", {"year": 2026, "items": []},
                                      format="json").status_code == 403
    assert login(people.other_village).post("/api/households/rules/", {"village": V1, "year": 2026},
                                            format="json").status_code == 404
    assert login(people.inspector).post("/api/households/rules/", {"village": V1, "year": 2026},
                                        format="json").status_code == 403


def test_a_households_problem_costs_the_items_points_when_verified(people, rules, login):
    from tests.factories import close_issue, make_issue

    make_household("H1")
    issue = make_issue(people.town, village=V1, category="clutter")
    c = login(people.village)
    r = c.post("/api/households/H1/issues/", {"issue": issue.pk, "item": "clutter"}, format="json")
    assert r.status_code == 201
    assert c.post("/api/households/H1/issues/", {"issue": issue.pk, "item": "clutter"},
                  format="json").status_code == 409
    assert Household.objects.get(code="H1").balance == 0  # nothing until verified
    close_issue(issue, people.town, people.village)
    entries = c.get("/api/households/H1/points/").json()["entries"]
    assert [(e["kind"], e["points"], e["issue"]) for e in entries] == [("issue", -4, issue.pk)]
    assert Household.objects.get(code="H1").balance == -4
    other = make_issue(people.town, village=V2, category="clutter")
    assert c.post("/api/households/H1/issues/", {"issue": other.pk, "item": "clutter"},
                  format="json").status_code == 404


def test_supervision_lists_villages_that_did_not_score_publish_or_redeem(people, rules, login, page):
    make_household("H1")
    make_household("H2")
    make_household("X1", village=V2)
    c = login(people.village)
    for code in ("H1", "H2"):
        assert score(c, code, "yard", "2026-10").status_code == 201
    good = services.create_good(people.village, village=V1, name="皂", price=1, stock=3)
    services.redeem(people.village, "H1", good=good.pk, now=timezone.make_aware(datetime(2026, 10, 20, 9)))
    poster = page(people.village).get(f"/boards/{V1}/2026-Q4/print")
    assert poster.status_code == 200 and "标记为已张榜公示" in poster.content.decode()
    assert page(people.village).post(f"/boards/{V1}/2026-Q4/print").status_code == 200
    data = login(people.district).get("/api/households/supervision/", {"month": "2026-10"}).json()
    by_code = {v["code"]: v for v in data["villages"]}
    assert (by_code[V1]["scored"], by_code[V1]["households"], by_code[V1]["published"],
            by_code[V1]["redemptions"], by_code[V1]["behind"]) == (2, 2, True, 1, False)
    assert (by_code[V2]["scored"], by_code[V2]["households"], by_code[V2]["behind"]) == (0, 1, True)
    assert V2 in [v["code"] for v in data["behind"]] and V1 not in [v["code"] for v in data["behind"]]
    shown = page(people.district).get("/households/supervision/", {"month": "2026-10"})
    assert shown.status_code == 200 and "乙村" in shown.content.decode()
    # 丙村 and 丁村 have no register: said so, not "入户评比 0/0"
    text = " ".join(shown.content.decode().split())
    assert "丙村： 尚未登记农户，积分制未开展" in text and "0/0" not in text
    assert page(people.inspector).get("/households/supervision/").status_code == 404


def test_a_lost_item_takes_a_photo_that_only_the_area_can_see(people, rules, login):
    from tests.factories import tiny_jpeg

    make_household("H1")
    c = login(people.village)
    r = c.post("/api/households/H1/points/", {"item": "clutter", "month": "2026-10", "photo": tiny_jpeg()},
               format="multipart")
    assert r.status_code == 201 and r.json()["points"] == -4 and r.json()["photo"]
    assert c.get(r.json()["photo"]).status_code == 200
    assert login(people.other_village).get(r.json()["photo"]).status_code == 404
    not_a_picture = SimpleUploadedFile("x.jpg", b"not a picture")
    bad = login(people.village).post("/api/households/H1/points/", {"item": "yard", "month": "2026-10",
                                                                    "photo": not_a_picture}, format="multipart")
    assert bad.status_code == 400 and bad.json()["field"] == "photo"


def test_the_household_list_costs_the_same_queries_for_any_number_of_households(people, rules, login,
                                                                                  django_assert_num_queries):
    c = login(people.town)
    make_household("H1")
    with django_assert_num_queries(2):
        assert len(c.get("/api/households/", {"village": V1}).json()) == 1
    for i in range(2, 7):
        make_household(f"H{i}")
    with django_assert_num_queries(2):
        assert len(c.get("/api/households/", {"village": V1}).json()) == 6
