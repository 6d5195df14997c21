"""Mapbox vector tiles of problems, built in PostGIS with ST_AsMVT.

The filters and area scoping are exactly the list API's: the caller's queryset (`for_user` + `IssueFilter`) is
compiled to SQL and placed in the tile query as a subselect on `id`, so there is one definition of "which
problems may this person see with these filters".
"""
from django.db import connection
from django.utils import timezone

LAYER = "issues"
EXTENT = 4096
# No buffer: problems are drawn as markers by the client, so a tile holds exactly the problems inside it
# (a point on an edge shared by two tiles is in both).
BUFFER = 0
MAX_ZOOM = 22

# Raw SQL: ST_AsMVT / ST_AsMVTGeom / ST_TileEnvelope have no ORM equivalent, and the tile is one bytea
# assembled in the database. The envelope is built once (CTE), the points are picked by
# `location && ST_Transform(envelope, 4326)` so the GiST index on location drives the scan, and only then
# the filtered id set (the compiled queryset) is checked per row.
#
# The light CASE is patrol.querysets.light_case written out (red = open and under red supervision or past
# its deadline); the tests check that tile lights equal the list API's. The compiled queryset's parameters
# (and `today`) are bound, never formatted into the text.
TILE_SQL = """
WITH bounds AS (
    SELECT ST_TileEnvelope(%s, %s, %s) AS env,
           ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326) AS env4326
),
picked AS (
    SELECT i.id AS fid, i.id, i.category_id AS category, i.status,
           CASE WHEN i.status = 'closed' THEN 'green'
                WHEN i.red_supervision OR i.deadline < %s THEN 'red'
                ELSE 'yellow' END AS light,
           ST_AsMVTGeom(ST_Transform(i.location, 3857), bounds.env, %s, %s, true) AS geom
    FROM patrol_issue i, bounds
    WHERE i.location && bounds.env4326
      AND i.id IN ({subquery})
)
SELECT ST_AsMVT(picked.*, %s, %s, 'geom', 'fid') FROM picked WHERE geom IS NOT NULL
"""

# The same tile without any filter or scoping: the benchmark's baseline.
BARE_SQL = """
WITH bounds AS (
    SELECT ST_TileEnvelope(%s, %s, %s) AS env,
           ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326) AS env4326
),
picked AS (
    SELECT i.id AS fid, i.id, i.category_id AS category, i.status,
           CASE WHEN i.status = 'closed' THEN 'green'
                WHEN i.red_supervision OR i.deadline < %s THEN 'red'
                ELSE 'yellow' END AS light,
           ST_AsMVTGeom(ST_Transform(i.location, 3857), bounds.env, %s, %s, true) AS geom
    FROM patrol_issue i, bounds
    WHERE i.location && bounds.env4326
)
SELECT ST_AsMVT(picked.*, %s, %s, 'geom', 'fid') FROM picked WHERE geom IS NOT NULL
"""


def valid_tile(z, x, y):
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def _params(z, x, y, today):
    margin = BUFFER / EXTENT
    return [z, x, y, z, x, y, margin, today, EXTENT, BUFFER]


def tile_sql(queryset, z, x, y, today=None):
    """(sql, params) of the tile of a filtered, scoped issue queryset."""
    today = today or timezone.localdate()
    sub_sql, sub_params = queryset.order_by().values("id").query.sql_with_params()
    sql = TILE_SQL.format(subquery=sub_sql)
    return sql, [*_params(z, x, y, today), *sub_params, LAYER, EXTENT]


def issue_tile(queryset, z, x, y, today=None):
    """The MVT bytes of one tile (empty bytes when no problem falls in it)."""
    sql, params = tile_sql(queryset, z, x, y, today)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        (data,) = cur.fetchone()
    return bytes(data or b"")


def bare_tile(z, x, y, today=None):
    today = today or timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(BARE_SQL, [*_params(z, x, y, today), LAYER, EXTENT])
        (data,) = cur.fetchone()
    return bytes(data or b"")

