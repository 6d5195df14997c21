"""Assessment benchmarks: a month's assessment of 10,000 villages over 1 million problems (target ≤ 10 s) and
a town's work ledger of about 5,000 rows (target ≤ 5 s).

`run(report)` is called by `python -m bench`; `python -m bench.assessment` runs this section alone (against
PGDATABASE_NAME, default bench_demo). Problems come from bench.data.ensure_issues when that exists, else from
the loader below: set-based INSERT ... SELECT over generate_series, idempotent (deterministic client_uuids,
ON CONFLICT DO NOTHING, tops up to n), with one report event per problem and a realistic share of assign,
submit, reject, verify and supervise events so that every metric has something to count.
"""
import os
import time
from datetime import timedelta

N_ISSUES = 1_000_000
BATCH = 100_000
LEDGER_ROWS = 5_000

# One statement per batch: the generated problems and all their events. g is the generation index; the
# pseudo-random draws h1..h4 are fixed functions of g, so a re-run produces the very same rows.
LOAD_SQL = """
WITH vil AS (
    SELECT (row_number() OVER (ORDER BY code) - 1)::int AS k, code, town_id, ST_PointOnSurface(boundary) AS pt
    FROM geo_village
),
nv AS (SELECT count(*)::int AS n FROM vil),
hotv AS (SELECT (row_number() OVER (ORDER BY code) - 1)::int AS k, code FROM vil
         WHERE town_id = (SELECT min(town_id) FROM vil)),
nh AS (SELECT count(*)::int AS n FROM hotv),
cat AS (SELECT (row_number() OVER (ORDER BY code) - 1)::int AS k, code, default_deadline_days AS days
        FROM patrol_category),
nc AS (SELECT count(*)::int AS n FROM cat),
gen AS (
    SELECT g, (g * 2654435761) %% 1000 AS h1, (g * 40503) %% 997 AS h2, (g * 69069) %% 991 AS h3,
           (g * 1103515245) %% 983 AS h4,
           %(now)s::timestamptz - interval '25 days' - ((g * 7919) %% 340) * interval '1 day'
               - ((g * 104729) %% 36000) * interval '1 second' AS reported_at,
           md5('bench-issue-' || g)::uuid AS uid,
           (ARRAY['district_patrol', 'district_patrol', 'town_self_check', 'town_self_check', 'third_party',
                  'reinspection', 'public_report'])[1 + (g %% 7)::int] AS source
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
),
placed AS (
    -- one problem in 1,000 goes to the first town, which so holds ~5,000 for the ledger benchmark
    SELECT gen.*, CASE WHEN g %% 1000 <> 0 THEN (g %% nv.n)::int END AS vk,
           CASE WHEN g %% 1000 = 0 THEN ((g / 1000) %% nh.n)::int END AS hk, (g %% nc.n)::int AS ck
    FROM gen, nv, nh, nc
),
planned AS (
    SELECT p.*, w.code AS village, w.town_id, w.pt, c.code AS category, c.days,
           h1 < 850 AS assigned,                                        -- 85 %% assigned the next day
           h1 < 850 AND h2 < 800 AS submitted,                          -- 80 %% of those submitted
           h1 < 850 AND h2 < 800 AND h3 < 120 AS rejected,              -- 12 %% of submissions rejected
           h1 < 850 AND h2 < 800 AND h3 >= 120 AND h4 < 900 AS closed,  -- most of the rest verified
           h1 < 850 AND h2 >= 800 AND h4 < 60 AS supervised,            -- some open ones red-supervised
           (h4 %% 30) AS close_lag
    FROM placed p
    LEFT JOIN vil v ON v.k = p.vk
    LEFT JOIN hotv hv ON hv.k = p.hk
    JOIN vil w ON w.code = COALESCE(hv.code, v.code)
    JOIN cat c ON c.k = p.ck
),
ins AS (
    INSERT INTO patrol_issue (location, category_id, description, source, reporter_id, reported_at, town_id,
                              village_id, status, deadline, assignee, closed_at, client_uuid, red_supervision,
                              supervised_at, crs)
    SELECT pt, category, '', source, %(user)s, reported_at, town_id, village,
           CASE WHEN closed THEN 'closed' WHEN submitted AND NOT rejected THEN 'submitted'
                WHEN assigned THEN 'assigned' ELSE 'reported' END,
           CASE WHEN assigned THEN ((reported_at + interval '1 day') AT TIME ZONE 'Asia/Shanghai')::date + days END,
           CASE WHEN assigned THEN '村委' ELSE '' END,
           CASE WHEN closed THEN reported_at + interval '5 days' + close_lag * interval '1 day' END,
           uid, supervised, CASE WHEN supervised THEN reported_at + interval '20 days' END, 'wgs84'
    FROM planned
    ON CONFLICT (client_uuid) DO NOTHING
    RETURNING id, client_uuid
),
ev AS (SELECT ins.id, p.* FROM ins JOIN planned p ON p.uid = ins.client_uuid)
INSERT INTO patrol_issueevent (issue_id, action, from_status, to_status, actor_id, at, note, data)
SELECT id, 'report', '', 'reported', %(user)s, reported_at, '', '{}'::jsonb FROM ev
UNION ALL
SELECT id, 'assign', 'reported', 'assigned', %(user)s, reported_at + interval '1 day', '',
       jsonb_build_object('assignee', '村委', 'deadline',
                          (((reported_at + interval '1 day') AT TIME ZONE 'Asia/Shanghai')::date + days)::text)
FROM ev WHERE assigned
UNION ALL
SELECT id, 'submit', 'assigned', 'submitted', %(user)s, reported_at + interval '4 days', '', '{}'::jsonb
FROM ev WHERE submitted
UNION ALL
SELECT id, 'reject', 'submitted', 'assigned', %(user)s, reported_at + interval '5 days', '', '{}'::jsonb
FROM ev WHERE rejected
UNION ALL
SELECT id, 'verify', 'submitted', 'closed', %(user)s, reported_at + interval '5 days' + close_lag * interval '1 day',
       '', '{}'::jsonb
FROM ev WHERE closed
UNION ALL
SELECT id, 'supervise', 'assigned', 'assigned', NULL, reported_at + interval '20 days', '',
       '{"reason": "overdue"}'::jsonb
FROM ev WHERE supervised
"""


def bench_user():
    from accounts.models import Role, User

    user = User.objects.filter(username="bench_admin").first()
    if user is None:
        user = User.objects.create_superuser("bench_admin", password=None, role=Role.ADMIN, area_code="")
    return user


def ensure_issues(n=N_ISSUES, log=print):
    """At least n problems with their histories (tops up; a finished load is a no-op)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from patrol.models import Issue

    have = Issue.objects.count()
    if have >= n:
        return have
    user = bench_user()
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(hashtext('bench-assessment-load'))")
        try:
            have = Issue.objects.count()
            log(f"[bench] loading problems {have:,} → {n:,} (set-based, once) ...")
            # g is the generation index; rows already there are skipped by their client_uuid.
            for lo in range(1, n + 1, BATCH):
                hi = min(n, lo + BATCH - 1)
                cur.execute("SELECT count(*) FROM patrol_issue WHERE client_uuid IN "
                            "(md5('bench-issue-' || %s)::uuid, md5('bench-issue-' || %s)::uuid)", [lo, hi])
                if cur.fetchone()[0] == 2:
                    continue
                t = time.perf_counter()
                with transaction.atomic():
                    cur.execute(LOAD_SQL, {"lo": lo, "hi": hi, "now": now, "user": user.pk})
                log(f"[bench]   {hi:,} problems ({time.perf_counter() - t:.1f} s)")
            cur.execute("ANALYZE patrol_issue")
            cur.execute("ANALYZE patrol_issueevent")
        finally:
            cur.execute("SELECT pg_advisory_unlock(hashtext('bench-assessment-load'))")
    return Issue.objects.count()


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t, result


def run(report):
    from django.db.models import Count
    from django.utils import timezone

    from patrol import assessment, ledger
    from patrol.models import Issue, IssueEvent, MonthlyMetricsCache

    try:
        from bench.data import ensure_issues as shared_loader
    except ImportError:
        shared_loader = None
    if shared_loader is not None:
        shared_loader(N_ISSUES)
    else:
        ensure_issues(N_ISSUES)
    issues = Issue.objects.count()
    events = IssueEvent.objects.count()
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)

    MonthlyMetricsCache.objects.all().delete()
    seconds, result = _timed(assessment.assess, month, None)
    flagged = sum(1 for r in result.rows if r["flags"])
    report("assessment", f"month {month:%Y-%m}, cold: {len(result.rows):,} villages, {issues:,} problems", seconds,
           "s", f"target ≤ 10 s; {events:,} events; this and last month rebuilt from history; "
                f"{flagged:,} villages flagged")
    MonthlyMetricsCache.objects.filter(month=month).delete()
    seconds, _ = _timed(assessment.assess, month, None)
    report("assessment", f"month {month:%Y-%m}, last month's metrics cached", seconds, "s",
           "target ≤ 10 s; the usual case: last month was assessed before")
    seconds, _ = _timed(assessment.assess, month, None)
    report("assessment", f"month {month:%Y-%m}, both months cached (fingerprint checked)", seconds, "s",
           "a repeat view of an ended month")
    seconds, bottom = _timed(assessment.bottom_villages, "", 10, month)
    report("assessment", "bottom_villages(all, 10), cached", seconds, "s", f"{len(bottom)} villages (ties included)")

    user = bench_user()
    town, rows = (Issue.objects.values_list("town_id").annotate(n=Count("id")).order_by("-n", "town_id").first())
    seconds, (content, _) = _timed(ledger.build_ledger, user, town=town, base_url="http://bench/")
    report("assessment", f"town ledger xlsx, {rows:,} rows, one sheet per village", seconds, "s",
           f"target ≤ 5 s for {LEDGER_ROWS:,} rows; {len(content) / 1e6:.1f} MB")
    seconds, (content, _) = _timed(ledger.build_ledger, user, town=town, month=month, base_url="http://bench/")
    report("assessment", "town ledger xlsx as of a month end (states rebuilt)", seconds, "s",
           f"{len(content) / 1e6:.1f} MB")


if __name__ == "__main__":
    os.environ.setdefault("PGDATABASE_NAME", "bench_demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    def _print(section, name, value, unit="", note=""):
        print(f"  {section:<11} {name:<60} {value:>10.3f} {unit:<3} {note}", flush=True)

    run(_print)
