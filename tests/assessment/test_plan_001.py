"""Plan 001 (Dazhangzhuang): the town's monthly inspection and its re-check are part of the month, and the
党建共同体 is a grouping the rankings and the year page show. Each test quotes the seed sentence it checks."""
import pytest
from django.core.management import call_command

from assessment import results, services
from core.months import add_months, current_month, last_day, next_month
from geo.models import Community, Village
from patrol.models import Source
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_A, TOWN_B, V1, V2, V3, V4, at, close_issue, make_issue, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dazhangzhuang(geography):
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")


def test_monthly_inspection_findings_and_next_month_recheck_per_village(dazhangzhuang):
    """Seed 001: “镇整治办和执法队每月到44个村实地检查，发现问题、反馈问题，各村负责问题整改，次月镇整治办和执法队到村
    实地检查时一并抽查问题整改，形成问题整改的闭环。”

    Three problems the town's inspection (街镇自查) found in 丙村 in month M: one closed in M, one closed in M+1
    (both re-checked as rectified at M+1's inspection), one closed only in M+2 (not rectified at the re-check).
    A district patrol's problem is no inspection finding. 丁村 had no finding: 0 and 0."""
    town, village = make_user("town", TOWN_B), make_user("village", V3)
    m = add_months(current_month(), -3)
    found = [make_issue(town, village=V3, source=Source.TOWN_SELF_CHECK, reported_at=at(m.year, m.month, d))
             for d in (3, 10, 20)]
    make_issue(make_user("district", DISTRICT), village=V3, reported_at=at(m.year, m.month, 5))
    m1, m2 = next_month(m), add_months(m, 2)
    close_issue(found[0], town, village, now=at(m.year, m.month, 25))
    close_issue(found[1], town, village, now=at(m1.year, m1.month, last_day(m1).day, 17))
    close_issue(found[2], town, village, now=at(m2.year, m2.month, 2))

    result = results.month(DISTRICT, m)
    assert result.row(V3)["inspection"] == {"found": 3, "rectified": 2, "unrectified": 1, "rechecked": True}
    assert result.row(V4)["inspection"] == {"found": 0, "rectified": 0, "unrectified": 0, "rechecked": True}

    client = _client(make_user("district", DISTRICT))
    page = client.get("/assessment/", {"month": f"{m:%Y-%m}"}).content.decode()
    row = page.split(f'data-code="{V3}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-testid="inspection-found">3</td>' in row
    assert 'data-testid="inspection-rectified">2<' in row
    api = client.get("/api/assessment/", {"month": f"{m:%Y-%m}"}).json()
    assert next(r for r in api["villages"] if r["code"] == V3)["inspection"]["found"] == 3


def test_the_last_month_recheck_is_pending_until_the_next_month_ends(dazhangzhuang):
    """“次月…一并抽查问题整改”: for last month the re-check month is still running, so the page says so."""
    town = make_user("town", TOWN_B)
    m = add_months(current_month(), -1)
    make_issue(town, village=V3, source=Source.TOWN_SELF_CHECK, reported_at=at(m.year, m.month, 4))
    row = results.month(DISTRICT, m).row(V3)
    assert row["inspection"] == {"found": 1, "rectified": 0, "unrectified": 1, "rechecked": False}
    page = _client(make_user("district", DISTRICT)).get("/assessment/", {"month": f"{m:%Y-%m}"}).content.decode()
    assert "（次月复查中）" in page


def test_the_standard_scheme_has_no_inspection_columns(geography):
    """The inspection belongs to plan 001's month, not to the project's standard formula."""
    m = add_months(current_month(), -2)
    assert results.month(DISTRICT, m).row(V3)["inspection"] is None


def test_the_inspection_rule_is_explained_with_its_sentence_and_its_default(dazhangzhuang, capsys):
    call_command("assessment_scheme", TOWN_B, "--explain")
    out = capsys.readouterr().out
    assert "次月镇整治办和执法队到村实地检查时一并抽查问题整改" in out
    assert "“次月月底前已销号”的认定为项目默认" in out


def test_communities_group_villages_on_the_ranking_and_the_year_page(dazhangzhuang):
    """Seed 001: “共同体书记为‘一线指挥长’，各村书记具体负责村庄人居环境综合整治攻坚行动” — villages are grouped in
    党建共同体 under a secretary; the month's ranking and the year page show each village's community and a line
    per community (its secretary, villages, mean)."""
    east = Community.objects.create(town_id=TOWN_A, name="东片共同体", secretary="王书记")
    Community.objects.create(town_id=TOWN_B, name="西片共同体", secretary="李书记")
    Village.objects.filter(code__in=[V1, V2]).update(community=east)
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang", "--set", "bottom_n=1")
    d = make_user("district", DISTRICT)
    m = add_months(current_month(), -1)
    services.submit_scorecard(d, V1, f"{m:%Y-%m}", items_for(80))
    services.submit_scorecard(d, V2, f"{m:%Y-%m}", items_for(90))

    result = results.month(DISTRICT, m)
    assert result.row(V1)["community"] == "东片共同体" and result.row(V3)["community"] == ""
    summary = results.communities(result.rows)
    assert summary == [{"name": "东片共同体", "town": TOWN_A, "secretary": "王书记", "villages": 2, "scored": 2,
                        "mean": 85.0, "flagged": 1}]  # 甲村 is its town's last
    client = _client(d)
    page = client.get("/assessment/", {"month": f"{m:%Y-%m}"}).content.decode()
    assert "<th>党建共同体</th>" in page and "王书记" in page
    table = page.split('data-testid="communities"', 1)[1].split("</table>", 1)[0]
    assert "东片共同体" in table and "85.0" in table and "西片共同体" not in table  # no member village
    year = client.get("/assessment/year/", {"year": m.year}).content.decode()
    assert "<th>党建共同体</th>" in year and "东片共同体" in year


def test_a_community_of_another_town_is_refused():
    """A community groups villages of one town (the plan's communities sit under the town's party committee)."""
    from django.core.exceptions import ValidationError

    from tests.factories import make_geography

    make_geography()
    other = Community.objects.create(town_id=TOWN_B, name="西片共同体")
    village = Village.objects.get(code=V1)
    village.community = other
    with pytest.raises(ValidationError) as exc:
        village.full_clean()
    assert "community" in exc.value.message_dict


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c
