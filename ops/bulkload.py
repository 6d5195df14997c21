"""Synthetic problems for the benchmarks, bulk-loaded with SQL (1 million in a few minutes, once).

`ensure_issues(n)` tops the issue table up to n rows and does nothing when it already holds that many, so every
benchmark can call it. Problems are spread over the generated grids (ST_GeneratePoints, seeded), denser in some
villages than others, over the last 18 months, with a realistic mix of states, and each one carries the event
history the loop would have written (report, assign with its deadline, submit, verify, supervise), so that
month-end reconstruction (patrol.history) has real work to do. Some villages have many rebounds (hot spots).

Kept in ops (not in the bench/ harness, which nothing imports) because `manage.py bench_bulk_load` runs it:
`owner_bulk_load(n)` is the owner-only fast path, refused on a database with real users.
"""
import time

from django.db import connection, transaction

CATEGORIES = ("dry_toilet", "shack", "ruined_wall", "black_water", "clutter", "illegal_build", "scrap_yard",
              "farm_waste", "wires", "sewage", "other")
SOURCES = ("district_patrol", "town_self_check", "third_party", "reinspection", "public_report")
SEED = 20260301

# Raw SQL throughout: generating a million rows in Python and sending them over would take ten times longer.
POINTS_SQL = """
CREATE TEMP TABLE bench_points ON COMMIT DROP AS
WITH g AS (
    SELECT gr.code, gr.village_id, v.town_id, gr.boundary,
           -- village weight 0.3 … 2.0, skewed: a few busy villages, many quiet ones
           0.3 + 1.7 * power((hashtext(gr.village_id) & 1023) / 1023.0, 3) AS w
    FROM geo_grid gr JOIN geo_village v ON v.code = gr.village_id
),
k AS (SELECT *, ceil(%(need)s * w / sum(w) OVER ())::int AS k FROM g)
SELECT code AS grid_id, village_id, town_id,
       (ST_Dump(ST_GeneratePoints(boundary, k, (abs(hashtext(code)) %% 1000000) + %(seed)s))).geom AS location
FROM k WHERE k > 0
"""

ROWS_SQL = """
CREATE TEMP TABLE bench_rows ON COMMIT DROP AS
SELECT p.*, gen_random_uuid() AS client_uuid,
       (%(categories)s::text[])[1 + floor(random() * %(ncat)s)::int] AS category,
       (%(sources)s::text[])[1 + floor(random() * %(nsrc)s)::int] AS source,
       now() - random() * interval '540 days' AS reported_at,
       random() AS r_status, random() AS r_close, random() AS r_red
FROM (SELECT * FROM bench_points LIMIT %(need)s) p;

ALTER TABLE bench_rows ADD COLUMN status text, ADD COLUMN deadline date, ADD COLUMN closed_at timestamptz,
    ADD COLUMN red boolean;
UPDATE bench_rows SET
    status = CASE WHEN reported_at > now() - interval '3 days' THEN 'reported'
                  WHEN r_status < 0.60 THEN 'closed' WHEN r_status < 0.82 THEN 'assigned'
                  WHEN r_status < 0.92 THEN 'submitted' ELSE 'reported' END;
UPDATE bench_rows SET
    deadline = CASE WHEN status <> 'reported' THEN (reported_at + interval '1 day')::date + 15 END,
    closed_at = CASE WHEN status = 'closed'
                     THEN least(reported_at + interval '3 days' + r_close * interval '40 days', now()) END,
    red = status <> 'closed' AND r_red < 0.05;
"""

INSERT_ISSUES_SQL = """
INSERT INTO patrol_issue (location, description, source, reported_at, status, deadline, assignee, closed_at,
    client_uuid, red_supervision, supervised_at, crs, category_id, grid_id, reporter_id, town_id, village_id)
SELECT location, 'bench', source, reported_at, status, deadline, '', closed_at, client_uuid, red,
       CASE WHEN red THEN least(reported_at + interval '20 days', now()) END, 'wgs84', category, grid_id,
       %(reporter)s, town_id, village_id
FROM bench_rows ORDER BY grid_id
"""

INSERT_EVENTS_SQL = """
INSERT INTO patrol_issueevent (issue_id, action, from_status, to_status, actor_id, at, note, data)
SELECT i.id, e.action, e.from_status, e.to_status, %(reporter)s, e.at, '', e.data
FROM bench_rows b JOIN patrol_issue i ON i.client_uuid = b.client_uuid
CROSS JOIN LATERAL (VALUES
    ('report', '', 'reported', b.reported_at, '{}'::jsonb, true),
    ('assign', 'reported', 'assigned', least(b.reported_at + interval '1 day', now()),
        jsonb_build_object('deadline', b.deadline, 'assignee', ''), b.status <> 'reported'),
    ('submit', 'assigned', 'submitted', least(b.reported_at + interval '2 days', now()), '{}'::jsonb,
        b.status IN ('submitted', 'closed')),
    ('verify', 'submitted', 'closed', b.closed_at, '{}'::jsonb, b.status = 'closed'),
    ('supervise', b.status, b.status, least(b.reported_at + interval '20 days', now()), '{}'::jsonb, b.red)
) AS e(action, from_status, to_status, at, data, wanted)
WHERE e.wanted
ORDER BY e.at
"""

# Rebounds: in villages with a high rebound rate, a problem follows an earlier closed one of the same category
# there; elsewhere rarely. Linked like the loop links them (rebound_of).
REBOUND_SQL = """
WITH ordered AS (
    SELECT i.id, i.village_id,
           lag(i.id) OVER (PARTITION BY i.village_id, i.category_id ORDER BY i.reported_at, i.id) AS prev,
           CASE WHEN (hashtext(i.village_id) & 15) = 0 THEN 0.35 ELSE 0.03 END AS rate
    FROM patrol_issue i JOIN bench_rows b ON b.client_uuid = i.client_uuid
)
UPDATE patrol_issue i SET rebound_of_id = o.prev
FROM ordered o JOIN patrol_issue p ON p.id = o.prev
WHERE i.id = o.id AND o.prev IS NOT NULL AND p.status = 'closed' AND p.closed_at <= i.reported_at
  AND random() < o.rate
"""


TABLES = ("patrol_issue", "patrol_issueevent")


def _drop_secondary_indexes(cur):
    """Drop the secondary (non-constraint) indexes of the two tables; returns their definitions to recreate.

    Building an index once over a million rows is several times faster than maintaining it row by row.
    """
    cur.execute("""
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = ANY(%s)
          AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conindid <> 0)
    """, [list(TABLES)])
    found = cur.fetchall()
    for name, _ in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _owns_tables(cur):
    cur.execute("SELECT bool_and(tableowner = current_user) FROM pg_tables WHERE tablename = ANY(%s)", [list(TABLES)])
    return bool(cur.fetchone()[0])


def _analyze():
    """Fresh planner statistics: only the owner may ANALYZE, so reconnect as the owner (not inside a test's
    transaction, where the connection stays and a non-owner ANALYZE is only skipped with a warning)."""
    from contextlib import nullcontext

    from ops import dbroles

    with nullcontext() if connection.in_atomic_block else dbroles.as_owner(), connection.cursor() as cur:
        cur.execute("ANALYZE patrol_issue")
        cur.execute("ANALYZE patrol_issueevent")


def real_users():
    """Accounts someone could log in with (a usable password): a database with any is not a bench database."""
    from accounts.models import User

    return [u.username for u in User.objects.all() if u.has_usable_password()]


def owner_bulk_load(n, log=print):
    """The faster, owner-only path: indexes dropped and rebuilt once. Refuses a database that has real users."""
    from ops import dbroles

    users = real_users()
    if users:
        raise RuntimeError(f"refusing the owner-only bulk load: the database has real users ({', '.join(users[:5])})")
    with dbroles.as_owner():
        return ensure_issues(n, log=log)


def issue_count():
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM patrol_issue")
        return cur.fetchone()[0]


def loader_user():
    from accounts.models import Role, User

    user = User.objects.filter(username="bench_loader").first()
    if user is None:
        user = User.objects.create_user("bench_loader", password=None, role=Role.DISTRICT, area_code="")
    return user


def ensure_issues(n=1_000_000, log=print):
    """At least n problems (with their event history) in the database; returns how many were added."""
    from geo.models import Grid

    have = issue_count()
    need = n - have
    if need <= 0:
        return 0
    if not Grid.objects.exists():
        raise RuntimeError("no grids: generate villages first (bench.base.ensure_villages)")
    started = time.perf_counter()
    log(f"[bench] loading {need:,} synthetic problems and their events (once) ...")
    reporter = loader_user().pk
    params = {"need": need, "seed": SEED + have, "categories": list(CATEGORIES), "ncat": len(CATEGORIES),
              "sources": list(SOURCES), "nsrc": len(SOURCES), "reporter": reporter}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # No trigger switching: the rows go in through whatever role this connection is (the application role
        # under `make bench`), foreign keys and the append-only history checked as always. Only the owner
        # (`manage.py bench_bulk_load`, refused on a database with real users) may drop and rebuild indexes.
        rebuild = _drop_secondary_indexes(cur) if need >= have and _owns_tables(cur) else []
        cur.execute("DROP TABLE IF EXISTS bench_rows, bench_points")
        cur.execute(f"SELECT setseed({(SEED % 1000) / 1000.0})")
        cur.execute(POINTS_SQL, params)
        cur.execute(ROWS_SQL, params)
        cur.execute("CREATE INDEX ON bench_rows (client_uuid)")
        cur.execute(INSERT_ISSUES_SQL, params)
        log(f"[bench]   issues in {time.perf_counter() - started:.0f} s")
        cur.execute(INSERT_EVENTS_SQL, params)
        log(f"[bench]   events in {time.perf_counter() - started:.0f} s")
        cur.execute(REBOUND_SQL)
        cur.execute("DROP TABLE bench_rows, bench_points")
        for sql in rebuild:
            cur.execute(sql)
        log(f"[bench]   indexes in {time.perf_counter() - started:.0f} s")
    _analyze()
    log(f"[bench]   {need:,} problems loaded in {time.perf_counter() - started:.0f} s")
    return need
