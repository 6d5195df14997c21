"""一村一档一分析 (plan 000): the bottom third of the district's ranking each get a written analysis per evaluation
round, entered on the dossier page and kept (revisions append). Seed 000: “重点聚焦区委一号课题、“五好两宜”和美乡村
试点范围及全区排名后 1/3 的行政村，制定“一村一档一分析”，逐个解剖问题症结，并提出解决方案。”"""
import os

import pytest
from django.core.management import call_command
from django.test import Client

from assessment import analysis, services
from assessment.models import VillageAnalysis
from assessment.monthly import last_complete_month
from core.errors import BadInput, Forbidden, NotVisible
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_A, TOWN_B, V1, V2, V3, V4, make_user
from tests.playwright_helpers import sign_in, watch_errors

pytestmark = pytest.mark.django_db
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _scores(district, month, scores):
    for code, total in scores.items():
        services.submit_scorecard(district, code, f"{month:%Y-%m}", items_for(total))


def test_the_bottom_third_of_the_district_needs_an_analysis(geography):
    """Four villages scored 90, 80, 70, 70: a third of 4 is 2 (rounded up), the 2nd worst is 70, and both 70s are
    in (ties at the cut). Seed 000: “全区排名后 1/3 的行政村”."""
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")
    d = make_user("district", DISTRICT)
    m = last_complete_month()
    _scores(d, m, {V1: 90, V2: 80, V3: 70, V4: 70})
    assert analysis.bottom_third(DISTRICT, m) == {V3, V4}
    _scores(d, m, {V4: 100})  # 丁村's mean is now 85: 80 and 70 are the bottom two
    assert analysis.bottom_third(DISTRICT, m) == {V2, V3}


def test_a_minhang_round_is_the_bimonthly_evaluation(geography):
    """Seed 000's 双月评估: an analysis written in the second month of a round belongs to the round's first month."""
    call_command("assessment_scheme", DISTRICT, "minhang")
    from datetime import date

    assert analysis.round_of(TOWN_A, date(2026, 10, 1)) == date(2026, 9, 1)
    assert analysis.round_label(TOWN_A, date(2026, 9, 1)) == "2026年9–10月评估"
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")
    assert analysis.round_of(TOWN_A, date(2026, 10, 1)) == date(2026, 10, 1)


def test_writing_keeps_revisions_and_a_retry_stores_nothing(geography):
    town = make_user("town", TOWN_B)
    m = last_complete_month()
    first, created = analysis.write(town, V3, f"{m:%Y-%m}", "垃圾收运不及时", "增加一班收运")
    assert created
    again, created = analysis.write(town, V3, f"{m:%Y-%m}", "垃圾收运不及时", "增加一班收运")
    assert not created and again.pk == first.pk
    revised, created = analysis.write(town, V3, f"{m:%Y-%m}", "垃圾收运不及时；河道保洁缺人", "增加一班收运")
    assert created and analysis.current(V3, analysis.round_of(TOWN_B, m)).pk == revised.pk
    assert VillageAnalysis.objects.filter(village_id=V3).count() == 2  # the first stays


def test_bad_input_scope_and_roles(geography):
    m = f"{last_complete_month():%Y-%m}"
    town = make_user("town", TOWN_B)
    with pytest.raises(BadInput) as exc:
        analysis.write(town, V3, m, "  ", "方案")
    assert exc.value.field == "causes"
    with pytest.raises(BadInput) as exc:
        analysis.write(town, V3, m, "症结", "x" * 5001)
    assert exc.value.field == "measures"
    with pytest.raises(NotVisible):
        analysis.write(town, V1, m, "症结", "方案")  # another town's village
    for role, area in (("leader", DISTRICT), ("village", V3)):
        with pytest.raises(Forbidden):
            analysis.write(make_user(role, area), V3, m, "症结", "方案")
    assert not VillageAnalysis.objects.exists()


def test_the_api_writes_and_lists_in_the_callers_area(geography):
    town = make_user("town", TOWN_B)
    c = Client()
    c.force_login(town)
    m = f"{last_complete_month():%Y-%m}"
    body = {"village": V3, "month": m, "causes": "旱厕未拆", "measures": "本月底前拆除"}
    r = c.post("/api/assessment/analyses/", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["causes"] == "旱厕未拆"
    assert c.post("/api/assessment/analyses/", body, content_type="application/json").status_code == 200
    r = c.post("/api/assessment/analyses/", {**body, "measures": ""}, content_type="application/json")
    assert r.status_code == 400 and "measures" in r.content.decode()
    assert [a["measures"] for a in c.get("/api/assessment/analyses/", {"village": V3}).json()] == ["本月底前拆除"]
    assert c.get("/api/assessment/analyses/", {"village": V1}).status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_town_staff_write_the_analysis_on_the_dossier(browser, live_server, geography):
    """On 丙村's dossier, flagged in the bottom third, town staff fill 问题症结 and 解决方案 and 保存分析; an empty
    解决方案 is refused next to its field and nothing is stored; the leader sees the analysis and no form."""
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")
    d, town = make_user("district", DISTRICT), make_user("town", TOWN_B)
    m = last_complete_month()
    _scores(d, m, {V1: 90, V2: 88, V3: 60, V4: 85})
    page = watch_errors(browser.new_context(viewport={"width": 1280, "height": 900}).new_page())
    page.set_default_timeout(40_000)
    sign_in(page, live_server.url, town)
    page.goto(f"{live_server.url}/villages/{V3}/")
    assert "需制定一村一档一分析" in page.get_by_test_id("analysis-needed").inner_text()

    page.get_by_label("问题症结").fill("村内河道两岸堆放杂物，保洁员仅一名")
    page.get_by_role("button", name="保存分析").click()
    page.wait_for_load_state("networkidle")
    assert "请填写解决方案" in page.get_by_test_id("analysis-form").get_by_test_id("field-error").inner_text()
    assert page.get_by_label("问题症结").input_value() == "村内河道两岸堆放杂物，保洁员仅一名"
    assert not VillageAnalysis.objects.exists()
    page.errors.clear()  # the refused form answered 400, as it should

    page.get_by_label("解决方案").fill("增聘保洁员一名，月底前清理两岸杂物")
    page.get_by_role("button", name="保存分析").click()
    page.wait_for_load_state("networkidle")
    assert "一村一档一分析" in page.get_by_test_id("messages").inner_text()
    stored = VillageAnalysis.objects.get()
    assert (stored.village_id, stored.written_by, stored.round) == (V3, town, m)
    assert "增聘保洁员一名" in page.get_by_test_id("analysis-round").inner_text()
    assert [e for e in page.errors if "favicon" not in e] == []

    leader = make_user("leader", DISTRICT)
    page.context.clear_cookies()
    sign_in(page, live_server.url, leader)
    page.goto(f"{live_server.url}/villages/{V3}/")
    assert "增聘保洁员一名" in page.get_by_test_id("analysis").inner_text()
    assert page.get_by_role("button", name="保存分析").count() == 0


def test_the_dossier_pdf_prints_each_rounds_analysis(geography, tmp_path):
    """The analysis is printed in the dossier PDF (issue 25: "entered on the dossier page, printed in the dossier
    PDF"): the newest revision of each round, under 三、一村一档一分析."""
    import subprocess

    town = make_user("town", TOWN_B)
    m = f"{last_complete_month():%Y-%m}"
    analysis.write(town, V3, m, "旧的症结", "旧的方案")
    analysis.write(town, V3, m, "保洁员不足，河道两岸堆放杂物", "增聘保洁员一名")
    c = Client()
    c.force_login(make_user("district", DISTRICT))
    r = c.get(f"/villages/{V3}/dossier.pdf")
    assert r.status_code == 200
    path = tmp_path / "dossier.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "一村一档一分析" in text and "增聘保洁员一名" in text and "旧的方案" not in text
