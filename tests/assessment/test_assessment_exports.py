"""Work ledger (read back with openpyxl), monthly PDF report (rendered with pdftoppm), bulk import."""
import csv
import io
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from PIL import Image

from assessment.ledger import HEADERS
from patrol.imports import import_file
from patrol.models import Issue, IssueEvent
from patrol.services import add_photo, transition_issue
from tests.factories import TOWN_A, V1, V2, V3, at, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db


def test_town_ledger_reads_back(people, login):
    p = people
    a = make_issue(p["inspector"], V1, category="clutter", reported_at=at(2026, 3, 2))
    transition_issue(p["town"], a.pk, "assign", now=at(2026, 3, 3), deadline="2026-03-10")
    add_photo(p["cun"], a.pk, tiny_jpeg(), "after")
    transition_issue(p["cun"], a.pk, "submit", now=at(2026, 3, 5))
    transition_issue(p["town"], a.pk, "verify", now=at(2026, 3, 6))
    make_issue(p["inspector"], V2, grid=2, category="shack", reported_at=at(2026, 3, 4))
    make_issue(p["inspector"], V3, reported_at=at(2026, 3, 4))  # another town: not in this ledger

    response = login(p["town"]).get("/api/ledger.xlsx", {"town": TOWN_A, "month": "2026-03"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["甲村", "乙村", "月度考核"]  # with a month: the month's result of its villages
    ws = wb["甲村"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:O{ws.max_row}"
    row = [c.value for c in ws[2]]
    assert row[0] == a.pk and row[1] == "乱堆乱放" and row[5] == "甲村" and row[6] == "甲村一网格"
    assert row[10] == "已销号" and row[12] == 4.0 and "/api/photos/" in row[14]
    assert [c.value for c in wb["乙村"][2]][1] == "窝棚"
    # February's ledger shows nothing yet; March's stays the same after a later reopen.
    feb = load_workbook(io.BytesIO(login(p["town"]).get("/api/ledger.xlsx", {"village": V1, "month": "2026-02"})
                                   .content))
    assert feb["甲村"].max_row == 1
    transition_issue(p["town"], a.pk, "reopen", now=at(2026, 4, 2))
    again = load_workbook(io.BytesIO(login(p["town"]).get("/api/ledger.xlsx", {"village": V1, "month": "2026-03"})
                                     .content))
    assert [c.value for c in again["甲村"][2]][10] == "已销号"
    assert login(p["town"]).get("/api/ledger.xlsx", {"village": V3}).status_code == 404
    assert login(p["town"]).get("/api/ledger.xlsx").status_code == 400


def test_monthly_pdf_has_the_map_and_the_month(people, client, tmp_path):
    p = people
    red = make_issue(p["inspector"], V1, reported_at=at(2026, 3, 2))
    transition_issue(p["town"], red.pk, "assign", now=at(2026, 3, 3), deadline="2026-03-10")
    make_issue(p["inspector"], V2, reported_at=at(2026, 3, 20))  # reported, no deadline yet: yellow
    client.force_login(p["district"])
    response = client.get("/reports/monthly/2026-03.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "2026年03月" in text and "红黑榜" in text and "甲村" in text and str(red.pk) in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    w, h = page.size
    # The map sits in the upper half of the first page: all three light colours must be there.
    region = page.crop((0, int(h * 0.05), w, int(h * 0.5)))
    found = set()
    targets = {"red": (0xD7, 0x19, 0x1C), "yellow": (0xF5, 0xB8, 0x00), "green": (0x1A, 0x96, 0x41)}
    for pixel in region.getdata():
        for name, rgb in targets.items():
            if all(abs(a - b) <= 12 for a, b in zip(pixel, rgb, strict=True)):
                found.add(name)
    assert found == {"red", "yellow", "green"}
    town_pdf = client.get("/reports/monthly/2026-03.pdf", {"town": TOWN_A})
    assert town_pdf.status_code == 200
    client.force_login(p["town"])
    assert client.get("/reports/monthly/2026-03.pdf", {"town": "310112103"}).status_code == 404


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


IMPORT_ROWS = [
    ["经度", "纬度", "坐标系", "类别", "描述", "日期", "来源", "编号"],
    [121.405, 31.11, "wgs84", "乱堆乱放", "柴草堆", "2026-03-02", "区级巡查", "A-1"],
    [121.425, 31.11, "", "shack", "窝棚", "2026-03-03", "", ""],
    [121.445, 31.11, "wgs84", "clutter", "另一镇", "2026-03-03", "district_patrol", ""],  # outside town A
    [121.405, 31.11, "wgs84", "飞碟", "", "2026-03-03", "", ""],  # unknown category
    ["abc", 31.11, "wgs84", "clutter", "", "2026-03-03", "", ""],  # bad number
    [121.0, 30.0, "wgs84", "clutter", "", "2026-03-03", "", ""],  # in no village
    [121.415, 31.115, "wgs84", "残垣断壁", "", "2099-01-01", "", ""],  # future date
]


def test_import_good_bad_and_repeated_rows(people, login):
    p = people
    town = p["town"]
    content = _xlsx(IMPORT_ROWS)
    first = import_file(town, content, "problems.xlsx")
    assert (first.total, first.created, first.existing) == (7, 2, 0)
    reasons = {e["row"]: e["reason"] for e in first.errors}
    assert sorted(reasons) == [4, 5, 6, 7, 8]
    assert "辖区" in reasons[4] and "类别" in reasons[5] and "数字" in reasons[6] and "行政村" in reasons[7]
    assert "晚于今天" in reasons[8]
    issue = Issue.objects.get(pk=first.created_ids[0])
    assert (issue.village_id, issue.category_id, issue.source) == (V1, "clutter", "district_patrol")
    assert timezone.localtime(issue.reported_at).date().isoformat() == "2026-03-02"
    assert IssueEvent.objects.filter(issue=issue, action="report").count() == 1
    # The same file again creates nothing new; the API answers the same and can return the bad rows as xlsx.
    again = login(town).post("/api/issues/import/", {"file": io.BytesIO(content)}, format="multipart")
    assert again.status_code == 200
    body = again.json()
    assert (body["created"], body["existing"], body["failed"]) == (0, 2, 5)
    assert Issue.objects.count() == 2
    upload = io.BytesIO(content)
    upload.name = "problems.xlsx"
    bad = login(town).post("/api/issues/import/?errors=xlsx", {"file": upload}, format="multipart")
    ws = load_workbook(io.BytesIO(bad.content)).active
    assert [c.value for c in ws[1]][-2:] == ["原行号", "错误原因"]
    assert [r[-2] for r in ws.iter_rows(min_row=2, values_only=True)] == [4, 5, 6, 7, 8]
    # A rebound goes through the same rules: a new clutter report near the closed one in CSV with GCJ-02.
    buf = io.StringIO()
    csv.writer(buf).writerows([["longitude", "latitude", "category", "date"], [121.435, 31.11, "其他", "2026-03-05"]])
    result = import_file(town, buf.getvalue().encode("utf-8-sig"), "more.csv")
    assert result.created == 1
    assert login(make_user("supervisor", "310112")).post(
        "/api/issues/import/", {"file": io.BytesIO(content)}, format="multipart").status_code == 403


def test_import_command(people, tmp_path, capsys):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(_xlsx(IMPORT_ROWS))
    errors = tmp_path / "bad.xlsx"
    call_command("import_issues", str(path), "--user", people["district"].username, "--errors", str(errors))
    out = capsys.readouterr().out
    assert "新建 3" in out and "失败 4" in out  # district staff may report in town B too
    assert errors.exists()
    call_command("import_issues", str(path), "--user", people["district"].username)
    assert "新建 0，已存在 3" in capsys.readouterr().out


def test_import_streams_progress(people, login, client):
    import json

    rows = [IMPORT_ROWS[0]] + [[121.401 + i * 0.0005, 31.105, "wgs84", "clutter", f"堆{i}", "2026-03-02", "", ""]
                               for i in range(30)]
    upload = io.BytesIO(_xlsx(rows))
    upload.name = "many.xlsx"
    response = login(people["town"]).post("/api/issues/import/?progress=1", {"file": upload}, format="multipart")
    lines = [json.loads(x) for x in b"".join(response.streaming_content).decode().splitlines()]
    assert lines[0] == {"done": 1, "total": 30} and lines[-2] == {"done": 30, "total": 30}
    assert lines[-1]["result"]["created"] == 30
    client.force_login(people["town"])
    assert "批量导入问题" in client.get("/issues/import/").content.decode()
    client.force_login(make_user("supervisor", "310112"))
    assert client.get("/issues/import/").status_code == 404
