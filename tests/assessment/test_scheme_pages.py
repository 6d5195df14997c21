"""Pages and documents of the schemes: the ranking page's scheme and cut warning, the year page, the scorecard
form, and the 通报 as .docx (read back with python-docx) and .pdf (read back with pdftotext)."""
import io
import subprocess

import pytest
from django.core.management import call_command

from assessment import services
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_A, at, make_issue, make_user

pytestmark = pytest.mark.django_db
V1, V2, V3, V4 = "310112102201", "310112102202", "310112103201", "310112103202"


@pytest.fixture
def scored(geography):
    d = make_user("district", DISTRICT)
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang", "--set", "bottom_n=1")  # town ranking
    for code, total in ((V1, 60), (V2, 90), (V3, 85), (V4, 70)):
        services.submit_scorecard(d, code, "2026-10", items_for(total))
    make_issue(d, V1, category="clutter", reported_at=at(2026, 10, 5))  # the notice lists the month's problems
    return d


def test_ranking_page_shows_the_scheme_flags_and_warns_about_a_cut_that_tells_nothing(scored, client):
    client.force_login(scored)
    page = client.get("/assessment/?month=2026-10").content.decode()
    assert "大张庄镇" in page and "bottom_n" in page and "待约谈" in page
    # towns of 2 villages with a bottom-1 cut: half of each town is flagged, not more → no warning
    assert "超过半数" not in page
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang", "--set", "bottom_n=2")
    page = client.get("/assessment/?month=2026-10").content.decode()
    assert page.count('data-testid="cut-warning"') == 2 and "甲镇" in page and "超过半数" in page


def test_year_page_and_scorecard_form(scored, client):
    client.force_login(scored)
    page = client.get("/assessment/year/?year=2026").content.decode()
    assert "甲村" in page and "年度总成绩" in page and "/api/assessment/year.xlsx?year=2026" in page
    form = client.get("/assessment/scorecards/").content.decode()
    assert "现场观摩打分" in form and "front_back" in form and "/api/assessment/scorecards/villages/" in form
    client.force_login(make_user("town", TOWN_A))
    mine = client.get("/assessment/year/?year=2026").content.decode().split("<tbody>")[1]
    assert "甲村" in mine and "乙村" in mine and "丙村" not in mine


def test_notice_docx_and_pdf(scored, client, tmp_path):
    from docx import Document

    client.force_login(scored)
    r = client.get("/reports/notice/2026-10.docx", {"scheme": "dazhangzhuang"})
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于2026年10月农村人居环境考核排名靠后村的通报" in text and "整改要求" in text
    assert "〔2026〕10号" in text
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    # bottom 1 of each town: 甲村 (60 < 90) and 丁村 (70 < 85), worst first
    assert [row[1] for row in cells[1:]] == ["甲村", "丁村"]
    assert cells[1][3] == "60" and "1处" in cells[1][6] and cells[2][6] == "—"
    assert client.get("/reports/notice/2026-10.docx", {"scheme": "bogus"}).status_code == 400
    r = client.get("/reports/notice/2026-10.pdf")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
    pdf = tmp_path / "n.pdf"
    pdf.write_bytes(r.content)
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "甲村" in out and "丁村" in out and "乙村" not in out
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts.split("\n", 2)[2]  # the Chinese font is embedded


def test_evaluations_page_replaces_the_list_of_ones_area(scored, client):
    from assessment.models import EvaluatedVillage

    client.force_login(make_user("town", TOWN_A))
    page = client.get("/assessment/evaluations/?year=2026").content.decode()
    assert "甲村" in page and "乙村" in page and "丙村" not in page
    r = client.post("/assessment/evaluations/", {"year": "2026", "village": [V1, V2]})
    assert r.status_code == 302
    assert sorted(EvaluatedVillage.objects.filter(year=2026).values_list("village_id", flat=True)) == [V1, V2]
    r = client.post("/assessment/evaluations/", {"year": "2026", "village": [V2]})
    assert list(EvaluatedVillage.objects.values_list("village_id", flat=True)) == [V2]
    assert "已保存：1 个到访村" in client.get(r["Location"]).content.decode()
    assert client.post("/assessment/evaluations/", {"year": "2026", "village": [V3]}).status_code == 404
    assert list(EvaluatedVillage.objects.values_list("village_id", flat=True)) == [V2]
