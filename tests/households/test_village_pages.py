"""The village household pages through Django's test client: the register (add, edit, move out, import with its
errors workbook, door cards), rules and goods, the counter, and 关联农户 on a problem's page. The browser tests
(test_*_browser.py here) drive the same pages by their labels; these cover the refusals and repeats in detail."""
import io
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from households import services
from households.models import Good, Household, IssueLink, PointEntry, RuleSet
from tests.factories import make_issue, village_point
from tests.households.conftest import ITEMS, V1, V2, make_household

pytestmark = pytest.mark.django_db


def _token(html, after=""):
    start = html.index(after) if after else 0
    return re.search(r'name="form_token" value="([^"]+)"', html[start:]).group(1)


def _year_rules(staff, items=ITEMS):
    today = timezone.localdate()
    services.save_rules(staff, village=V1, year=today.year, board_n=2, items=items, today=today.replace(month=1, day=1))


def test_village_cadre_adds_a_household_without_naming_the_village(people, page):
    client = page(people.village)
    html = client.get("/households/").content.decode()
    assert "甲村" in html and 'name="village" data-autosubmit' not in html  # no village to choose
    form = client.get("/households/new/").content.decode()
    lon, lat = village_point(V1, 1)
    body = {"code": "JC-1-001", "group": "一组", "address": "一组1号", "head": "王大明", "phone": "13900000001",
            "members": "4", "resident": "是", "longitude": f"{lon}", "latitude": f"{lat}",
            "form_token": _token(form)}
    r = client.post("/households/new/", body, follow=True)
    assert "已登记农户：JC-1-001 王大明" in r.content.decode()
    h = Household.objects.get(code="JC-1-001")
    assert (h.village_id, h.grid_id, h.members, h.head) == (V1, V1 + "001", 4, "王大明")
    again = client.post("/households/new/", body, follow=True)  # the same form sent twice
    assert "已经提交过" in again.content.decode() and Household.objects.filter(code="JC-1-001").count() == 1


@pytest.mark.parametrize("field, value, message", [
    ("head", "", "请填写户主"),
    ("members", "0", "人口数应为 1–100 的整数"),
    ("phone", "abc", "电话号码格式不正确"),
    ("longitude", "121.43", "门口位置不在甲村范围内"),  # 乙村
    ("latitude", "", "请给出门口位置"),
])
def test_bad_household_input_is_named_next_to_its_field_and_nothing_saved(people, page, field, value, message):
    client = page(people.village)
    lon, lat = village_point(V1, 1)
    body = {"code": "JC-1-002", "group": "一组", "head": "李四", "members": "3", "resident": "是",
            "longitude": f"{lon}", "latitude": f"{lat}", field: value}
    r = client.post("/households/new/", body)
    html = r.content.decode()
    assert r.status_code == 400
    error = re.search(r'data-testid="field-error">([^<]+)<', html).group(1)
    assert message in error
    assert not Household.objects.filter(code="JC-1-002").exists()


def test_edit_and_move_out_and_back(people, page):
    make_household("JC-2-001", head="赵六", members=2)
    client = page(people.village)
    form = client.get("/households/JC-2-001/edit/").content.decode()
    assert 'value="赵六"' in form
    lon, lat = village_point(V1, 2)
    r = client.post("/households/JC-2-001/edit/", {"group": "二组", "address": "二组5号", "head": "赵六",
                                                   "members": "5", "resident": "否", "longitude": lon,
                                                   "latitude": lat, "form_token": _token(form)}, follow=True)
    assert "已保存：JC-2-001 赵六" in r.content.decode()
    h = Household.objects.get(code="JC-2-001")
    assert (h.group, h.members, h.resident, h.grid_id) == ("二组", 5, False, V1 + "002")
    html = client.get("/households/").content.decode()
    r = client.post("/households/", {"action": "move_out", "household": "JC-2-001",
                                     "form_token": _token(html, 'data-testid="household-JC-2-001"')}, follow=True)
    assert "已迁出：JC-2-001" in r.content.decode()
    assert Household.objects.get(code="JC-2-001").status == "moved_out"
    r = client.post("/households/", {"action": "restore", "household": "JC-2-001"}, follow=True)
    assert "已恢复在册" in r.content.decode() and Household.objects.get(code="JC-2-001").status == "active"


def test_other_village_cadre_cannot_edit(people, page):
    make_household("JC-3-001")
    assert page(people.other_village).get("/households/JC-3-001/edit/").status_code == 404
    r = page(people.other_village).post("/households/", {"action": "move_out", "household": "JC-3-001"})
    assert Household.objects.get(code="JC-3-001").status == "active" and r.status_code in (400, 404)


def test_town_staff_pick_a_village_of_their_area(people, page):
    client = page(people.town)
    html = client.get("/households/").content.decode()
    assert "请选择行政村" in html and "甲村" in html and "乙村" in html and "丙村" not in html
    make_household("JC-4-001", head="孙七")
    assert "孙七" in client.get(f"/households/?village={V1}").content.decode()


def _xlsx(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["户编号", "村民小组", "门牌", "经度", "纬度", "户主", "电话", "人口"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "农户.xlsx"
    return buf


def test_import_through_the_page_with_its_errors_workbook(people, page):
    client = page(people.village)
    lon, lat = village_point(V1, 1)
    other = village_point(V2, 1)
    upload = _xlsx([["IM-001", "一组", "1号", lon, lat, "周一", "", 3],
                    ["IM-002", "一组", "2号", other[0], other[1], "周二", "", 2],
                    ["IM-003", "二组", "3号", lon, lat, "", "", 1]])
    r = client.post("/households/", {"action": "import", "file": upload})
    html = r.content.decode()
    assert r.status_code == 200
    assert "共 3 行：新建 1，更新 0，未变 0，失败 2" in html
    assert "门口位置不在 甲村" in html and "户主不能为空" in html
    assert list(Household.objects.values_list("code", flat=True)) == ["IM-001"]
    url = re.search(r'href="(/households/import-errors/[^"]+\.xlsx)"', html).group(1)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(url).content))
    rows = list(wb.active.values)
    assert rows[0][-2:] == ("原行号", "错误原因") and [r[0] for r in rows[1:]] == ["IM-002", "IM-003"]
    assert page(people.other_village).get(url).status_code == 404  # another user's errors are not theirs


def test_import_without_a_file_is_refused_next_to_the_field(people, page):
    r = page(people.village).post("/households/", {"action": "import"})
    assert r.status_code == 400 and "请选择要导入的表格文件" in r.content.decode()


def test_door_cards_of_the_village(people, page):
    make_household("DC-1", head="吴一")
    make_household("DC-2", head="吴二", status="moved_out")
    html = page(people.village).get("/households/cards/").content.decode()
    assert html.count('data-testid="card"') == 1 and "DC-1" in html and "<svg" in html


def test_rules_copied_from_the_district_reference_then_edited(people, page):
    year = timezone.localdate().year
    services.save_rules(people.district, year=year, board_n=3, items=ITEMS)
    client = page(people.village)
    html = client.get("/households/rules/").content.decode()
    assert "从区级参考细则复制" in html
    r = client.post("/households/rules/", {"action": "copy", "year": year, "form_token": _token(html)}, follow=True)
    assert f"已从区级参考细则复制 {year} 年积分细则" in r.content.decode()
    ruleset = RuleSet.objects.get(village=V1, year=year)
    assert ruleset.copied_from.village is None and ruleset.items.count() == 4
    html = client.get("/households/rules/").content.decode()
    keys = re.findall(r'name="item_key" value="([^"]*)"', html)
    assert keys[:4] == sorted(i["key"] for i in ITEMS)
    post = {"action": "save", "year": year, "board_n": "3", "valid_from": timezone.localdate().isoformat(),
            "item_key": [], "item_name": [], "item_category": [], "item_points": [], "item_kind": []}
    for i in sorted(ITEMS, key=lambda i: i["key"]):
        post["item_key"].append(i["key"])
        post["item_name"].append(i["name"])
        post["item_category"].append(i["category"])
        post["item_points"].append(str(8 if i["key"] == "yard" else i["points"]))
        post["item_kind"].append(i["kind"])
    pairs = zip(post["item_key"], post["item_points"], strict=True)
    bad = {**post, "item_points": ["x" if k == "sorting" else p for k, p in pairs]}
    r = client.post("/households/rules/", bad)
    assert r.status_code == 400 and "points 应为非零整数" in r.content.decode()
    r = client.post("/households/rules/", post, follow=True)
    assert "已保存" in r.content.decode()
    assert services.item_in_force(V1, "yard", timezone.localdate()).points == 8


def test_goods_added_and_restocked(people, page):
    client = page(people.village)
    r = client.post("/households/rules/", {"action": "add_good", "name": "", "price": "10", "stock": "2"})
    assert r.status_code == 400 and "请给出物品名称" in r.content.decode() and not Good.objects.exists()
    r = client.post("/households/rules/", {"action": "add_good", "name": "肥皂", "price": "x", "stock": "2"})
    assert r.status_code == 400 and "price" in r.content.decode() and not Good.objects.exists()
    r = client.post("/households/rules/", {"action": "add_good", "name": "肥皂", "price": "10", "stock": "2"},
                    follow=True)
    assert "已添加兑换物品：肥皂" in r.content.decode()
    good = Good.objects.get()
    r = client.post("/households/rules/", {"action": "restock", "good": good.pk, "add_stock": "5"}, follow=True)
    assert "已补货：肥皂，库存 7" in r.content.decode()
    r = client.post("/households/rules/", {"action": "restock", "good": good.pk, "add_stock": "-1"})
    assert r.status_code == 400 and "补货数量应为" in r.content.decode()
    assert page(people.other_village).post("/households/rules/", {"action": "off", "good": good.pk}).status_code \
        in (400, 404)
    good.refresh_from_db()
    assert (good.stock, good.active) == (7, True)


def _counter(people, balance=30, stock=1, price=10):
    _year_rules(people.village)
    h = make_household("RD-1", head="陈一")
    Household.objects.filter(pk=h.pk).update(balance=balance)
    return h, services.create_good(people.village, village=V1, name="电饭煲", price=price, stock=stock)


def test_counter_finds_by_name_and_redeems_with_balance_before_and_after(people, page):
    _, good = _counter(people, stock=3)
    client = page(people.village)
    r = client.get("/households/redeem/?q=陈一", follow=True)
    html = r.content.decode()
    assert "当前积分 <b data-testid=\"balance\">30</b>" in html
    r = client.post("/households/redeem/", {"household": "RD-1", "good": good.pk, "quantity": "2",
                                            "form_token": _token(html, f'data-testid="good-{good.pk}"')},
                    follow=True)
    html = r.content.decode()
    assert "已兑换 电饭煲×2：陈一 的积分 30 → 10" in html
    assert "兑换前 <b>30</b> 分 → 兑换后 <b>10</b> 分" in html
    assert Household.objects.get(code="RD-1").balance == 10 and Good.objects.get().stock == 1


def test_counter_refuses_what_the_balance_cannot_pay(people, page):
    _, good = _counter(people, balance=5)
    r = page(people.village).post("/households/redeem/", {"household": "RD-1", "good": good.pk, "quantity": "1"})
    assert r.status_code == 409 and "积分不足：余额 5，需要 10" in r.content.decode()
    r = page(people.village).post("/households/redeem/", {"household": "RD-1", "good": good.pk, "quantity": "0"})
    assert r.status_code == 400 and "quantity 应为正整数" in r.content.decode()
    assert Household.objects.get(code="RD-1").balance == 5 and not PointEntry.objects.exists()


def test_counter_unknown_code_and_other_village(people, page):
    make_household("OT-1", village=V2)
    client = page(people.village)
    r = client.get("/households/redeem/?code=OT-1")
    assert r.status_code == 404 and "没有找到户编号为 OT-1 的农户" in r.content.decode()
    r = client.get("/households/redeem/?q=无此人")
    assert r.status_code == 404 and "没有找到“无此人”" in r.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_cadres_redeem_the_last_item_at_once_through_the_page(people):
    from tests.factories import make_user

    _, good = _counter(people, balance=30, stock=1)
    second = make_user("village", V1, "v1staff-b")
    clients = []
    for user in (people.village, second):
        c = Client()
        c.force_login(user)
        clients.append(c)
    barrier = threading.Barrier(2)
    answers = [None, None]

    def run(i):
        try:
            barrier.wait()
            answers[i] = clients[i].post("/households/redeem/", {"household": "RD-1", "good": good.pk,
                                                                 "quantity": "1"}, follow=True)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    bodies = sorted(a.content.decode() for a in answers)
    won = [b for b in bodies if "已兑换 电饭煲×1" in b]
    lost = [b for b in bodies if "库存不足" in b]
    assert len(won) == 1 and len(lost) == 1
    assert Good.objects.get().stock == 0 and Household.objects.get(code="RD-1").balance == 20
    assert PointEntry.objects.filter(kind="redemption").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_household_at_two_counters_never_goes_below_zero(people):
    from tests.factories import make_user

    _, good = _counter(people, balance=10, stock=5)
    second = make_user("village", V1, "v1staff-c")
    clients = []
    for user in (people.village, second):
        c = Client()
        c.force_login(user)
        clients.append(c)
    barrier = threading.Barrier(2)
    answers = [None, None]

    def run(i):
        try:
            barrier.wait()
            answers[i] = clients[i].post("/households/redeem/", {"household": "RD-1", "good": good.pk,
                                                                 "quantity": "1"})
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [302, 409]
    assert Household.objects.get(code="RD-1").balance == 0 and Good.objects.get().stock == 4


def test_village_staff_link_a_problem_to_a_household(people, page):
    _year_rules(people.village)
    make_household("LK-1", head="钱一", group="一组")
    make_household("LK-2", head="钱二", group="二组")
    issue = make_issue(people.inspector, village=V1)
    client = page(people.village)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "关联农户" in html and "钱二 · 二组LK-2号（LK-2）" in html
    assert "宅前屋后乱堆乱放（-4 分）" in html and "庭院整洁" not in html  # only items that cost points
    r = client.post(f"/issues/{issue.pk}/household/", {"household": "", "item": "clutter"})
    assert r.status_code == 400 and "请选择农户" in r.content.decode() and not IssueLink.objects.exists()
    r = client.post(f"/issues/{issue.pk}/household/", {"household": "LK-2", "item": "clutter",
                                                       "form_token": _token(html, 'data-testid="household-link"')},
                    follow=True)
    assert "已关联农户：LK-2 钱二" in r.content.decode()
    link = IssueLink.objects.get()
    assert (link.household.code, link.item_key, link.issue_id) == ("LK-2", "clutter", issue.pk)
    assert 'data-testid="linked-household"' in client.get(f"/issues/{issue.pk}/").content.decode()
    r = client.post(f"/issues/{issue.pk}/household/", {"household": "LK-1", "item": "clutter"})
    assert r.status_code == 409 and IssueLink.objects.count() == 1


def test_no_link_panel_for_an_inspector_or_another_village(people, page):
    _year_rules(people.village)
    make_household("LK-3")
    issue = make_issue(people.inspector, village=V1)
    assert "关联农户" not in page(people.inspector).get(f"/issues/{issue.pk}/").content.decode()
    r = page(people.inspector).post(f"/issues/{issue.pk}/household/", {"household": "LK-3", "item": "clutter"})
    assert r.status_code in (403, 404) and not IssueLink.objects.exists()
