"""One truth for every ranking (issue 25): a district with one town per scheme, two closed months, and every
page, document and export that shows a score, a rank, a flag, a 红榜/黑榜 or a year mark read back — each must
show what assessment.results.month says, and the hand-worked values below.

The months are the last two complete months of the machine's clock (closing needs ended months); the
standard and dazhangzhuang values do not depend on which months they are."""
import io
import re
import subprocess

import pytest
from django.core.management import call_command

from assessment import results, services
from assessment.monthly import last_complete_month
from core.months import previous_month
from geo.lookup import rebuild_pieces
from geo.models import Town, Village
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_A, TOWN_B, V1, V2, V3, V4, at, box, make_issue, make_user

pytestmark = pytest.mark.django_db
TOWN_C = "310112104"
C1, C2, C3 = "310112104201", "310112104202", "310112104203"
MH = [("toilets", 20), ("land", 20), ("houses", 20), ("water", 15), ("facilities", 15), ("participation", 10)]


def pdf_text(content, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def district(geography):
    """Town A on the standard formula, town B on dazhangzhuang (bottom 1, reward 1, deduction 1), town C on
    minhang (bottom 1 within the town). Months m1 and m2 closed.

    - 甲村 (V1): one district-patrol problem in m1 (99), two more in m2 (98). 乙村 (V2): no record: 未评分.
    - 丙村 (V3): cards 80 in m1, 70 in m2. 丁村 (V4): a card of 99 in m1 only: 未评分 in m2, and for the year a
      one-month village (数据不全, no reward although its one score is the best).
    - 庚村 (C1) cards 85 and 75; 辛村 (C2) a card of 60 in m2; 壬村 (C3) none."""
    town = Town.objects.create(code=TOWN_C, name="丙镇", district_id=DISTRICT,
                               boundary=box(121.48, 31.10, 121.54, 31.12))
    for i, (code, name) in enumerate(((C1, "庚村"), (C2, "辛村"), (C3, "壬村"))):
        Village.objects.create(code=code, name=name, town=town,
                               boundary=box(121.48 + i * 0.02, 31.10, 121.50 + i * 0.02, 31.12))
    rebuild_pieces("village")
    rebuild_pieces("town")
    call_command("assessment_scheme", TOWN_B, "dazhangzhuang", "--set", "bottom_n=1", "--set", "reward_n=1",
                 "--set", "deduct_n=1")
    call_command("assessment_scheme", TOWN_C, "minhang", "--set", "bottom_n=1", "--set", "rank_scope=town")
    d = make_user("district", DISTRICT)
    m2 = last_complete_month()
    m1 = previous_month(m2)
    make_issue(d, V1, reported_at=at(m1.year, m1.month, 5))
    make_issue(d, V1, grid=2, reported_at=at(m2.year, m2.month, 5))
    make_issue(d, V1, category="clutter", reported_at=at(m2.year, m2.month, 6))
    for code, month, total in ((V3, m1, 80), (V3, m2, 70), (V4, m1, 99)):
        services.submit_scorecard(d, code, f"{month:%Y-%m}", items_for(total))
    for code, month, total in ((C1, m1, 85), (C1, m2, 75), (C2, m2, 60)):
        services.submit_scorecard(d, code, f"{month:%Y-%m}", items_for(total, MH))
    services.close_month(m1, DISTRICT)
    services.close_month(m2, DISTRICT)
    return {"user": d, "m1": m1, "m2": m2}


def test_every_page_document_and_export_shows_the_same_result(district, client, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    d, m1, m2 = district["user"], district["m1"], district["m2"]
    m = f"{m2:%Y-%m}"
    truth = results.month(DISTRICT, m2)
    rows = {r["code"]: r for r in truth.rows}
    assert {r["scheme"] for r in truth.rows} == {"standard", "dazhangzhuang", "minhang"}

    # hand-worked: the standard formula and dazhangzhuang's mean of cards; no record, no score
    assert (rows[V1]["score"], rows[V3]["score"], rows[C2]["score"]) == (98, 70, 60)
    for code in (V2, V4, C3):
        assert rows[code]["score"] is None and rows[code]["rank"] is None and rows[code]["flags"] == []
        assert rows[code]["score_text"] == "未评分" and rows[code]["list"] == ""
    # 甲村 alone scored in its town on the standard formula: bottom in m1 and m2 → bottom_twice (and the notice)
    assert [f["code"] for f in rows[V1]["flags"]] == ["bottom_twice", "notice"]
    assert [f["code"] for f in rows[V3]["flags"]] == ["bottom_twice"]  # 80 < 99 in m1; alone in m2
    assert all(r["code"] not in (V2, V4, C3) for r in truth.red_list + truth.black_list)

    client.force_login(d)

    # /api/assessment/: the first contract's fields on every row, whatever the scheme
    body = client.get("/api/assessment/", {"month": m}).json()
    assert body["month"] == m
    for v in body["villages"]:
        assert {"code", "name", "score", "rank", "light", "metrics", "flags"} <= set(v)
        r = rows[v["code"]]
        assert (v["score"], v["rank"], [f["code"] for f in v["flags"]], v["light"], v["list"]) == \
               (r["score"], r["rank"], [f["code"] for f in r["flags"]], r["light"], r["list"])

    # /assessment/: the ranking table
    page = client.get("/assessment/", {"month": m}).content.decode()
    for code, r in rows.items():
        tr = re.search(rf'<tr[^>]*data-code="{code}">(.*?)</tr>', page, re.S).group(1)
        rank = re.search(r'<td class="num">(.*?)</td>', tr).group(1)
        score = re.search(r"<b>(.*?)</b>", tr).group(1)
        assert (rank, score) == (str(r["rank"] or "—"), r["score_text"]), code

    # the dossier: the m2 line of its series
    for code, r in rows.items():
        dossier = client.get(f"/villages/{code}/", {"year": m2.year}).content.decode()
        line = re.search(rf">{m}</a>(.*?)</tr>", dossier, re.S).group(1)
        cells = re.findall(r'<td class="num">(.*?)</td>', line)
        assert cells[:2] == [r["score_text"], str(r["rank"] or "—")], code

    # the monthly PDF: the ranking table's rank, name, town and score
    text = pdf_text(client.get(f"/reports/monthly/{m}.pdf").content, tmp_path, "m.pdf")
    for code, r in rows.items():
        assert re.search(rf"^\s*{re.escape(str(r['rank'] or '—'))}\s+{r['name']}\s+{r['town_name']}\s+"
                         rf"{re.escape(r['score_text'])}\s", text, re.M), code
    red = "、".join(f"{r['name']}（{r['score_text']}）" for r in truth.red_list) or "无"
    assert f"红榜：{red}" in text.replace("\n", "").replace(" ", "")

    # the 通报 (docx and pdf): the flagged villages, with the same score and rank
    flagged = {r["name"]: r for r in truth.rows if r["flags"]}
    doc = Document(io.BytesIO(client.get(f"/reports/notice/{m}.docx").content))
    table = [[c.text for c in row.cells] for row in doc.tables[0].rows[1:]]
    assert {t[1]: (t[3], t[4]) for t in table} == {n: (r["score_text"], str(r["rank"])) for n, r in flagged.items()}
    notice = pdf_text(client.get(f"/reports/notice/{m}.pdf").content, tmp_path, "n.pdf")
    for name, r in flagged.items():
        assert re.search(rf"{name}.*{re.escape(r['score_text'])}\s+{r['rank']}\s", notice), name

    # ledger.xlsx of each town for the month: its 月度考核 sheet
    for town in (TOWN_A, TOWN_B, TOWN_C):
        wb = load_workbook(io.BytesIO(client.get("/api/ledger.xlsx", {"town": town, "month": m}).content))
        for line in list(wb["月度考核"].values)[1:]:
            r = rows[line[0]]
            assert (line[4], line[5]) == (r["score"] if r["scored"] else "未评分", r["rank"]), line[0]

    # the workbench and /leader/: the bottom villages with the month result's score and rank
    for url, user in (("/", d), ("/leader/", make_user("leader", DISTRICT))):
        client.force_login(user)
        html = client.get(url).content.decode()
        listed = re.findall(r'/villages/(\d+)/">[^<]+</a>（([^）]+)：([^ ]+) 分，(镇内|全区)第 (\d+) 名）', html)
        assert listed, url
        for code, label, score, _, rank in listed:
            assert (label, score, int(rank)) == (truth.label, rows[code]["score_text"], rows[code]["rank"]), url
    client.force_login(d)

    # the year: /api/assessment/year/, /assessment/year/ and year.xlsx
    year = client.get("/api/assessment/year/", {"year": m2.year}).json()
    yrows = {r["code"]: r for r in year["villages"]}
    series = {m_: results.month(DISTRICT, m_) for m_ in (m1, m2) if m_.year == m2.year}
    for month_, res in series.items():
        for r in res.rows:
            assert yrows[r["code"]]["months"].get(f"{month_:%Y-%m}") == r["score"], (r["code"], month_)
    # 丁村: one scored month of two closed ones (or of one, across a new year: none): 数据不全, no total, no mark
    assert yrows[V4]["status"] == "数据不全" and yrows[V4]["total"] is None and yrows[V4]["marks"] == []
    assert "reward" in yrows[V3]["marks"]
    year_page = client.get("/assessment/year/", {"year": m2.year}).content.decode()
    v4_row = re.search(rf'<tr data-code="{V4}">(.*?)</tr>', year_page, re.S).group(1)
    assert "数据不全" in v4_row and "奖励" not in v4_row
    sheet = load_workbook(io.BytesIO(client.get("/api/assessment/year.xlsx", {"year": m2.year}).content)).active
    head = [c.value for c in sheet[1]]
    by_code = {line[head.index("行政村代码")]: line for line in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_code[V4][head.index("年度总成绩")] == "数据不全"
    assert by_code[V3][head.index("年度总成绩")] == yrows[V3]["total"]
    for month_, res in series.items():
        col = head.index(f"{month_:%Y-%m}")
        for r in res.rows:
            assert by_code[r["code"]][col] == r["score"]

