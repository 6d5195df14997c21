"""Issues as things stood at a past moment, rebuilt from the append-only event history.

A past month's map or assessment must not change when a problem changes today: an issue touched after the
moment is rebuilt from its events up to the moment; one untouched since reads the same from its row.
"""
from collections import namedtuple

from django.db import connection
from django.utils import timezone

from core.errors import BadInput
from core.months import month_end
from geo import scope

from . import lights
from .models import Action

IssueState = namedtuple(
    "IssueState",
    "id town_id village_id grid_id category_id source rebound_of_id reported_at status deadline red_supervision "
    "closed_at light",
)


def scope_sql(area_code):
    """SQL condition on patrol_issue `i` for an area ('' or None: everywhere), with its named parameters."""
    try:
        return scope.place_sql(area_code or scope.EVERYWHERE, "i")
    except ValueError as exc:
        raise BadInput(str(exc), field="area") from None


# A problem reported by the moment was touched after it exactly when an event other than its report happened after
# it (its report event is at reported_at). Those events have an index of their own (IssueEvent.Meta), which this
# condition must match word for word to be used.
LATER_EVENT = f"action <> '{Action.REPORT.value}'"

# Corrections after the moment, per problem: for each field they changed, the value before the earliest of them
# (jsonb_object_agg keeps the last key it is given, hence the descending order). `fix` in both queries below.
CORRECTED_SQL = """
    SELECT e.issue_id, jsonb_object_agg(b.key, b.value ORDER BY e.at DESC, e.id DESC) AS b
    FROM patrol_issueevent e CROSS JOIN LATERAL jsonb_each(e.data->'before') b
    WHERE e.action = 'correct' AND e.at > %(moment)s GROUP BY e.issue_id
"""
# The fields a correction may change, as they were before it (row `i0`, corrections `fix`, NULL when none).
BEFORE_COLUMNS_SQL = """COALESCE(fix.b->>'town_id', i0.town_id) AS town_id,
           COALESCE(fix.b->>'village_id', i0.village_id) AS village_id,
           CASE WHEN fix.b ? 'grid_id' THEN fix.b->>'grid_id' ELSE i0.grid_id END AS grid_id,
           COALESCE(fix.b->>'category_id', i0.category_id) AS category_id,
           COALESCE(fix.b->>'source', i0.source) AS source"""


# The problem light (patrol.lights.problem_light rendered to SQL): of a rebuilt problem (`last`) and of a row (`i`).
LAST_LIGHT = lights.problem_light_sql("last.status", "last.red", "last.deadline", "%(day)s")
ROW_LIGHT = lights.problem_light_sql("i.status", "i.red_supervision", "i.deadline", "%(day)s")


def _with_pieces(sql):
    """The SQL with the shared pieces above put in for {corrected}, {before}, {later_event} and the lights."""
    return (sql.replace("{corrected}", CORRECTED_SQL).replace("{before}", BEFORE_COLUMNS_SQL)
            .replace("{later_event}", LATER_EVENT).replace("{last_light}", LAST_LIGHT)
            .replace("{row_light}", ROW_LIGHT))


# Raw SQL, for speed and because the ORM cannot express ordered aggregates over CTEs.
# An issue's row changes only together with an event of its history (patrol.services writes both in one
# transaction; the admin only through services.correct_issue), so an issue with no event after the moment stands
# at the moment exactly as its row stands now: those are read from the row. Only issues touched after the moment
# are rebuilt from their events: in one pass per problem, the last state, the last deadline set, the last
# supervision switch (a verification ends one) and the last verification (closing time); fields a later
# correction changed take their value from before it.
# Each touched problem's row and events are read by key (LATERAL … OFFSET 0 keeps them nested loops): the planner
# cannot know how few problems a month's later events touch (most events since are new reports), and when it
# guessed many it scanned all three million events instead.
TOUCHED_STATES_SQL = _with_pieces("""
WITH later AS MATERIALIZED (
    -- touched after the moment by anything but their report: a problem reported after the moment has no events
    -- up to it (report_issue writes the report event at reported_at) and drops out below anyway, and a month's
    -- new reports are most of the events since its end. A partial index holds only the others.
    SELECT DISTINCT issue_id FROM patrol_issueevent WHERE {later_event} AND at > %(moment)s
),
fix AS MATERIALIZED ({corrected}),
i AS MATERIALIZED (
    -- the touched problems in the area, where they stood at the moment
    SELECT i.* FROM (
        SELECT i0.id, {before}, i0.rebound_of_id, i0.reported_at
        FROM later l
        CROSS JOIN LATERAL (SELECT * FROM patrol_issue i0 WHERE i0.id = l.issue_id OFFSET 0) i0
        LEFT JOIN fix ON fix.issue_id = i0.id
    ) i
    WHERE {scope}
),
last AS (
    SELECT e.issue_id,
           (array_agg(e.to_status ORDER BY e.at DESC, e.id DESC))[1] AS status,
           (array_agg((e.data->>'deadline')::date ORDER BY e.at DESC, e.id DESC)
                FILTER (WHERE e.data ? 'deadline'))[1] AS deadline,
           COALESCE((array_agg(e.action = 'supervise' ORDER BY e.at DESC, e.id DESC)
                FILTER (WHERE e.action IN ('supervise', 'release', 'verify')))[1], FALSE) AS red,
           max(e.at) FILTER (WHERE e.action = 'verify') AS verified_at
    FROM i CROSS JOIN LATERAL (
        SELECT e.issue_id, e.action, e.to_status, e.at, e.id, e.data FROM patrol_issueevent e
        WHERE e.issue_id = i.id AND e.at <= %(moment)s OFFSET 0
    ) e
    GROUP BY e.issue_id
)
SELECT i.id, i.town_id, i.village_id, i.grid_id, i.category_id, i.source, i.rebound_of_id, i.reported_at,
       last.status, last.deadline, last.red,
       CASE WHEN last.status = 'closed' THEN last.verified_at END,
       {last_light}
FROM i JOIN last ON last.issue_id = i.id
""")
STATES_SQL = TOUCHED_STATES_SQL + _with_pieces("""UNION ALL
SELECT i.id, i.town_id, i.village_id, i.grid_id, i.category_id, i.source, i.rebound_of_id, i.reported_at,
       i.status, i.deadline, i.red_supervision, i.closed_at,
       {row_light}
FROM patrol_issue i
WHERE i.reported_at <= %(moment)s AND {scope} AND NOT EXISTS (SELECT 1 FROM later l WHERE l.issue_id = i.id)
""")


# The problems as they stood at %(moment)s in the fields a correction may change (town, village, grid, category,
# source): a problem corrected after the moment takes the values from before the earliest such correction, every
# other row is read as it is. The rest of the columns are today's; callers rewind status and deadline themselves.
# A subquery to alias as `i` (scope conditions then apply to where the problem stood): the index on (action, at)
# finds the few corrections, and an anti-join keeps the million untouched rows on their own indexes.
ISSUES_AT_SQL = _with_pieces("""(
    SELECT i0.id, i0.town_id, i0.village_id, i0.grid_id, i0.category_id, i0.source, i0.reported_at, i0.status,
           i0.deadline, i0.red_supervision, i0.closed_at, i0.rebound_of_id
    FROM patrol_issue i0
    WHERE NOT EXISTS (SELECT 1 FROM patrol_issueevent c
                      WHERE c.action = 'correct' AND c.at > %(moment)s AND c.issue_id = i0.id)
    UNION ALL
    SELECT i0.id, {before}, i0.reported_at, i0.status, i0.deadline, i0.red_supervision, i0.closed_at,
           i0.rebound_of_id
    FROM ({corrected}) fix JOIN patrol_issue i0 ON i0.id = fix.issue_id
)""")


# The untouched problems of STATES_SQL (no event after the moment: they stand as their rows do) counted per
# village, town and light in one aggregate. It names no CTE, so PostgreSQL may scan the million rows in parallel;
# callers add the counts of TOUCHED_STATES_SQL's rebuilt problems. {filters}: extra conditions on `i`.
UNTOUCHED_COUNTS_SQL = _with_pieces("""
SELECT i.village_id, i.town_id,
       {row_light},
       count(*)
FROM patrol_issue i
WHERE i.reported_at <= %(moment)s AND {scope} AND {filters}
  AND NOT EXISTS (SELECT 1 FROM patrol_issueevent e
                  WHERE e.issue_id = i.id AND e.{later_event} AND e.at > %(moment)s)
GROUP BY 1, 2, 3
""")


def states_at(moment, area_code=None, day=None):
    """Every issue reported by `moment` in the area, as it stood then (IssueState rows, light included).

    `day` is the date against which deadlines count as overdue (default: the moment's local date).
    """
    where, params = scope_sql(area_code)
    day = day or timezone.localtime(moment).date()
    with connection.cursor() as cur:
        cur.execute(STATES_SQL.format(scope=where), {"moment": moment, "day": day, **params})
        return [IssueState(*row) for row in cur.fetchall()]


def states_at_month_end(month, area_code=None):
    moment, day = month_end(month)
    return states_at(moment, area_code, day)


def area_lights(states, key):
    """Aggregate issue lights to areas: {code: {"light", "red", "yellow", "green"}}.

    An area is red if any of its problems is red, yellow if it has open problems all within deadline, green if
    none is open (problem lights, a project design: README "Lights"). `key` picks the area code from a state
    (e.g. village_id).
    """
    out = {}
    for s in states:
        counts = out.setdefault(key(s), {"red": 0, "yellow": 0, "green": 0})
        counts[s.light] += 1
    for counts in out.values():
        counts["light"] = lights.area_light_of(counts)
    return out
