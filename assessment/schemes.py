"""Assessment schemes (考核方案): each office's rules as data (parameters, a scorecard template) plus a small class.

A district or a town is given a scheme (SchemeSetting; a town's wins over its district's; default `standard`).
A month that assess_month has closed keeps the schemes it was assessed with (MonthClose.schemes).

- `standard`: the project's own formula (assessment.monthly), unchanged. Not any office's rule.
- `dazhangzhuang` (seed 001, 大张庄镇 攻坚方案 2024): on-site scorecards each month, ranked by the mean of the
  month's scorecards; bottom 10 → 约谈提醒, −3 at year end; bottom 10 two months running → 约谈 by the principal
  leader, −5 instead of that month's −3; third-party evaluation ±0.1 per problem around a baseline of 8, −0.5 per
  problem not rectified or rectified badly, unvisited villages get the mean of the visited ones; model villages
  +5; top 5 of the year rewarded (¥1,500), bottom 5 lose performance pay.
- `minhang` (seed 000, 闵行 百村净美 2024): a bimonthly evaluation (双月评估) from scorecards; bottom 5 in two
  consecutive evaluations, or below the city average in a city check → district 通报; year-end 长效管护 fund.

The scorecard items of each template are a project default (the seeds name no items); they are editable in the
admin (ScorecardItem rows replace a scheme's built-in template).
"""
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from core.months import add_months, month_bounds, previous_month
from geo import scope

from . import inspection, monthly

RANK_SCOPES = ("town", "district")
PROJECT_DEFAULT = "项目默认（工作方案未作规定）"
COMMON_DEFAULTS = [
    ("当月没有评分记录的村不评分（“未评分”）：不排名、不上红黑榜、不作标记，从不计为满分", PROJECT_DEFAULT),
    ("同分同名次（竞争排名“1224”）；后 N 名含与第 N 名同分的村；满分村不计入后 N 名", PROJECT_DEFAULT),
    ("红黑榜：全区同一方案的村中前 LIST_N 名上红榜、倒数 LIST_N 位上黑榜（LIST_N 默认 5）", PROJECT_DEFAULT),
    ("尚未关账的月份标“（未结）”，得分暂定", PROJECT_DEFAULT),
]
MIN_MONTHS_LABEL = "年度总成绩所需的已评分月份占已结月份的比例（项目默认 1.0：全部已结月份）"
SYSTEM_DEFAULT = "本系统默认"  # a parameter the work plan does not set: the value is this system's choice
# Issue 28's KPI turned into points: off (0) unless an office configures it; the plans say nothing of photos.
PHOTO_POINTS = "photo_flag_points"
PHOTO_POINTS_LABEL = "整改照片被标记且因此退回，每次年底扣分（0 为不扣分，只作统计）"
RANK_SCOPE_NAMES = {"town": "镇内", "district": "全区"}


def show_value(key, value):
    """A parameter's value as a page shows it (rank scope in words, numbers without trailing zeros)."""
    if key == "rank_scope":
        return RANK_SCOPE_NAMES.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _num(value):
    """A Decimal or float as a float rounded to 2 places (None stays None)."""
    return None if value is None else round(float(value), 2)


class Scheme:
    name = ""
    title = ""
    source = ""
    parameters = {}
    choices = {}
    default_items = []  # (key, name, max, guidance)
    uses_scorecards = True
    monthly_inspection = False  # the month shows the town's inspection findings and their re-check (plan 001)
    labels = {}
    parameter_sources = {}  # key → the plan's sentence it comes from; a key absent here is SYSTEM_DEFAULT

    # --- data ------------------------------------------------------------------------------------
    def items(self):
        from .models import ScorecardItem

        rows = list(ScorecardItem.objects.filter(scheme=self.name).order_by("position", "key"))
        if rows:
            return [{"key": r.key, "name": r.name, "max": float(r.max_points), "guidance": r.guidance}
                    for r in rows]
        return [{"key": k, "name": n, "max": float(m), "guidance": g} for k, n, m, g in self.default_items]

    def parse(self, key, value):
        """A parameter value (a string from the command line, or JSON) in the type of its default."""
        if key not in self.parameters:
            raise ValueError(f"方案 {self.name} 没有参数 {key}（可用：{', '.join(self.parameters)}）")
        default = self.parameters[key]
        try:
            if isinstance(default, bool):
                parsed = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            elif isinstance(default, int):
                parsed = int(value)
            elif isinstance(default, float):
                parsed = float(value)
            else:
                parsed = str(value)
        except (TypeError, ValueError):
            raise ValueError(f"参数 {key} 应为{type(default).__name__}：{value!r}") from None
        if key in self.choices and parsed not in self.choices[key]:
            raise ValueError(f"参数 {key} 只能是 {' | '.join(self.choices[key])}：{value!r}")
        if isinstance(parsed, int | float) and not isinstance(parsed, bool) and parsed < 0:
            raise ValueError(f"参数 {key} 不能为负数：{value!r}")
        return parsed

    def params(self, overrides=None):
        out = dict(self.parameters)
        for key, value in (overrides or {}).items():
            if key in self.parameters:
                out[key] = self.parse(key, value)
        return out

    def max_total(self):
        return sum(i["max"] for i in self.items())

    def parameter_rows(self, p):
        """[{key, label, value, source}] of the parameters in force: the Chinese label, the value in words and the
        plan's sentence it comes from, or "本系统默认" where the plan sets nothing (never shown as an office's rule)."""
        return [{"key": k, "label": self.labels.get(k, k), "value": show_value(k, v),
                 "source": self.parameter_sources.get(k) or SYSTEM_DEFAULT} for k, v in p.items()]

    def describe(self):
        return {"name": self.name, "title": self.title, "source": self.source, "parameters": dict(self.parameters),
                "labels": self.labels, "items": [{"key": i["key"], "name": i["name"], "max": i["max"],
                                                  "guidance": i["guidance"]} for i in self.items()]}

    def rule_lines(self, p):
        return []

    def explain(self, p):
        """[(rule, source)]: each rule the scheme applies with where it comes from — a plan's sentence quoted, or
        PROJECT_DEFAULT where the plan is silent (never presented as an office's rule)."""
        return [*self.own_rules(p), *COMMON_DEFAULTS,
                ("年度总成绩只计入已结月份，有评分的已结月份不少于 "
                 f"min_months_share={p.get('min_months_share', 1.0):g} × 已结月份数（至少 1 个）；"
                 "否则“数据不全”，不计总成绩、不排名、不作奖惩标记", PROJECT_DEFAULT)]

    def own_rules(self, p):
        return []

    # --- a month ---------------------------------------------------------------------------------
    def group_key(self, info, p):
        return info["town"] if p.get("rank_scope", "town") == "town" else info["district"]

    def month_scores(self, month, codes, villages, p, data):
        """{code: score} for the villages scored this month (a village with no scorecard is left out)."""
        cards = data.month_cards(month)
        return {code: round(cards[code][0] / cards[code][1], 2) for code in codes if code in cards}

    def bottom_n(self, p):
        return p["bottom_n"]

    def month_table(self, month, codes, villages, p, data):
        scores = self.month_scores(month, codes, villages, p, data)
        groups = defaultdict(dict)
        group_sizes = defaultdict(int)
        key = self.group_key
        for code in codes:  # one group_key per village (10,000 villages × 13 months in a year's totals)
            g = key(villages[code], p)
            group_sizes[g] += 1
            if code in scores:
                groups[g][code] = scores[code]
        ranks, bottom = {}, set()
        base = self.max_total() or None
        for members in groups.values():
            ranks.update(monthly.competition_ranks(members))
            bottom |= monthly.bottom_set(members, self.bottom_n(p), base)
        return MonthTable(month, self, p, scores, ranks, bottom, dict(groups), dict(group_sizes))

    def flags(self, code, now, prev, data):
        return []

    # --- the year ----------------------------------------------------------------------------------
    def year_adjustments(self, year, codes, villages, p, data):
        """{code: [adjustment]} of the scheme's own year-end rules (besides the month flags and entered ones)."""
        return {}

    def marks(self, totals, p, data, year):
        return {}


@dataclass
class MonthTable:
    month: date
    scheme: Scheme
    params: dict
    scores: dict
    ranks: dict
    bottom: set
    groups: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)
    notice: set = field(default_factory=set)  # standard: the district's bottom NOTICE_N


class Standard(Scheme):
    name = "standard"
    title = "本系统默认公式（100 分减加权问题数）"
    source = "项目默认（非任何单位的规则）"
    uses_scorecards = False
    # The standard formula is this system's own: every parameter is SYSTEM_DEFAULT (the cut and the points follow
    # plans 001 and 000 in spirit, but no office set them for this formula).
    labels = {"bottom_n": "约谈划线（后 N 名）", "rank_scope": "排名范围（镇内 / 全区）",
              "bottom_points": "当月后 N 名年底扣分", "bottom_twice_points": "连续两个月后 N 名年底扣分",
              "notice_n": "全区通报划线（连续两次倒数 N 位）", "list_n": "红黑榜名额（前后各 N 名）",
              "min_months_share": MIN_MONTHS_LABEL, PHOTO_POINTS: PHOTO_POINTS_LABEL}

    @property
    def parameters(self):
        c = monthly.conf()
        return {"bottom_n": c["BOTTOM_N"], "rank_scope": c["BOTTOM_SCOPE"], "bottom_points": -c["BOTTOM_POINTS"],
                "bottom_twice_points": -c["BOTTOM_TWICE_POINTS"], "notice_n": c["NOTICE_N"], "list_n": c["LIST_N"],
                "min_months_share": c.get("MIN_MONTHS_SHARE", 1.0),
                PHOTO_POINTS: float(c.get("PHOTO_FLAG_POINTS", 0.0))}

    def params(self, overrides=None):
        return dict(self.parameters)  # the standard formula's weights live in settings.PATROL["ASSESSMENT"]

    def items(self):
        return []

    def rule_lines(self, p):
        return monthly.formula_lines()

    def own_rules(self, p):
        return [
            ("月度得分 = " + "；".join(monthly.formula_lines())[len("月度得分 = "):], PROJECT_DEFAULT),
            ("当月没有任何问题与处置记录的村不评分（无记录不计满分）", PROJECT_DEFAULT),
            (f"当月排名后{p['bottom_n']}名年底扣{p['bottom_points']:g}分、连续两个月扣{p['bottom_twice_points']:g}分"
             f"（替代当月扣分）；连续两次全区倒数{p['notice_n']}位全区通报：参照工作方案 001、000 的奖惩，"
             "用于本系统默认公式", PROJECT_DEFAULT),
            ("年度总成绩 = 已结月份得分平均 + 年底加减分", PROJECT_DEFAULT),
        ]

    def max_total(self):
        return monthly.conf()["BASE"]

    def month_scores(self, month, codes, villages, p, data):
        """Only villages the month has a record of (see Data.standard_scores): no record, no score."""
        return data.standard_scores(month, codes)

    def month_table(self, month, codes, villages, p, data):
        t = super().month_table(month, codes, villages, p, data)
        by_district = defaultdict(dict)
        for code, value in t.scores.items():
            by_district[villages[code]["district"]][code] = value
        for members in by_district.values():
            t.notice |= monthly.bottom_set(members, p["notice_n"], self.max_total())
        return t

    def flags(self, code, now, prev, data):
        p = now.params
        out = []
        if code in now.bottom:
            if prev is not None and code in prev.bottom:
                out.append({"code": "bottom_twice", "points": -p["bottom_twice_points"],
                            "label": f"连续两个月排名后{p['bottom_n']}名：镇主要领导约谈，"
                                     f"年底考核扣{p['bottom_twice_points']:g}分"})
            else:
                out.append({"code": "bottom", "points": -p["bottom_points"],
                            "label": f"当月排名后{p['bottom_n']}名：分管领导约谈提醒，"
                                     f"年底考核扣{p['bottom_points']:g}分"})
        if code in now.notice and prev is not None and code in prev.notice:
            out.append({"code": "notice", "points": 0,
                        "label": f"连续两次排名全区倒数{p['notice_n']}位：全区通报"})
        return out


class Dazhangzhuang(Scheme):
    name = "dazhangzhuang"
    title = "大张庄镇 攻坚方案（2024）：现场观摩打分、后十名约谈、第三方测评调整"
    source = "工作方案 001（大张庄镇）"
    monthly_inspection = True
    parameters = {"rank_scope": "town", "bottom_n": 10, "bottom_points": 3.0, "bottom_twice_points": 5.0,
                  "baseline": 8.0, "per_problem": 0.1, "unrectified_points": 0.5, "model_points": 5.0,
                  "reward_n": 5, "deduct_n": 5, "reward_amount": 1500.0, "min_months_share": 1.0,
                  PHOTO_POINTS: 0.0}
    choices = {"rank_scope": RANK_SCOPES}
    parameter_sources = {
        "bottom_n": "工作方案 001：“对当月排名后十名的村，由分管领导约谈提醒村支部书记，在年底考核中扣3分”",
        "bottom_points": "工作方案 001：“对当月排名后十名的村，由分管领导约谈提醒村支部书记，在年底考核中扣3分”",
        "bottom_twice_points": "工作方案 001：“连续两个月排名后十名的村由镇主要领导约谈村支部书记及相关共同体副书记，"
                               "在年底人居环境考核中扣5分”",
        "baseline": "工作方案 001：“根据历年市第三方测评发现问题每村平均个数为8个”",
        "per_problem": "工作方案 001：“每少一个问题年底考核中加0.1分，每多一个问题年度考核中扣0.1分”",
        "unrectified_points": "工作方案 001：“每发现1个问题不整改或者整改不到位的，年底考核中扣0.5分”",
        "model_points": "工作方案 001：“形成典型或承担县现场观摩点评的村在年底人居环境考核中加5分”",
        "reward_n": "工作方案 001：“年底考核总成绩排名前5名的，每村奖励1500元”",
        "reward_amount": "工作方案 001：“年底考核总成绩排名前5名的，每村奖励1500元”",
        "deduct_n": "工作方案 001：“成绩排名后5名的，根据村主职干部“准职业化管理”的相关规定，扣发绩效工资”",
    }  # rank_scope (镇内: the plan ranks the town's villages, but says no word of scope), min_months_share: defaults
    labels = {"rank_scope": "排名范围（town 镇内 / district 全区）", "bottom_n": "约谈划线（后 N 名）",
              "bottom_points": "当月后 N 名年底扣分", "bottom_twice_points": "连续两个月后 N 名年底扣分",
              "baseline": "第三方测评问题基数（个/村）", "per_problem": "每少/多一个问题加/扣分",
              "unrectified_points": "每个问题不整改或整改不到位扣分", "model_points": "形成典型/承担观摩点加分",
              "reward_n": "年终奖励名额（前 N 名）", "deduct_n": "扣发绩效名额（后 N 名）",
              "reward_amount": "奖励金额（元/村）", "min_months_share": MIN_MONTHS_LABEL,
              PHOTO_POINTS: PHOTO_POINTS_LABEL}
    default_items = [
        ("front_back", "房前屋后", 20, "房前屋后干净整洁，无杂物、无积存垃圾"),
        ("clutter", "乱堆乱放", 20, "柴草、建材、农具等堆放整齐，无乱搭乱建"),
        ("water", "河塘沟渠", 15, "水面无漂浮物、岸坡无垃圾，沟渠畅通"),
        ("garbage", "垃圾收运", 15, "垃圾桶配备到位、日产日清、分类投放"),
        ("toilets", "厕所与污水", 10, "公厕干净、无旱厕小粪缸、污水不乱排"),
        ("roads", "道路与公共空间", 10, "道路、广场、绿地干净，无乱贴乱画"),
        ("upkeep", "长效管护与台账", 10, "保洁人员在岗、问题整改台账齐全"),
    ]

    def rule_lines(self, p):
        scope_name = "镇内" if p["rank_scope"] == "town" else "全区（本方案范围内）"
        return [
            "月度得分 = 当月各组现场评分表总分的平均数（当月没有评分表的村不排名，也不计入年度平均）",
            f"按{scope_name}排名；当月后{p['bottom_n']}名（与第{p['bottom_n']}名同分的一并计入，满分村不计）："
            f"分管领导约谈提醒，年底扣{p['bottom_points']:g}分",
            f"连续两个月后{p['bottom_n']}名（跨年亦连续计）：主要领导约谈，年底扣{p['bottom_twice_points']:g}分"
            f"（替代当月的扣{p['bottom_points']:g}分）",
            f"市第三方测评：以每村{p['baseline']:g}个问题为基数，每少一个加{p['per_problem']:g}分、每多一个扣"
            f"{p['per_problem']:g}分；每个问题复核不通过或次月月底仍未销号扣{p['unrectified_points']:g}分；"
            "未测评的村计入测评村基数调整的平均分",
            f"形成典型或承担县现场观摩点评的村加{p['model_points']:g}分",
            f"年度总成绩 = 各月得分平均 + 年底加减分；前{p['reward_n']}名每村奖励{p['reward_amount']:g}元，"
            f"后{p['deduct_n']}名扣发村主职干部绩效工资",
        ]

    def own_rules(self, p):
        src = "工作方案 001：“{}”"
        return [
            ("月度得分 = 当月各组现场评分表总分的平均数",
             src.format("每月组织镇领导班子成员、共同体副书记分组到各村现场观摩，现场打分")),
            ("同一村多张评分表取平均；评分表的评分项与分值", PROJECT_DEFAULT),
            (f"当月后{p['bottom_n']}名：分管领导约谈提醒，年底扣{p['bottom_points']:g}分",
             src.format("对当月排名后十名的村，由分管领导约谈提醒村支部书记，在年底考核中扣3分")),
            (f"连续两个月后{p['bottom_n']}名：主要领导约谈，年底扣{p['bottom_twice_points']:g}分",
             src.format("连续两个月排名后十名的村由镇主要领导约谈村支部书记及相关共同体副书记，在年底人居环境考核中扣5分")),
            (f"连续两个月后{p['bottom_n']}名的扣{p['bottom_twice_points']:g}分替代当月的扣{p['bottom_points']:g}分"
             "（不重复扣分）；跨年亦连续计", PROJECT_DEFAULT),
            (f"市第三方测评：基数 {p['baseline']:g} 个，每少/多一个加/扣 {p['per_problem']:g} 分，"
             f"每个不整改或整改不到位扣 {p['unrectified_points']:g} 分，未测评的村按测评村平均计入",
             src.format("在今年的市第三方测评中每少一个问题年底考核中加0.1分，每多一个问题年度考核中扣0.1分，"
                        "每发现1个问题不整改或者整改不到位的，年底考核中扣0.5分，未测评的村按照测评村的平均分计入考核成绩")),
            ("“整改不到位”= 复核不通过，或次月月底仍未销号", PROJECT_DEFAULT),
            (f"形成典型或承担县现场观摩点评的村加 {p['model_points']:g} 分",
             src.format("形成典型或承担县现场观摩点评的村在年底人居环境考核中加5分")),
            inspection.RULE,
            ("月度成绩计入年底考核成绩", src.format("考核成绩纳入各村人居环境年底考核成绩")),
            ("年度总成绩 = 各月得分的平均数 + 年底加减分（“纳入”的折算方式）", PROJECT_DEFAULT),
            (f"年度前{p['reward_n']}名每村奖励 {p['reward_amount']:g} 元，后{p['deduct_n']}名扣发村主职干部绩效工资",
             src.format("年底考核总成绩排名前5名的，每村奖励1500元；成绩排名后5名的，根据村主职干部“准职业化管理”的相关规定，"
                        "扣发绩效工资")),
        ]

    def flags(self, code, now, prev, data):
        if code not in now.bottom:
            return []
        p = now.params
        if prev is not None and code in prev.bottom:
            return [{"code": "bottom_twice", "points": -p["bottom_twice_points"],
                     "label": f"连续两个月排名后{p['bottom_n']}名：镇主要领导约谈村支部书记及共同体副书记，"
                              f"年底扣{p['bottom_twice_points']:g}分"}]
        return [{"code": "bottom", "points": -p["bottom_points"],
                 "label": f"当月排名后{p['bottom_n']}名：分管领导约谈提醒村支部书记，年底扣{p['bottom_points']:g}分"}]

    def year_adjustments(self, year, codes, villages, p, data):
        out = defaultdict(list)
        visited = data.evaluated(year)
        problems = data.third_party(year)
        groups = defaultdict(list)
        for code in codes:
            groups[self.group_key(villages[code], p)].append(code)
        for members in groups.values():
            base = {c: round((p["baseline"] - problems[c]["found"]) * p["per_problem"], 2)
                    for c in members if c in visited}
            mean = round(sum(base.values()) / len(base), 2) if base else None
            for c in members:
                if c in base:
                    out[c].append({"kind": "third_party", "points": base[c], "month": None,
                                   "reason": f"市第三方测评发现问题 {problems[c]['found']} 个"
                                             f"（基数 {p['baseline']:g}）"})
                elif mean is not None:
                    out[c].append({"kind": "third_party", "points": mean, "month": None,
                                   "reason": "未被第三方测评抽到，计入测评村的平均调整"})
                bad = problems[c]["unrectified"]
                for month, n in sorted(bad.items()):
                    out[c].append({"kind": "unrectified", "points": round(-p["unrectified_points"] * n, 2),
                                   "month": month,
                                   "reason": f"第三方测评问题不整改或整改不到位 {n} 个"})
        return out

    def marks(self, totals, p, data, year):
        if not totals:
            return {}
        top = monthly.top_set(totals, p["reward_n"])
        bottom = monthly.bottom_set(totals, p["deduct_n"])
        out = defaultdict(list)
        for c in top:
            out[c].append("reward")
        for c in bottom:
            if c not in top:
                out[c].append("deduction")
        return out


class Minhang(Scheme):
    name = "minhang"
    title = "闵行区 百村净美（2024）：双月评估、连续倒数 5 位或低于全市平均分予以通报"
    source = "工作方案 000（闵行区）"
    parameters = {"rank_scope": "district", "bottom_n": 5, "period_months": 2, "min_months_share": 1.0,
                  PHOTO_POINTS: 0.0}
    choices = {"rank_scope": RANK_SCOPES}
    parameter_sources = {
        "rank_scope": "工作方案 000：“双月评估中排名持续位于倒数 5 位的行政村予以全区通报”",
        "bottom_n": "工作方案 000：“双月评估中排名持续位于倒数 5 位的行政村予以全区通报”",
        "period_months": "工作方案 000：“双月评估”",
    }
    labels = {"rank_scope": "排名范围（town 镇内 / district 全区）", "bottom_n": "通报划线（倒数 N 位）",
              "period_months": "评估周期（月）", "min_months_share": MIN_MONTHS_LABEL,
              PHOTO_POINTS: PHOTO_POINTS_LABEL}
    default_items = [
        ("toilets", "净厕", 20, "公厕干净、管护到位，无旱厕、小粪缸"),
        ("land", "净地", 20, "无乱堆乱放、无违规种养、无积存垃圾"),
        ("houses", "净宅", 20, "宅前屋后整洁，无乱搭乱建"),
        ("water", "河道水体", 15, "河面无漂浮物，岸坡整洁"),
        ("facilities", "公共设施管护", 15, "道路、路灯、垃圾收集点完好整洁"),
        ("participation", "村民参与", 10, "积分制、红黑榜落实，村民参与环境治理"),
    ]

    def rule_lines(self, p):
        return [
            f"每 {p['period_months']} 个月评估一次（双月评估），得分 = 评估期内各现场评分表总分的平均数",
            f"连续两次评估排名倒数 {p['bottom_n']} 位，或市级检查中得分低于全市平均分的行政村予以全区通报",
            "评估结果与年底长效管护奖补资金挂钩（由区级人员录入金额与是否取消）",
        ]

    def own_rules(self, p):
        src = "工作方案 000：“{}”"
        notice = ("针对在市级暗访测评、交叉检查或满意度测评等各类督查检查中，"
                  "评分低于全市平均分的行政村或双月评估中排名持续位于倒数 5 位的行政村予以全区通报")
        return [
            (f"每 {p['period_months']} 个月评估一次（双月评估）", src.format("双月评估")),
            ("评估得分 = 评估期内各现场评分表总分的平均数；评分项与分值", PROJECT_DEFAULT),
            (f"连续两次评估倒数 {p['bottom_n']} 位予以全区通报（“持续”按连续两次计）", src.format(notice)),
            ("市级检查中得分低于全市平均分予以全区通报", src.format(notice)),
            ("评估结果与年底长效管护奖补资金挂钩",
             src.format("将考核结果与年底长效管护考核奖励资金挂钩，严重者取消长效管护奖补资金")),
            ("年度总成绩 = 已结月份评估得分平均（方案未规定年度折算）", PROJECT_DEFAULT),
        ]

    def period(self, month, p):
        n = max(1, p["period_months"])
        first = add_months(date(month.year, 1, 1), ((month.month - 1) // n) * n)
        return [add_months(first, i) for i in range(n)]

    def month_scores(self, month, codes, villages, p, data):
        out = {}
        months = self.period(month, p)
        for code in codes:
            s = n = 0
            for m in months:
                ms, mn = data.cards(m, code)
                s, n = s + ms, n + mn
            if n:
                out[code] = round(s / n, 2)
        return out

    def flags(self, code, now, prev, data):
        p = now.params
        out = []
        if code in now.bottom:
            earlier = data.table(add_months(self.period(now.month, p)[0], -1)).get(code)
            if earlier is not None and earlier.scheme.name == self.name and code in earlier.bottom:
                out.append({"code": "notice", "points": 0,
                            "label": f"连续两次双月评估倒数{p['bottom_n']}位：全区通报"})
            else:
                out.append({"code": "bottom", "points": 0, "label": f"本次双月评估倒数{p['bottom_n']}位"})
        for check in data.city_checks_below(code, self.period(now.month, p)):
            out.append({"code": "notice", "points": 0,
                        "label": f"{check}得分低于全市平均分：全区通报"})
        return out


SCHEMES = {s.name: s for s in (Standard(), Dazhangzhuang(), Minhang())}


def get(name):
    return SCHEMES[name]


# --- which scheme applies where ------------------------------------------------------------------------


def _settings():
    from .models import SchemeSetting

    return {s.area_code: s for s in SchemeSetting.objects.all()}


def effective(town, rows=None):
    """(scheme name, parameters) set for a town today: the town's setting, else its district's, else standard."""
    rows = _settings() if rows is None else rows
    row = rows.get(town) or rows.get(scope.district_of(town))
    if row is None or row.scheme not in SCHEMES:
        return "standard", SCHEMES["standard"].params()
    return row.scheme, SCHEMES[row.scheme].params(row.parameters)


def schemes_at(month, towns):
    """{town: (scheme name, parameters)} for a month: a closed month's own record, else today's settings."""
    from .models import MonthClose

    rows = _settings()
    frozen = {}
    for close in MonthClose.objects.filter(month=month, district__in={scope.district_of(t) for t in towns}):
        frozen.update(close.schemes)
    out = {}
    for t in towns:
        if t in frozen and frozen[t]["scheme"] in SCHEMES:
            name = frozen[t]["scheme"]
            out[t] = (name, SCHEMES[name].params(frozen[t]["parameters"]))
        else:
            out[t] = effective(t, rows)
    return out


def set_scheme(area_code, name, values=None, user=None):
    """Set a district's or a town's scheme and parameters (values: {key: text}); returns the setting."""
    from core.errors import BadInput
    from geo.models import District, Town

    from .models import SchemeSetting

    if name not in SCHEMES:
        raise BadInput(f"未知的考核方案：{name}（可用：{', '.join(SCHEMES)}）", field="scheme")
    if not (District.objects.filter(code=area_code).exists() or Town.objects.filter(code=area_code).exists()):
        raise BadInput(f"区或街镇不存在：{area_code}", field="area")
    scheme = SCHEMES[name]
    existing = SchemeSetting.objects.filter(area_code=area_code).first()
    params = dict(existing.parameters) if existing and existing.scheme == name else {}
    for key, value in (values or {}).items():
        try:
            params[key] = scheme.parse(key, value)
        except ValueError as exc:
            raise BadInput(str(exc), field=key) from None
    setting, _ = SchemeSetting.objects.update_or_create(
        area_code=area_code, defaults={"scheme": name, "parameters": params, "updated_by": user})
    return setting


def params_key(name, params):
    return (name, json.dumps(params, sort_keys=True))


# --- the data a computation reads, fetched once ---------------------------------------------------------


class Data:
    """Scorecard sums, standard scores, evaluations and third-party problems, read once per computation."""

    def __init__(self, area, months, villages):
        self.area = area
        self.villages = villages
        self._cards = {}
        self._months = set()
        self._standard = {}
        self._metrics = {}
        self._tables = {}
        self._evaluated = {}
        self._third = {}
        self._checks = None
        self.load_cards(months)

    def load_cards(self, months):
        from .models import Scorecard

        months = [m for m in months if m not in self._months]
        if not months:
            return
        self._months |= set(months)
        for m in months:
            self._cards.setdefault(m, {})
        qs = (Scorecard.objects.filter(current=True, month__in=months).filter(scope.code_q(self.area, "village__code"))
              .values_list("month", "village_id").annotate(s=Sum("total"), n=Count("*")).order_by())
        # The ORM builds the query (scope included); its rows are read with a plain cursor, the sum as float8
        # (numeric → float8 rounds like float(Decimal)): a year's 120,000 (month, village) rows would otherwise
        # pass through a Decimal converter each.
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(f"SELECT month, village_id, s::float8, n FROM ({sql}) q", params)
            cards = self._cards
            for month, code, s, n in cur.fetchall():
                cards[month][code] = (s, n)

    def month_cards(self, month):
        """{village: (sum of totals, number of cards)} of a month (villages without a card are absent)."""
        if month not in self._months:
            self.load_cards([month])
        return self._cards[month]

    def cards(self, month, code):
        return self.month_cards(month).get(code, (0.0, 0))

    def metrics(self, month):
        """{village: metrics} of a month (problems rebuilt at its end), read once per computation."""
        if month not in self._metrics:
            district = scope.district_of(self.area) if self.area else None
            self._metrics[month] = monthly.cached_month_metrics(month, district)
        return self._metrics[month]

    def standard(self, month, labelled=False):
        """{village: (score, deductions)} under the standard formula, for the villages the month has a record of:
        a problem found, open at the month's end or closed in it, or a loop event (submission, rejection,
        supervision, re-inspection) in it. A village with none has no score (未评分), never the full BASE.
        Deductions are None unless `labelled` (rankings need the scores only)."""
        kept = self._standard.get(month)
        if kept is None or (labelled and not kept[1]):
            c = monthly.conf()
            kept = self._standard[month] = ({code: monthly.score(m, c, labelled)
                                             for code, m in self.metrics(month).items() if monthly.has_record(m)},
                                            labelled)
        return kept[0]

    def standard_scores(self, month, codes):
        scored = self.standard(month)
        return {c: scored[c][0] for c in codes if c in scored}

    def table(self, month):
        """{code: MonthTable} of a month, each village under the scheme its town had that month."""
        if month not in self._tables:
            towns = {v["town"] for v in self.villages.values()}
            at = schemes_at(month, towns)
            keys = {t: params_key(*v) for t, v in at.items()}
            groups = defaultdict(list)
            for code, info in self.villages.items():
                groups[keys[info["town"]]].append(code)
            tables = {}
            for (name, pj), codes in groups.items():
                t = SCHEMES[name].month_table(month, codes, self.villages, json.loads(pj), self)
                tables.update(dict.fromkeys(codes, t))
            self._tables[month] = tables
        return self._tables[month]

    def flags(self, month, code):
        now = self.table(month).get(code)
        if now is None:
            return []
        prev = self.table(previous_month(month)).get(code)
        return now.scheme.flags(code, now, prev, self)

    def evaluated(self, year):
        from .models import EvaluatedVillage

        if year not in self._evaluated:
            self._evaluated[year] = set(EvaluatedVillage.objects.filter(year=year)
                                        .filter(scope.code_q(self.area, "village__code"))
                                        .values_list("village_id", flat=True))
        return self._evaluated[year]

    def third_party(self, year):
        if year not in self._third:
            self._third[year] = third_party_problems(year, self.area)
        return self._third[year]

    def city_checks_below(self, code, months):
        from .models import CityCheckScore

        if self._checks is None:
            self._checks = defaultdict(list)
            rows = (CityCheckScore.objects.filter(scope.code_q(self.area, "village__code"))
                    .select_related("city_check"))
            for r in rows:
                if r.score < r.city_check.city_average:
                    self._checks[r.village_id].append(r.city_check)
        first, last = months[0], add_months(months[-1], 1)
        return [f"{c.name}（{c.checked_on:%Y-%m-%d}）" for c in self._checks.get(code, [])
                if first <= c.checked_on < last]


THIRD_PARTY_SQL = """
-- per third-party problem of the year: was a verification ever rejected, and its status at the end of the month
-- after it was found (the state before the first event after that moment, else today's row). Raw SQL because
-- the ORM cannot express the per-row moment and the rewind.
SELECT i.village_id, to_char(i.reported_at AT TIME ZONE %(tz)s, 'YYYY-MM') AS found_month,
       EXISTS (SELECT 1 FROM patrol_issueevent r WHERE r.issue_id = i.id AND r.action = 'reject') AS rejected,
       m.moment,
       COALESCE((SELECT e.from_status FROM patrol_issueevent e WHERE e.issue_id = i.id AND e.at >= m.moment
                 ORDER BY e.at, e.id LIMIT 1), i.status) AS status_then
FROM patrol_issue i
CROSS JOIN LATERAL (SELECT ((date_trunc('month', i.reported_at AT TIME ZONE %(tz)s) + interval '2 month')
                            AT TIME ZONE %(tz)s) AS moment) m
WHERE i.source = 'third_party' AND i.reported_at >= %(start)s AND i.reported_at < %(end)s AND {where}
"""


def third_party_problems(year, area):
    """{village: {"found": n, "unrectified": {"YYYY-MM": n}}}: the year's third-party problems, and those
    rejected at verification or still open at the end of the month after they were found (by month found)."""
    from django.db import connection

    from patrol.history import scope_sql

    start, _ = month_bounds(date(year, 1, 1))
    end, _ = month_bounds(date(year + 1, 1, 1))
    where, params = scope_sql(area or None)
    tz = timezone.get_current_timezone_name()
    now = timezone.now()
    out = defaultdict(lambda: {"found": 0, "unrectified": defaultdict(int)})
    with connection.cursor() as cur:
        cur.execute(THIRD_PARTY_SQL.format(where=where), {"tz": tz, "start": start, "end": end, **params})
        for village, found_month, rejected, moment, status_then in cur.fetchall():  # month found, local time
            row = out[village]
            row["found"] += 1
            if rejected or (moment <= now and status_then != "closed"):
                row["unrectified"][found_month] += 1
    return out


# --- helpers for callers ----------------------------------------------------------------------------------


def villages_of(area):
    """{code: {code, name, town, town_name, district, community}} of the villages in an area ('' everywhere);
    `community` is the name of its 党建共同体, or ''."""
    from geo.models import Village

    qs = Village.objects.order_by("code")
    if area:
        qs = qs.filter(scope.code_q(area))
    return {code: {"code": code, "name": name, "town": town, "town_name": town_name,
                   "district": scope.district_of(town), "community": community or ""}
            for code, name, town, town_name, community
            in qs.values_list("code", "name", "town_id", "town__name", "community__name")}


def as_decimal(value):
    return Decimal(str(value))


def warnings(tables, villages):
    """A cut that flags more than half of its scope tells nobody anything: say so."""
    out = []
    seen = set()
    town_names = None
    for t in tables:
        if id(t) in seen or not t.scheme.uses_scorecards and t.scheme.name != "standard":
            continue
        seen.add(id(t))
        n = t.scheme.bottom_n(t.params) if "bottom_n" in t.params else None
        if n is None:
            continue
        flagged_in = Counter(t.scheme.group_key(villages[c], t.params) for c in t.bottom)
        for group, size in t.sizes.items():
            flagged = flagged_in[group]
            if 2 * n > size or 2 * flagged > size:
                if town_names is None:
                    town_names = {v["town"]: v["town_name"] for v in villages.values()}
                name = town_names.get(group, group) if len(group) == 9 else "全区"
                out.append(f"{name}：排名范围内共 {size} 个村，后{n}名的划线会标记超过半数的村"
                           f"（本月标记 {flagged} 个），标记失去区分度——"
                           "请调小 bottom_n 或改用 rank_scope=district（manage.py assessment_scheme）。")
    return out


