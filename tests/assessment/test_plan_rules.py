"""The plans' rules as the plans say them (issue 25), and every other rule labelled a project default.
Each test quotes the seed sentence it checks (../shared/seeds/)."""
import pytest
from django.core.management import call_command

from assessment import results, services
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_B, V3, V4, make_user

pytestmark = pytest.mark.django_db


def explain(area, capsys):
    call_command("assessment_scheme", area, "--explain")
    return capsys.readouterr().out


def rule_lines(out):
    """{rule: source} from the command's output (a rule line, then its 来源 line)."""
    lines = out.splitlines()
    return {lines[i].split(". ", 1)[1]: lines[i + 1].split("来源：", 1)[1]
            for i in range(len(lines) - 1) if lines[i + 1].strip().startswith("来源：")}


def test_dazhangzhuang_explain_quotes_plan_001_and_labels_its_own_defaults(geography, capsys):
    """Seed 001: “对当月排名后十名的村，由分管领导约谈提醒村支部书记，在年底考核中扣3分；
    连续两个月排名后十名的村由镇主要领导约谈村支部书记及相关共同体副书记，
    在年底人居环境考核中扣5分。” and “考核成绩纳入各村人居环境年底考核成绩”.
    The plan says the −5 and that monthly scores go into the year's result; that −5 replaces the month's −3
    and that the year folds the months by their mean are ours, and must say so."""
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang")
    out = explain(TOWN_B, capsys)
    assert "现行考核方案：大张庄镇" in out
    rules = rule_lines(out)
    bottom = next(s for r, s in rules.items() if r.startswith("当月后10名"))
    assert bottom.startswith("工作方案 001：") and "在年底考核中扣3分" in bottom
    twice = next(s for r, s in rules.items() if r.startswith("连续两个月后10名：主要领导约谈"))
    assert "在年底人居环境考核中扣5分" in twice
    assert rules[next(r for r in rules if "替代当月" in r)] == "项目默认（工作方案未作规定）"
    assert rules[next(r for r in rules if r.startswith("年度总成绩 = 各月得分的平均数"))].startswith("项目默认")
    assert "考核成绩纳入各村人居环境年底考核成绩" in rules["月度成绩计入年底考核成绩"]
    assert rules[next(r for r in rules if "min_months_share" in r)].startswith("项目默认")
    assert "min_months_share = 1.0" in out


def test_minhang_explain_quotes_the_notice_rule_of_plan_000(geography, capsys):
    """Seed 000: “评分低于全市平均分的行政村或双月评估中排名持续位于倒数 5 位的行政村予以全区通报，
    并将考核结果与年底长效管护考核奖励资金挂钩”."""
    call_command("assessment_scheme", TOWN_B, "minhang")
    rules = rule_lines(explain(V3, capsys))
    notice = rules[next(r for r in rules if r.startswith("连续两次评估倒数 5 位"))]
    assert notice.startswith("工作方案 000：") and "双月评估中排名持续位于倒数 5 位的行政村予以全区通报" in notice
    assert rules[next(r for r in rules if r.startswith("评估得分"))].startswith("项目默认")


def test_the_standard_formula_is_labelled_a_project_default_everywhere(geography, capsys):
    """The standard formula is no office's rule: every rule of it is a project default (README "Assessment")."""
    rules = rule_lines(explain(DISTRICT, capsys))
    assert rules and all(s.startswith("项目默认") for s in rules.values())


def test_a_village_without_cards_is_unscored_and_a_one_month_village_has_no_year_mark(geography):
    """Seed 001: “年底考核总成绩排名前5名的，每村奖励1500元” — the reward goes to a year's result; a village
    scored in one of two closed months has none (数据不全, min_months_share 1.0), however good that one month was."""
    from assessment.monthly import last_complete_month
    from core.months import previous_month

    call_command("assessment_scheme", TOWN_B, "dazhangzhuang", "--set", "bottom_n=1", "--set", "reward_n=1",
                 "--set", "deduct_n=1")
    d = make_user("district", DISTRICT)
    m2 = last_complete_month()
    m1 = previous_month(m2)
    services.submit_scorecard(d, V3, f"{m1:%Y-%m}", items_for(60))
    services.submit_scorecard(d, V3, f"{m2:%Y-%m}", items_for(62))
    services.submit_scorecard(d, V4, f"{m2:%Y-%m}", items_for(100))
    services.close_month(m1, DISTRICT)
    services.close_month(m2, DISTRICT)
    month1 = results.month(DISTRICT, m1)
    assert month1.row(V4)["score_text"] == "未评分" and month1.row(V4) not in month1.red_list
    year = {r["code"]: r for r in results.year(m2.year, DISTRICT)["villages"]}
    if m1.year == m2.year:
        assert (year[V4]["status"], year[V4]["total"], year[V4]["marks"]) == ("数据不全", None, [])
        # 丙村 alone has a year result (61 less its bottom flags): first, rewarded; 丁村's one 100 earns nothing
        assert year[V3]["marks"] == ["reward"] and year[V3]["rank"] == 1
