"""党建共同体 import (issue 25, plan 001's communities: villages of a town under a 共同体书记): geo.communities, and
`manage.py import_communities FILE.xlsx --user` over it. One transaction, found again by name (a re-import updates
the villages and never duplicates a community), and a bad file changes nothing, each error naming its row and
column."""
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from core.errors import DomainError, Forbidden
from geo.communities import import_file
from geo.models import Community, District, Town, Village
from tests.factories import DISTRICT, TOWN_A, TOWN_B, V1, V2, V3, V4, box, make_user

pytestmark = pytest.mark.django_db
HEADERS = ["共同体名称", "共同体书记", "行政村代码"]


def xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def members():
    """{community name: (town, secretary, [village codes])}."""
    return {c.name: (c.town_id, c.secretary, sorted(c.villages.values_list("code", flat=True)))
            for c in Community.objects.all()}


def test_import_groups_villages_under_their_secretary(geography):
    district = make_user("district", DISTRICT)
    result = import_file(district, xlsx([("东片共同体", "王书记", V1), ("东片共同体", "", V2),
                                         ("南片共同体", "李书记", V3)]), "c.xlsx")
    assert result.errors == []
    assert (result.total, result.created, result.updated, result.unchanged, result.villages_moved) == (3, 2, 0, 0, 3)
    assert members() == {"东片共同体": (TOWN_A, "王书记", [V1, V2]), "南片共同体": (TOWN_B, "李书记", [V3])}
    assert Village.objects.get(code=V4).community is None


def test_reimport_updates_membership_and_never_duplicates(geography):
    district = make_user("district", DISTRICT)
    first = xlsx([("东片共同体", "王书记", V1), ("东片共同体", "王书记", V2), ("南片共同体", "李书记", V3)])
    import_file(district, first, "c.xlsx")
    again = import_file(district, first, "c.xlsx")
    assert (again.created, again.updated, again.unchanged, again.villages_moved) == (0, 0, 2, 0)
    assert Community.objects.count() == 2

    # 乙村 leaves 东片 (no longer listed); 丁村 joins 南片; 南片 gets a new secretary; a blank one keeps 王书记
    changed = import_file(district, xlsx([("东片共同体", "", V1), ("南片共同体", "赵书记", V3),
                                          ("南片共同体", "", V4)]), "c.xlsx")
    assert changed.errors == []
    assert (changed.created, changed.updated, changed.unchanged, changed.villages_moved) == (0, 2, 0, 2)
    assert Community.objects.count() == 2
    assert members() == {"东片共同体": (TOWN_A, "王书记", [V1]), "南片共同体": (TOWN_B, "赵书记", [V3, V4])}

    # a village moved from one community to another is in the new one only
    import_file(district, xlsx([("东片共同体", "", V2), ("西片共同体", "陈书记", V1)]), "c.xlsx")
    assert members()["东片共同体"][2] == [V2] and members()["西片共同体"] == (TOWN_A, "陈书记", [V1])
    assert Community.objects.count() == 3


def other_district_village():
    shape = box(121.50, 31.10, 121.52, 31.12)
    other = District.objects.create(code="310113", name="宝山区", boundary=shape)
    town = Town.objects.create(code="310113101", name="外镇", district=other, boundary=shape)
    return Village.objects.create(code="310113101201", name="外村", town=town, boundary=shape)


def test_a_bad_file_changes_nothing_and_names_each_row_and_column(geography):
    district = make_user("district", DISTRICT)
    import_file(district, xlsx([("东片共同体", "王书记", V1)]), "c.xlsx")
    before = members()
    outside = other_district_village()
    result = import_file(district, xlsx([
        ("东片共同体", "王书记", V2),            # row 2: good, but the file as a whole is refused
        ("", "李书记", V3),                      # row 3: no name
        ("南片共同体", "李书记", "310112999999"),  # row 4: unknown village code
        ("南片共同体", "李书记", outside.code),    # row 5: a village of another district
        ("西片共同体", "", V2),                  # row 6: 乙村 again
        ("东片共同体", "张书记", V1),            # row 7: a second secretary for 东片
        ("东片共同体", "", V3),                  # row 8: 丙村 lies in another town than 东片's villages
    ]), "c.xlsx")
    reasons = {(e["row"], e["column"]): e["reason"] for e in result.errors}
    assert sorted(reasons) == [(3, "共同体名称"), (4, "行政村代码"), (5, "行政村代码"), (6, "行政村代码"),
                               (7, "共同体书记"), (8, "行政村代码")]
    assert "共同体名称为空" in reasons[(3, "共同体名称")]
    assert "310112999999 不存在" in reasons[(4, "行政村代码")]
    assert "外村" in reasons[(5, "行政村代码")] and "不在您所在的区内" in reasons[(5, "行政村代码")]
    assert "已在第 2 行列出" in reasons[(6, "行政村代码")]
    assert "王书记" in reasons[(7, "共同体书记")]
    assert "同一街镇" in reasons[(8, "行政村代码")]
    assert result.summary == "未导入：文件有 6 处错误，未做任何修改"
    assert members() == before and outside.community is None


def test_file_level_errors_and_who_may_import(geography):
    district = make_user("district", DISTRICT)
    with pytest.raises(DomainError, match="缺少必需的列：行政村代码"):
        import_file(district, xlsx([("东片共同体", "王书记")], headers=["共同体名称", "共同体书记"]), "c.xlsx")
    with pytest.raises(DomainError, match="没有数据行"):
        import_file(district, xlsx([]), "c.xlsx")
    with pytest.raises(DomainError, match="不是有效的 xlsx"):
        import_file(district, b"PK\x03\x04 not a zip", "c.xlsx")
    with pytest.raises(Forbidden):
        import_file(make_user("town", TOWN_A), xlsx([("东片共同体", "王书记", V1)]), "c.xlsx")
    assert Community.objects.count() == 0


def run(*args):
    out = io.StringIO()
    call_command("import_communities", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_and_reports_bad_rows(geography, tmp_path):
    make_user("district", DISTRICT, username="qu")
    make_user("town", TOWN_A, username="zhen")
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx([("东片共同体", "王书记", V1), ("东片共同体", "", V2)]))
    bad.write_bytes(xlsx([("东片共同体", "王书记", "310112999999")]))
    assert "新建共同体 1 个" in run(str(good), "--user", "qu")
    assert "未变 1 个" in run(str(good), "--user", "qu")
    assert members() == {"东片共同体": (TOWN_A, "王书记", [V1, V2])}
    out = io.StringIO()
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_communities", str(bad), "--user", "qu", stdout=out)
    assert "第 2 行：“行政村代码”列：行政村代码 310112999999 不存在" in out.getvalue()
    with pytest.raises(CommandError, match="不是区级工作人员"):
        run(str(good), "--user", "zhen")
    assert Community.objects.count() == 1
