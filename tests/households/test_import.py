"""`manage.py import_households`: error rows by number, an errors workbook, idempotent."""
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from households.models import Household
from tests.households.conftest import V1

pytestmark = pytest.mark.django_db
DATA = "tests/data/households.csv"


def run(*args):
    out = io.StringIO()
    call_command("import_households", *args, stdout=out)
    return out.getvalue()


def test_import_reports_bad_rows_by_number_and_is_idempotent(people, tmp_path):
    errors = tmp_path / "errors.xlsx"
    out = run(DATA, "--user", "v1staff", "--errors", str(errors))
    assert "共 7 行：新建 3，更新 0，未变 0，失败 4" in out
    assert "第 4 行：门口位置不在 甲村（310112102201）范围内" in out  # 121.425 lies in 乙村
    assert "第 5 行：户编号 JC-1-001 与第 2 行重复" in out
    assert "第 7 行：人口数应为 1–100 的整数" in out and "第 8 行：本村居民应为“是”或“否”" in out
    assert sorted(Household.objects.values_list("code", flat=True)) == ["JC-1-001", "JC-1-002", "JC-2-001"]
    first = Household.objects.get(code="JC-1-001")
    assert (first.head, first.group, first.members, first.grid_id) == ("张三丰", "一组", 3, V1 + "001")
    assert Household.objects.get(code="JC-1-002").resident is False
    sheet = load_workbook(errors).active
    assert [c.value for c in sheet[1]][-2:] == ["原行号", "错误原因"]
    assert [row[-2].value for row in sheet.iter_rows(min_row=2)] == [4, 5, 7, 8]

    before = list(Household.objects.order_by("code").values())
    again = run(DATA, "--user", "v1staff")
    assert "新建 0，更新 0，未变 3，失败 4" in again
    assert list(Household.objects.order_by("code").values()) == before


def test_import_refuses_other_areas_and_bad_files(people, tmp_path):
    out = run(DATA, "--user", "v2staff")
    assert "新建 0" in out and "行政村不存在或不在您的辖区内" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("name,phone\n张三,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少必需的列"):
        run(str(bad), "--user", "v1staff")
    with pytest.raises(CommandError, match="no such user"):
        run(DATA, "--user", "nobody")
    with pytest.raises(CommandError, match="不能导入农户"):
        run(DATA, "--user", "insp")
