"""The standard formula's parts (考核): month metrics rebuilt from history, the score, rank and cut helpers.
The month's result itself — under whatever scheme a town has, this formula being one of three — is
assessment.results.month; nothing else computes a score, rank or flag.

Everything is read from the event history as it stood at the month's end (patrol.history), never from today's
rows, so a past month's ranking does not change when a problem changes later.

The score (weights in settings.PATROL["ASSESSMENT"], each overridable by an environment variable):

    score = BASE (100)
            − Σ FOUND_WEIGHTS[source] × problems found in the month from that source
            − W_OVERDUE × problems overdue at month end
            − W_RED     × problems under red supervision at month end
            − W_REBOUND × rebounds (new problems linked to a closed one + re-inspections that came back)
            − W_REWORK  × rejected verifications in the month
            − W_ONTIME  × (1 − on-time closure rate)          (only when something was closed in the month)

A village whose month holds no record (nothing found, open at the end, closed, nor any loop event: has_record)
has no score that month ("未评分"), never the full BASE.

Ranks use competition ranking ("1224"): equal scores share a rank and the next rank skips. A village is in
the bottom N when fewer than N villages score strictly lower — so every village tied at the cut is included
(the cut can hold more than N villages), and a village with the full score is never flagged. Tables list
tied villages by code; that order does not change their rank.

Flags (the standard scheme's, in assessment.schemes.Standard; seed 001's 考核奖惩 made a project default):
bottom N of the month in the BOTTOM_SCOPE ranking (town by default) → talk with the village secretary,
−3 at year end; bottom N this month and last month → talk by the town leader, −5 (instead
of −3 for that month); bottom NOTICE_N of the district ranking two assessments running → district-wide notice.
Third-party evaluation (year to date): +0.1 per problem fewer than the baseline 8, −0.1 per problem more,
−0.5 per problem not rectified (open at month end) or rectified badly (a verification was rejected or it was
reopened).
"""
import json
import zlib
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.months import local_start, month_bounds, month_end, parse_month, previous_month
from patrol import lights
from patrol.history import BEFORE_COLUMNS_SQL, CORRECTED_SQL, ISSUES_AT_SQL, LATER_EVENT, scope_sql

SOURCES = ("district_patrol", "town_self_check", "third_party", "reinspection", "public_report")

METRIC_DEFINITIONS = [
    ("found", "发现问题数", "本月上报的问题数（按来源、类别分列）"),
    ("closed", "结案数", "本月复核通过销号、且月末仍为已销号的问题数"),
    ("closure_rate", "结案率", "本月结案数 ÷（本月结案数 + 月末未结案数）"),
    ("on_time_rate", "按期结案率", "本月结案数中，在整改期限当日或之前销号的比例"),
    ("rework_rate", "返工率", "本月复核不通过次数 ÷ 本月提交整改次数"),
    ("rebound_rate", "反弹率",
     "反弹数 ÷（本月发现问题数 + 本月回头看次数）；反弹数 = 本月新发现中认定为反弹回潮的 + 回头看发现反弹的"),
    ("mean_days_to_close", "平均销号天数", "本月结案问题从上报到销号的平均天数"),
    ("overdue", "超期数", "月末未结案且已过整改期限的问题数"),
    ("red", "红色督办数", "月末仍在红色督办中的问题数"),
]


def conf():
    return settings.PATROL["ASSESSMENT"]


def last_complete_month(today=None):
    today = today or timezone.localdate()
    return previous_month(today)


# --- reading the history --------------------------------------------------------------------------


# The month's loop events with the village their problem stood in at the month's end. Joined to patrol_issue
# itself, not to patrol.history.ISSUES_AT_SQL, which anti-joins all million problems against later corrections
# first: only fields a later correction changed are taken from before it (`fix`).
EVENT_COUNTS_SQL = f"""
WITH fix AS MATERIALIZED ({CORRECTED_SQL})
SELECT i.village_id, i.action, i.result, count(*) FROM (
    SELECT {BEFORE_COLUMNS_SQL}, e.action, COALESCE(e.data->>'result', '') AS result
    FROM patrol_issueevent e JOIN patrol_issue i0 ON i0.id = e.issue_id LEFT JOIN fix ON fix.issue_id = i0.id
    WHERE e.at >= %(start)s AND e.at < %(end)s AND e.action IN ('submit', 'reject', 'supervise', 'reinspect')
) i
WHERE {{scope}}
GROUP BY 1, 2, 3
"""


def month_event_counts(month, area_code=None):
    """{village: Counter} of the month's loop events: submit, reject, supervise, reinspect_held/came_back."""
    start, end = month_bounds(month)
    moment, _ = month_end(month)
    where, params = scope_sql(area_code)
    out = defaultdict(Counter)
    with connection.cursor() as cur:
        cur.execute(EVENT_COUNTS_SQL.format(scope=where), {"start": start, "end": end, "moment": moment, **params})
        for village, action, result, n in cur.fetchall():
            out[village][f"reinspect_{result}" if action == "reinspect" else action] += n
    return out


def badly_rectified_third_party(month, area_code=None):
    """Ids of this year's third-party problems that had a verification rejected or were reopened by month end."""
    moment, _ = month_end(month)
    year_start, _ = month_bounds(parse_month(month).replace(month=1))
    where, params = scope_sql(area_code)
    sql = f"""
        SELECT DISTINCT e.issue_id FROM patrol_issueevent e JOIN {ISSUES_AT_SQL} i ON i.id = e.issue_id
        WHERE i.source = 'third_party' AND i.reported_at >= %(year_start)s AND e.at <= %(moment)s
          AND e.action IN ('reject', 'reopen')
          AND {where}
    """
    with connection.cursor() as cur:
        cur.execute(sql, {"year_start": year_start, "moment": moment, **params})
        return {row[0] for row in cur.fetchall()}


# --- the same metrics, aggregated in the database (the fast path used by assess) -------------------
#
# An issue with no event after the month's end but its report stands at the month's end exactly as its row stands
# today (the row is only ever changed by patrol.services, together with an event): those are aggregated straight
# from their rows (UNTOUCHED_SQL). It names no CTE, so PostgreSQL scans the million rows in parallel. An issue
# touched after the month is rewound (REWOUND_SQL): every event records the state it started from, so the first
# event after the month tells the state at its end; deadline, supervision and closing time are read back from the
# history only where events after the month changed them (the picks of patrol.history: the last such event up to
# the moment), and fields a later correction changed take their value from before it (a correction is an event
# after the month too). Both parts are aggregated by the one METRICS_SQL and added up per village. The result
# equals village_metrics(states_at_month_end(...)) (tests/assessment/test_assessment.py checks both on hand-made
# histories) while reading a million problems in about a second instead of streaming them all to Python.

# Raw SQL: the aggregate FILTERs over a derived table, and the rewind's ordered picks, are beyond the ORM. {rows}
# yields id, village_id, source, reported_at, status, deadline, red, closed_at of each problem at the moment.
# The columns after village_id: the counts of COUNTED in order, the days from report to close of the month's
# closures, then the problems by light.
COUNTED = ("closed", "closed_on_time", "open", "overdue", "red", "third_party_year", "third_party_unrectified")
METRICS_SQL = """
SELECT village_id,
       count(*) FILTER (WHERE closed_now),
       count(*) FILTER (WHERE closed_now AND (deadline IS NULL OR (closed_at AT TIME ZONE %(tz)s)::date <= deadline)),
       count(*) FILTER (WHERE open),
       count(*) FILTER (WHERE open AND deadline < %(day)s),
       count(*) FILTER (WHERE open AND red),
       count(*) FILTER (WHERE third_party_year),
       count(*) FILTER (WHERE third_party_year AND (open OR id IN (
           -- rectified badly: a verification rejected or reopened by the moment
           SELECT e.issue_id FROM patrol_issueevent e WHERE e.action IN ('reject', 'reopen') AND e.at <= %(moment)s))),
       COALESCE(sum(extract(epoch FROM closed_at - reported_at)) FILTER (WHERE closed_now), 0) / 86400.0,
       count(*) FILTER (WHERE light = 'red'),
       count(*) FILTER (WHERE light = 'yellow'),
       count(*) FILTER (WHERE light = 'green')
FROM (
    SELECT r.*, r.status = 'closed' AND r.closed_at >= %(start)s AND r.closed_at < %(end)s AS closed_now,
           r.status <> 'closed' AS open,
           r.source = 'third_party' AND r.reported_at >= %(year_start)s AS third_party_year,
           {light} AS light
    FROM ({rows}) r
) s
GROUP BY village_id
""".replace("{light}", lights.problem_light_sql("r.status", "COALESCE(r.red, FALSE)", "r.deadline", "%(day)s"))

UNTOUCHED_SQL = f"""
    SELECT i.id, i.village_id, i.source, i.reported_at, i.status, i.deadline, i.red_supervision AS red, i.closed_at
    FROM patrol_issue i
    WHERE i.reported_at <= %(moment)s AND {{scope}}
      AND NOT EXISTS (SELECT 1 FROM patrol_issueevent e
                      WHERE e.issue_id = i.id AND e.{LATER_EVENT} AND e.at > %(moment)s)
"""

REWOUND_SQL = f"""
    WITH after AS MATERIALIZED (
        SELECT e.issue_id, e.action, e.from_status, e.at, e.id, e.data ? 'deadline' AS sets_deadline
        FROM patrol_issueevent e WHERE e.{LATER_EVENT} AND e.at > %(moment)s
    ),
    first AS (
        SELECT issue_id, (array_agg(from_status ORDER BY at, id))[1] AS status,
               bool_or(sets_deadline) AS deadline_changed,
               bool_or(action IN ('supervise', 'release', 'verify')) AS supervision_changed
        FROM after GROUP BY issue_id
    ),
    fix AS MATERIALIZED ({CORRECTED_SQL}),
    supervised AS MATERIALIZED (
        -- red supervision is raised only by a 'supervise' event: a problem with none by the moment was not red then
        SELECT DISTINCT issue_id FROM patrol_issueevent WHERE action = 'supervise' AND at <= %(moment)s
    ),
    i AS MATERIALIZED (
        -- each touched problem's row read by key (OFFSET 0 keeps it a nested loop), where it stood at the moment
        SELECT i0.id, {BEFORE_COLUMNS_SQL}, i0.reported_at, i0.deadline, i0.red_supervision, f.status,
               f.deadline_changed, f.supervision_changed
        FROM first f
        CROSS JOIN LATERAL (SELECT * FROM patrol_issue i0 WHERE i0.id = f.issue_id OFFSET 0) i0
        LEFT JOIN fix ON fix.issue_id = i0.id
        WHERE i0.reported_at <= %(moment)s
    )
    SELECT i.id, i.village_id, i.source, i.reported_at, i.status,
           CASE WHEN i.status = 'reported' THEN NULL  -- never assigned yet: no deadline
                WHEN i.deadline_changed THEN (
                    SELECT (e.data->>'deadline')::date FROM patrol_issueevent e
                    WHERE e.issue_id = i.id AND e.at <= %(moment)s AND e.data ? 'deadline'
                    ORDER BY e.at DESC, e.id DESC LIMIT 1)
                ELSE i.deadline END AS deadline,
           CASE WHEN i.status = 'closed' THEN FALSE  -- a verification ends supervision
                WHEN i.supervision_changed AND sv.issue_id IS NULL THEN FALSE
                WHEN i.supervision_changed THEN COALESCE((
                    SELECT e.action = 'supervise' FROM patrol_issueevent e
                    WHERE e.issue_id = i.id AND e.at <= %(moment)s AND e.action IN ('supervise', 'release', 'verify')
                    ORDER BY e.at DESC, e.id DESC LIMIT 1), FALSE)
                ELSE i.red_supervision END AS red,
           CASE WHEN i.status = 'closed' THEN (
                SELECT max(e.at) FROM patrol_issueevent e
                WHERE e.issue_id = i.id AND e.at <= %(moment)s AND e.action = 'verify') END AS closed_at
    FROM i LEFT JOIN supervised sv ON sv.issue_id = i.id
    WHERE {{scope}}
"""

FOUND_SQL = """
SELECT i.village_id, i.source, i.category_id, count(*), count(i.rebound_of_id)
FROM {issues_at} i WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s AND {scope}
GROUP BY 1, 2, 3
"""


def month_metrics(month, area_code=None):
    """{village: metrics} for a month, aggregated in the database (see METRICS_SQL); lights included."""
    start, end = month_bounds(month)
    moment, day = month_end(month)
    year_start, _ = month_bounds(parse_month(month).replace(month=1))
    where, params = scope_sql(area_code)
    args = {"moment": moment, "day": day, "start": start, "end": end, "year_start": year_start,
            "tz": timezone.get_current_timezone_name(), **params}
    out = defaultdict(empty_metrics)
    days = defaultdict(float)
    with connection.cursor() as cur:
        for rows in (UNTOUCHED_SQL, REWOUND_SQL):
            cur.execute(METRICS_SQL.replace("{rows}", rows.format(scope=where)), args)
            for village, *counts, day_sum, lr, ly, lg in cur.fetchall():
                m = out[village]
                for key, n in zip(COUNTED, counts, strict=True):
                    m[key] += n
                lights_of = m["lights"]
                lights_of["red"] += lr
                lights_of["yellow"] += ly
                lights_of["green"] += lg
                days[village] += float(day_sum)
        cur.execute(FOUND_SQL.format(scope=where, issues_at=ISSUES_AT_SQL), args)
        for village, source, category, n, rebounds in cur.fetchall():
            m = out[village]
            m["found"] += n
            m["found_by_source"][source] = m["found_by_source"].get(source, 0) + n
            m["found_by_category"][category] = m["found_by_category"].get(category, 0) + n
            m["rebounds_reported"] += rebounds
    _finish(out, month_event_counts(month, area_code), days)
    return out


def _finish(out, events, days):
    for village, counts in events.items():
        m = out[village]
        m["submissions"] = counts.get("submit", 0)
        m["rejections"] = counts.get("reject", 0)
        m["supervised_in_month"] = counts.get("supervise", 0)
        m["reinspect_held"] = counts.get("reinspect_held", 0)
        m["reinspect_came_back"] = counts.get("reinspect_came_back", 0)
    for village, m in out.items():
        m["rebounds"] = m["rebounds_reported"] + m["reinspect_came_back"]
        m["closure_rate"] = _rate(m["closed"], m["closed"] + m["open"])
        m["on_time_rate"] = _rate(m["closed_on_time"], m["closed"])
        m["rework_rate"] = _rate(m["rejections"], m["submissions"])
        m["rebound_rate"] = _rate(m["rebounds"], m["found"] + m["reinspect_held"] + m["reinspect_came_back"])
        m["mean_days_to_close"] = round(days.get(village, 0) / m["closed"], 1) if m["closed"] else None


# --- pure functions ------------------------------------------------------------------------------


def _rate(num, den):
    return round(num / den, 4) if den else None


def empty_metrics():
    return {
        "found": 0, "found_by_source": {}, "found_by_category": {}, "closed": 0, "closed_on_time": 0,
        "open": 0, "overdue": 0, "red": 0, "rebounds_reported": 0, "reinspect_held": 0,
        "reinspect_came_back": 0, "rebounds": 0, "submissions": 0, "rejections": 0, "supervised_in_month": 0,
        "closure_rate": None, "on_time_rate": None, "rework_rate": None, "rebound_rate": None,
        "mean_days_to_close": None, "third_party_year": 0, "third_party_unrectified": 0,
        "lights": {"red": 0, "yellow": 0, "green": 0},
    }


def village_metrics(states, events, month, bad_third_party=frozenset()):
    """{village: metrics} from month-end states (patrol.history.IssueState) and the month's event counts."""
    start, end = month_bounds(month)
    _, day = month_end(month)
    year_start, _ = month_bounds(parse_month(month).replace(month=1))
    out = defaultdict(empty_metrics)
    days = defaultdict(float)
    for s in states:
        m = out[s.village_id]
        m["lights"][s.light] += 1
        if start <= s.reported_at < end:
            m["found"] += 1
            m["found_by_source"][s.source] = m["found_by_source"].get(s.source, 0) + 1
            m["found_by_category"][s.category_id] = m["found_by_category"].get(s.category_id, 0) + 1
            if s.rebound_of_id:
                m["rebounds_reported"] += 1
        if s.status == "closed":
            if start <= s.closed_at < end:
                m["closed"] += 1
                local_day = timezone.localtime(s.closed_at).date()
                if s.deadline is None or local_day <= s.deadline:
                    m["closed_on_time"] += 1
                days[s.village_id] += (s.closed_at - s.reported_at).total_seconds() / 86400
        else:
            m["open"] += 1
            if s.deadline is not None and s.deadline < day:
                m["overdue"] += 1
            if s.red_supervision:
                m["red"] += 1
        if s.source == "third_party" and s.reported_at >= year_start:
            m["third_party_year"] += 1
            if s.status != "closed" or s.id in bad_third_party:
                m["third_party_unrectified"] += 1
    _finish(out, events, days)
    return out


def has_record(m):
    """Does a village's month hold anything to score? A problem found in it, open at its end or closed in it, or
    a loop event in it (the standard formula has nothing else to go on: no record, no score)."""
    return bool(m["found"] or m["open"] or m["closed"] or m["submissions"] or m["rejections"]
                or m["supervised_in_month"] or m["reinspect_held"] or m["reinspect_came_back"])


def score(metrics, c=None, labelled=True):
    """(score, [(label, points), ...]) for one village's metrics: the formula in the module docstring. Unlabelled
    (labels None), for rankings that need the scores only."""
    c = c or conf()
    parts = []
    found = metrics["found_by_source"]
    for source in SOURCES:
        n = found.get(source, 0)
        if n:
            parts.append((labelled and f"发现问题（{SOURCE_LABELS[source]}）{n} 个",
                          -c["FOUND_WEIGHTS"].get(source, 1.0) * n))
    for key, weight, label in (("overdue", "W_OVERDUE", "月末超期"), ("red", "W_RED", "月末红色督办"),
                               ("rebounds", "W_REBOUND", "反弹"), ("rejections", "W_REWORK", "复核不通过")):
        if metrics[key]:
            parts.append((labelled and f"{label} {metrics[key]} 个", -c[weight] * metrics[key]))
    if metrics["closed"] and metrics["on_time_rate"] is not None and metrics["on_time_rate"] < 1:
        parts.append((labelled and f"按期结案率 {metrics['on_time_rate']:.0%}",
                      -c["W_ONTIME"] * (1 - metrics["on_time_rate"])))
    total = round(c["BASE"] + sum(p for _, p in parts), 2)
    return total, ([(label, round(p, 2)) for label, p in parts] if labelled else None)


def competition_ranks(scores):
    """{key: rank} with equal scores sharing a rank and the next rank skipping ("1224"); higher is better."""
    ordered = sorted(scores.values(), reverse=True)
    first = {}
    for i, value in enumerate(ordered, 1):
        first.setdefault(value, i)
    return {key: first[value] for key, value in scores.items()}


def bottom_set(scores, n, base=None):
    """Keys in the bottom n: fewer than n others score strictly lower. Ties at the cut are all included;
    a key scoring `base` (the full score) or more is never in it."""
    ordered = sorted(scores.values())
    lower = {}
    for i, value in enumerate(ordered):
        lower.setdefault(value, i)
    return {k for k, v in scores.items() if lower[v] < n and (base is None or v < base)}


def top_set(scores, n):
    ranks = competition_ranks(scores)
    return {k for k, r in ranks.items() if r <= n}


def third_party_adjustment(metrics, c=None):
    c = c or conf()
    n, bad = metrics["third_party_year"], metrics["third_party_unrectified"]
    return round(c["THIRD_PARTY_PER_PROBLEM"] * (c["THIRD_PARTY_BASELINE"] - n) - c["THIRD_PARTY_UNRECTIFIED"] * bad,
                 2)


SOURCE_LABELS = {
    "district_patrol": "区级巡查", "town_self_check": "街镇自查", "third_party": "市级第三方测评",
    "reinspection": "回头看", "public_report": "群众反映",
}


# --- the month's assessment ------------------------------------------------------------------------


# A kept month is re-read only after checking that no event dated up to its end was added since it was computed:
# the events since then are found by id (the primary key), and `checked_to` moves on once many have been checked,
# so the check stays short however old the month. Events are stamped when they happen; only an import dates one
# back into an ended month.
STALE_SQL = "SELECT max(id), bool_or(at <= %s) FROM patrol_issueevent WHERE id > %s"
RECHECK_AFTER = 10_000  # events checked before checked_to is moved on


def _last_event_id():
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(max(id), 0) FROM patrol_issueevent")
        return cur.fetchone()[0]


def _pack(metrics):
    """Each village's metrics as a list in the order of empty_metrics' keys (named once), as compressed JSON."""
    keys = list(empty_metrics())
    rows = {village: [m[k] for k in keys] for village, m in metrics.items()}
    return zlib.compress(json.dumps({"keys": keys, "rows": rows}, separators=(",", ":")).encode(), 1)


def _unpack(packed):
    kept = json.loads(zlib.decompress(packed))
    keys = kept["keys"]
    out = defaultdict(empty_metrics)
    if keys == list(empty_metrics()):
        out.update({village: dict(zip(keys, values, strict=True)) for village, values in kept["rows"].items()})
    else:  # kept before a metric was added or dropped: those missing read as an empty month's
        for village, values in kept["rows"].items():
            out[village].update(zip(keys, values, strict=True))
    return out


def cached_month_metrics(month, district=None):
    """month_metrics, kept for months that have ended and recomputed when their history grew (see
    MonthlyMetricsCache). A month still running is always computed afresh."""
    from .models import MonthlyMetricsCache

    month = parse_month(month)
    moment, _ = month_end(month)
    if moment >= timezone.now():
        return month_metrics(month, district)
    kept = MonthlyMetricsCache.objects.filter(month=month, scope=district or "")
    hit = kept.values_list("checked_to", "packed").first()
    if hit is not None:
        checked_to, packed = hit
        with connection.cursor() as cur:
            cur.execute(STALE_SQL, [moment, checked_to])
            top, stale = cur.fetchone()
        if not stale:
            if top is not None and top - checked_to >= RECHECK_AFTER:
                kept.filter(checked_to=checked_to).update(checked_to=top)
            return _unpack(packed)
    return store_month_metrics(month, district)


def store_month_metrics(month, district=None):
    """Compute an ended month's metrics from the history and keep them (replacing what was kept)."""
    from .models import MonthlyMetricsCache

    month = parse_month(month)
    checked_to = _last_event_id()  # read first: an event added while computing makes the next read check again
    metrics = month_metrics(month, district)
    MonthlyMetricsCache.objects.bulk_create(
        [MonthlyMetricsCache(month=month, scope=district or "", checked_to=checked_to, packed=_pack(metrics))],
        update_conflicts=True, unique_fields=["month", "scope"], update_fields=["checked_to", "packed", "computed_at"])
    return metrics


def formula_lines(c=None):
    """The formula as Chinese lines for pages and reports."""
    c = c or conf()
    w = c["FOUND_WEIGHTS"]
    found = "、".join(f"{SOURCE_LABELS[s]} {w.get(s, 1):g}" for s in SOURCES)
    return [
        f"月度得分 = 基础分 {c['BASE']:g}",
        f"− 本月发现问题数 × 来源权重（{found}）",
        f"− {c['W_OVERDUE']:g} × 月末超期问题数",
        f"− {c['W_RED']:g} × 月末红色督办问题数",
        f"− {c['W_REBOUND']:g} × 反弹数（本月新发现的反弹回潮 + 回头看发现反弹）",
        f"− {c['W_REWORK']:g} × 本月复核不通过次数",
        f"− {c['W_ONTIME']:g} × (1 − 按期结案率)（本月有结案时）",
    ]


def tie_rules(c=None):
    c = c or conf()
    return [
        "同分同名次（竞争排名“1224”）：得分相同的村名次相同，其后的名次顺延空出；表中同分村按村代码排列，不影响名次。",
        f"后{c['BOTTOM_N']}名的认定：比该村得分更低的村少于{c['BOTTOM_N']}个即属后{c['BOTTOM_N']}名，"
        f"因此与第{c['BOTTOM_N']}名同分的村全部计入（人数可能多于{c['BOTTOM_N']}个）；得满分（{c['BASE']:g}分）的村不计入。",
        f"后{c['BOTTOM_N']}名按{'街镇内' if c['BOTTOM_SCOPE'] == 'town' else '全区'}排名认定；"
        f"全区通报按全区排名连续两次倒数{c['NOTICE_N']}位认定。",
        f"红黑榜（项目默认）：全区同一考核方案的村中名次在前{c['LIST_N']}名的村上红榜，倒数{c['LIST_N']}位的村上黑榜"
        "（同分一并上榜，满分村不上黑榜，两榜皆中者只上黑榜）。",
        "当月没有任何记录（评分表，或标准公式下没有问题与处置记录）的村不评分（“未评分”），不排名、不上榜、不作标记。",
        f"连续两个月后{c['BOTTOM_N']}名扣{-c['BOTTOM_TWICE_POINTS']:g}分，替代当月的扣{-c['BOTTOM_POINTS']:g}分（不重复扣分）。",
        f"第三方测评调整（年度累计）：以 {c['THIRD_PARTY_BASELINE']:g} 个问题为基数，"
        f"每少一个加 {c['THIRD_PARTY_PER_PROBLEM']:g} 分、每多一个扣 {c['THIRD_PARTY_PER_PROBLEM']:g} 分；"
        f"每个未整改或整改不到位（月末未销号、曾复核不通过或被重新打开）扣 {c['THIRD_PARTY_UNRECTIFIED']:g} 分。",
    ]


# --- weekly targets ---------------------------------------------------------------------------------


def week_start(day):
    return day - timedelta(days=day.weekday())


def target_progress(village_codes, today=None, weeks=4):
    """Progress of the weekly targets of some villages over the last `weeks` weeks (Monday–Sunday, this week
    included): [{"target", "village", "category", "per_week", "weeks": [{"start", "end", "done", "met"}]}].
    "done" counts the target's category problems of the village closed (verified) in the week."""
    from patrol.models import IssueEvent

    from .models import WeeklyTarget

    today = today or timezone.localdate()
    first = week_start(today) - timedelta(weeks=weeks - 1)
    targets = list(WeeklyTarget.objects.filter(village_id__in=list(village_codes), starts_on__lte=today)
                   .exclude(ends_on__lt=first).select_related("category", "village"))
    if not targets:
        return []
    tz = timezone.get_current_timezone()
    since = local_start(first)
    events = (IssueEvent.objects.filter(action="verify", at__gte=since,
                                        issue__village_id__in={t.village_id for t in targets})
              .values_list("issue__village_id", "issue__category_id", "issue_id", "at"))
    done = defaultdict(set)
    for village, category, issue_id, at in events:
        done[(village, category, week_start(timezone.localtime(at, tz).date()))].add(issue_id)
    out = []
    for t in targets:
        rows = []
        for i in range(weeks):
            start = first + timedelta(weeks=i)
            end = start + timedelta(days=6)
            if end < t.starts_on or (t.ends_on and start > t.ends_on):
                continue
            n = len(done[(t.village_id, t.category_id, start)])
            rows.append({"start": start, "end": end, "done": n, "met": n >= t.per_week,
                         "current": start <= today <= end, "share": min(1.0, n / t.per_week)})
        out.append({"target": t.pk, "village": t.village_id, "village_name": t.village.name,
                    "category": t.category_id, "category_name": t.category.name, "per_week": t.per_week,
                    "note": t.note, "weeks": rows})
    return out
