"""The one truth of a village-month: `month(area, month)` gives every village's score, rank, flags, list mark,
light and metrics under the scheme its town had that month (standard, dazhangzhuang or minhang alike). Every page,
document, export and notification that shows a score, a rank, a flag, a 红榜/黑榜 or a year mark reads it (or
`series`, `bottom` and `year`, which are built from the same tables).

- A village with nothing to score in a month (no scorecard; under the standard formula no problem record) has
  score None (shown "未评分"), no rank, no flag and is on no list.
- Ranks are competition ranks within the scheme's rank scope (`rank_scope`: the town or the whole district),
  whatever part of the district is shown; `rank_town` and `rank_district` are given besides.
- 红榜/黑榜: the best and the worst `list_n` (settings LIST_N, a project default) of each district among the villages
  on the same scheme; ties at the cut are all included, a full score is never on the 黑榜, a village on both is on
  the 黑榜 only. The lists are a village's own mark, the same on every page, whatever part of the district is shown.
- A month not yet over is provisional ("（未结）").
"""
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from core.months import current_month, month_bounds, months_of, parse_month, previous_month
from geo import scope
from patrol import lights

from . import inspection, monthly
from . import schemes as S

PROVISIONAL = "（未结）"
UNSCORED = "未评分"
INCOMPLETE = "数据不全"


def ranking_area(area):
    """Ranks are taken within whole districts, whatever part of them a person sees."""
    return scope.district_of(area) if area else scope.EVERYWHERE


@dataclass
class MonthResult:
    month: date
    rows: list  # one dict per village shown: scored first, best first (ties by code), then the unscored by code
    tables: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    schemes: list = field(default_factory=list)  # [{"name", "title", "parameters", "labels", "rules"}]
    provisional: bool = False

    @property
    def red_list(self):
        return [r for r in self.rows if r["list"] == "red"]

    @property
    def black_list(self):
        return sorted((r for r in self.rows if r["list"] == "black"), key=lambda r: (r["score"], r["code"]))

    @property
    def label(self):
        return f"{self.month:%Y-%m}{PROVISIONAL if self.provisional else ''}"

    def row(self, code):
        return next((r for r in self.rows if r["code"] == code), None)


def _shown(villages, area, town=None):
    return [c for c, v in villages.items()
            if scope.touches(area or scope.EVERYWHERE, c) and (not town or v["town"] == town)]


def _data(area, months):
    rank_area = ranking_area(area)
    villages = S.villages_of(rank_area)
    wanted = sorted({m for x in months for m in (x, previous_month(x))})
    return S.Data(rank_area, wanted, villages), villages


def month(area, month, town=None):
    """The month's result of the villages of an area (optionally one town of it): a MonthResult."""
    month = parse_month(month)
    data, villages = _data(area, [month])
    return _month(data, month, _shown(villages, area, town))


def series(code, months):
    """[(month, row or None)] of one village: the same rows as `month` would give for each month."""
    months = [parse_month(m) for m in months]
    if not months:
        return []
    data, villages = _data(code, months)
    return [(m, _month(data, m, [code] if code in villages else []).row(code)) for m in months]


def bottom(area, n, month=None):
    """The scored villages of an area in the bottom n of their month's result (default: the last complete month),
    worst first: [{"code", "name", "town", "score", "rank", "scheme"}]. Ties at the cut are all included; a full
    score is never listed. The score and rank are the month result's."""
    result = globals()["month"](area, parse_month(month) if month else monthly.last_complete_month())
    scored = [r for r in result.rows if r["score"] is not None]
    cut = set()
    by_scheme = defaultdict(dict)
    for r in scored:
        by_scheme[r["scheme"]][r["code"]] = r["score"]
    for name, scores in by_scheme.items():
        cut |= monthly.bottom_set(scores, n, S.get(name).max_total() or None)
    rows = sorted((r for r in scored if r["code"] in cut), key=lambda r: (r["score"], r["code"]))
    return [{"code": r["code"], "name": r["name"], "town": r["town"], "town_name": r["town_name"],
             "score": r["score"], "score_text": r["score_text"], "rank": r["rank"], "scheme": r["scheme"],
             "rank_scope_name": "镇内" if r["rank_scope"] == "town" else "全区", "month": result.label}
            for r in rows]


# --- the rows -------------------------------------------------------------------------------------------------


def _light(metrics):
    return lights.area_light_of(metrics["lights"])


def _extras(t, villages):
    """Per table (once): town and district ranks, and the 红榜/黑榜 of each ranking scope."""
    if getattr(t, "_extras", None) is None:
        by_town, by_district = defaultdict(dict), defaultdict(dict)
        for code, value in t.scores.items():
            by_town[villages[code]["town"]][code] = value
            by_district[villages[code]["district"]][code] = value
        rank_town, rank_district = {}, {}
        for members in by_town.values():
            rank_town.update(monthly.competition_ranks(members))
        for members in by_district.values():
            rank_district.update(monthly.competition_ranks(members))
        n = t.params.get("list_n") or monthly.conf()["LIST_N"]
        base = t.scheme.max_total() or None
        lists = {}
        for members in by_district.values():
            black = monthly.bottom_set(members, n, base)
            for code in monthly.top_set(members, n) - black:
                lists[code] = "red"
            for code in black:
                lists[code] = "black"
        t._extras = (rank_town, rank_district, lists)
    return t._extras


def _month(data, month, shown):
    from .models import Interview

    standard = data.standard(month, labelled=True)  # before the tables, which then use these scores
    tables = data.table(month)
    prev = data.table(previous_month(month))
    metrics = data.metrics(month)
    villages = data.villages
    prev_scores = {}
    provisional = month >= current_month()
    formula = monthly.conf()
    shown_set = set(shown)
    # a month's interviews are few: read the ranking area's, keep the villages shown (not ten thousand codes as IN)
    interviews = {i.village_id: i for i in Interview.objects.filter(month=month).filter(
        scope.code_q(data.area, "village__code")) if i.village_id in shown_set}
    inspected = [c for c in shown if tables[c].scheme.monthly_inspection]
    findings = inspection.month_counts(inspected, month) if inspected else {}
    rows = []
    for code in shown:
        t, info = tables[code], villages[code]
        p = prev.get(code)
        rank_town, rank_district, lists = _extras(t, villages)
        m = metrics.get(code) or monthly.empty_metrics()
        score = t.scores.get(code)
        flags = t.scheme.flags(code, t, p, data) if score is not None else []
        for f in flags:
            if f["code"] in ("bottom", "bottom_twice"):
                f["interview"] = _interview_json(interviews[code]) if code in interviews else None
        is_standard = t.scheme.name == "standard"
        prev_scores[code] = p.scores.get(code) if p is not None else None
        rows.append({
            **info, "scheme": t.scheme.name, "score": score, "scored": score is not None,
            "score_text": UNSCORED if score is None else f"{score:g}",
            "rank": t.ranks.get(code), "rank_scope": t.params.get("rank_scope", "town"),
            "rank_town": rank_town.get(code), "rank_district": rank_district.get(code),
            "light": _light(m), "metrics": m,
            "deductions": standard[code][1] if is_standard and code in standard else [],
            "scorecards": data.cards(month, code)[1] if t.scheme.uses_scorecards else None,
            "flags": flags, "flag_points": round(sum(f["points"] for f in flags), 2),
            "third_party_adjustment": monthly.third_party_adjustment(m, formula) if is_standard else None,
            "previous_score": prev_scores[code], "list": lists.get(code, ""),
            "provisional": provisional,
            "inspection": findings.get(code),  # plan 001's monthly inspection, under the schemes that have one
        })
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["code"]))
    shown_tables = list({id(tables[c]): tables[c] for c in shown}.values())
    used = {}
    for t in shown_tables:
        used.setdefault(S.params_key(t.scheme.name, t.params), t)
    schemes = [{"name": t.scheme.name, "title": t.scheme.title, "source": t.scheme.source, "parameters": t.params,
                "labels": t.scheme.labels, "rules": t.scheme.rule_lines(t.params),
                "parameter_rows": t.scheme.parameter_rows(t.params),
                "explain": [{"rule": r, "source": s} for r, s in t.scheme.explain(t.params)]} for t in used.values()]
    return MonthResult(month, rows, shown_tables, S.warnings(shown_tables, villages), schemes, provisional)


def communities(rows, key="score", flag_key="flags"):
    """Per 党建共同体 among the rows shown (plan 001's grouping of villages under a 共同体书记): its secretary, its
    villages, how many were scored, their mean `key` (a month's score, or the year's total) and how many carry a
    `flag_key` (the month's flags, or the year's marks). Best mean first."""
    from geo.models import Community

    groups = defaultdict(list)
    for r in rows:
        if r["community"]:
            groups[(r["town"], r["community"])].append(r)
    if not groups:
        return []
    secretaries = {(c.town_id, c.name): c.secretary for c in Community.objects.filter(
        town_id__in={t for t, _ in groups}, name__in={n for _, n in groups})}
    out = []
    for (town, name), members in groups.items():
        scores = [r[key] for r in members if r[key] is not None]
        out.append({"name": name, "town": town, "secretary": secretaries.get((town, name), ""),
                    "villages": len(members), "scored": len(scores),
                    "mean": round(sum(scores) / len(scores), 2) if scores else None,
                    "flagged": sum(1 for r in members if r.get(flag_key))})
    out.sort(key=lambda c: (c["mean"] is None, -(c["mean"] or 0), c["town"], c["name"]))
    return out


def _interview_json(i):
    return {"held_on": i.held_on, "held_by": i.held_by, "note": i.note, "kind": i.kind}


def row_json(r):
    """A row of /api/assessment/: the first contract's fields (code, name, score, rank, light, metrics, flags and
    the rest) whatever the scheme; a scheme adds fields, never drops one."""
    return {
        "code": r["code"], "name": r["name"], "town": r["town"], "town_name": r["town_name"],
        "community": r["community"], "inspection": r.get("inspection"),
        "scheme": r["scheme"], "score": r["score"], "scored": r["scored"], "rank": r["rank"],
        "rank_scope": r["rank_scope"], "rank_town": r["rank_town"], "rank_district": r["rank_district"],
        "light": r["light"], "metrics": r["metrics"],
        "deductions": [{"label": label, "points": p} for label, p in r["deductions"]],
        "flags": r["flags"], "flag_points": r["flag_points"], "third_party_adjustment": r["third_party_adjustment"],
        "list": r["list"], "scorecards": r["scorecards"], "previous_score": r["previous_score"],
    }


# --- the year ---------------------------------------------------------------------------------------------------


def closed_months(year, district):
    from .models import MonthClose

    return sorted(MonthClose.objects.filter(month__year=year, district=district, closed=True)
                  .values_list("month", flat=True))


def year(year, area, town=None):
    """Per village: the month scores (closed months count; a month not closed is labelled "（未结）" and left out
    of the total), every adjustment with its reason and month, the total, rank and marks. A village scored in fewer
    than `min_months_share` of the year's closed months (at least one) has no total, rank or mark ("数据不全")."""
    from .models import Adjustment, MonthClose, UpkeepFund
    from .services import _year

    year = _year(year)
    months = months_of(year)
    rank_area = ranking_area(area)
    villages = S.villages_of(rank_area)
    data = S.Data(rank_area, [previous_month(months[0]), *months], villages)
    towns = {v["town"] for v in villages.values()}
    year_schemes = S.schemes_at(date(year, 12, 1), towns) if year < current_month().year else \
        {t: S.effective(t) for t in towns}
    entered = defaultdict(list)
    for a in Adjustment.objects.filter(year=year).filter(scope.code_q(rank_area, "village__code")).order_by("id"):
        entered[a.village_id].append({"kind": a.kind, "points": float(a.points), "reason": a.reason,
                                      "month": f"{a.month:%Y-%m}" if a.month else None})
    funds = {f.village_id: f for f in UpkeepFund.objects.filter(year=year).filter(
        scope.code_q(rank_area, "village__code"))}
    closed = defaultdict(set)
    for m, d in MonthClose.objects.filter(month__year=year, closed=True).values_list("month", "district"):
        closed[d].add(m)

    rows = {}
    tables = {m: data.table(m) for m in [previous_month(months[0]), *months]}
    labels = {m: f"{m:%Y-%m}" for m in months}
    for code, info in villages.items():
        month_scores, counted, adjustments = {}, {}, []
        shut = closed[info["district"]]
        for m in months:
            t = tables[m].get(code)
            if t is None or code not in t.scores:
                continue
            month_scores[labels[m]] = t.scores[code]
            if m not in shut:
                continue
            counted[labels[m]] = t.scores[code]
            for f in t.scheme.flags(code, t, tables[previous_month(m)].get(code), data):
                if f["points"] or f["code"] == "notice":
                    adjustments.append({"kind": f["code"], "points": f["points"], "reason": f["label"],
                                        "month": labels[m]})
        rows[code] = {"code": code, "name": info["name"], "town": info["town"], "town_name": info["town_name"],
                      "community": info["community"],
                      "district": info["district"], "scheme": year_schemes[info["town"]][0], "months": month_scores,
                      "counted_months": sorted(counted), "closed_months": len(shut),
                      "adjustments": adjustments, "_counted": counted}
    keys = {t: S.params_key(*v) for t, v in year_schemes.items()}
    by_scheme = defaultdict(list)
    for code, info in villages.items():
        by_scheme[keys[info["town"]]].append(code)
    for (name, pj), codes in by_scheme.items():
        scheme, p = S.get(name), json.loads(pj)
        share = float(p.get("min_months_share", 1.0))
        own = scheme.year_adjustments(year, codes, villages, p, data)
        if p.get(S.PHOTO_POINTS):
            for code, found in photo_adjustments(year, codes, villages, float(p[S.PHOTO_POINTS]), closed).items():
                own.setdefault(code, []).extend(found)
        groups = defaultdict(dict)
        for code in codes:
            r = rows[code]
            r["adjustments"] += own.get(code, []) + entered.get(code, [])
            scores = list(r.pop("_counted").values())
            needed = max(1, math.ceil(share * r["closed_months"] - 1e-9))
            r["months_needed"] = needed
            r["complete"] = len(scores) >= needed
            r["status"] = "" if r["complete"] else INCOMPLETE
            r["mean"] = round(sum(scores) / len(scores), 2) if scores else None
            r["total"] = (round(r["mean"] + sum(a["points"] for a in r["adjustments"]), 2)
                          if r["complete"] else None)
            if r["total"] is not None:
                groups[scheme.group_key(villages[code], p)][code] = r["total"]
        for members in groups.values():
            ranks = monthly.competition_ranks(members)
            marks = scheme.marks(members, p, data, year)
            for code in members:
                rows[code]["rank"] = ranks[code]
                rows[code]["marks"] = marks.get(code, [])
                if "reward" in rows[code]["marks"]:
                    rows[code]["reward_amount"] = p.get("reward_amount")
        for code in codes:
            rows[code].setdefault("rank", None)
            rows[code].setdefault("marks", [])
            if code in funds:
                f = funds[code]
                rows[code]["fund"] = {"amount": float(f.amount), "withheld": f.withheld, "note": f.note}
    shown = [rows[c] for c in _shown(villages, area, town)]
    shown.sort(key=lambda r: (r["total"] is None, -(r["total"] or 0), r["code"]))
    cur = current_month()
    provisional = [f"{m:%Y-%m}" for m in months if not any(m in s for s in closed.values()) or m >= cur]
    return {"year": year, "months": [f"{m:%Y-%m}" for m in months],
            "provisional_month": f"{cur:%Y-%m}" if cur in months else None,
            "unclosed_months": provisional, "villages": shown}


def photo_adjustments(year, codes, villages, points, closed):
    """{code: [adjustment]}: −points for each 复核 rejection citing a photo flag in a closed month of the year
    (issue 28). Only when a scheme's photo_flag_points is set: the plans say nothing of photos, so it is off by
    default and the counts are a KPI only."""
    from patrol.photo_checks import trust_counts

    start, _ = month_bounds(date(year, 1, 1))
    _, end = month_bounds(date(year, 12, 1))
    out = defaultdict(list)
    for (code, m), (_flagged, rejected) in sorted(trust_counts(codes, start, end).items()):
        if rejected and m in closed[villages[code]["district"]]:
            out[code].append({"kind": "photo", "points": round(-points * rejected, 2), "month": f"{m:%Y-%m}",
                              "reason": f"整改照片被标记且因此退回 {rejected} 次"})
    return out
