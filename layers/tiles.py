"""Mapbox vector tiles of problems, built in PostGIS with ST_AsMVT.

The filters and area scoping are exactly the list API's: the caller's queryset (`for_user` + `IssueFilter`) is
compiled to SQL and used as the tile query's row source (a subselect), so there is one definition of "which
problems may this person see with these filters".
"""
import hashlib
import math

from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.utils import timezone

from core.prepared import Statement
from geo import scope
from patrol import lights

LAYER = "issues"
EXTENT = 4096
# No buffer: problems are drawn as markers by the client, so a tile holds exactly the problems inside it
# (a point on an edge shared by two tiles is in both).
BUFFER = 0
MAX_ZOOM = 22

# Raw SQL: ST_AsMVT / ST_AsMVTGeom / ST_TileEnvelope have no ORM equivalent, and the tile is one bytea
# assembled in the database. The problems come from the caller's queryset (scoping + IssueFilter) compiled to
# SQL with one more condition, `location && <the tile's envelope in EPSG:4326>`, so the GiST index on location
# drives the scan and the filters apply inline (no semi-join over all visible ids). All parameters — the
# queryset's and ours — are bound, never formatted into the text.
# The light is patrol.lights.problem_light rendered to SQL (the list API's light_case is the same object); the
# tests check that tile lights equal the list API's.
TILE_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env)
SELECT ST_AsMVT(t.*, %s, %s, 'geom', 'fid') FROM (
    SELECT q.id AS fid, q.id, q.category_id AS category, q.status,
           {light_q} AS light,
           ST_AsMVTGeom(ST_Transform(q.location, 3857), bounds.env, %s, %s, true) AS geom
    FROM ({subquery}) q, bounds
) t WHERE t.geom IS NOT NULL
""".replace("{light_q}", lights.problem_light_sql("q.status", "q.red_supervision", "q.deadline", "%s"))

# The same tile without any filter or scoping: the benchmark's baseline.
BARE_SQL = """
WITH bounds AS (
    SELECT ST_TileEnvelope(%s, %s, %s) AS env,
           ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326) AS env4326
),
picked AS (
    SELECT i.id AS fid, i.id, i.category_id AS category, i.status,
           {light_i} AS light,
           ST_AsMVTGeom(ST_Transform(i.location, 3857), bounds.env, %s, %s, true) AS geom
    FROM patrol_issue i, bounds
    WHERE i.location && bounds.env4326
)
SELECT ST_AsMVT(picked.*, %s, %s, 'geom', 'fid') FROM picked WHERE geom IS NOT NULL
""".replace("{light_i}", lights.problem_light_sql("i.status", "i.red_supervision", "i.deadline", "%s"))


# The tile of an area without other filters (what a map asks for most): the bare query plus the area's condition
# from geo.scope.place_sql. The GiST scan of the tile's box runs first (OFFSET 0 keeps the planner from folding
# the subquery into the outer query) and the area is checked row by row on what it streams out, so the planner
# never ANDs a bitmap of the whole area with the tile's (see issue_tile) and no transaction or SET is needed.
# Named parameters, all bound.
AREA_SQL = """
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326) AS env4326
),
picked AS (
    SELECT i.id AS fid, i.id, i.category_id AS category, i.status,
           {light_i} AS light,
           ST_AsMVTGeom(ST_Transform(i.location, 3857), bounds.env, %(extent)s, %(buffer)s, true) AS geom
    FROM (SELECT i.id, i.category_id, i.status, i.red_supervision, i.deadline, i.location, i.town_id,
                 i.village_id, i.grid_id
          FROM patrol_issue i, bounds WHERE i.location && bounds.env4326 OFFSET 0) i, bounds
    WHERE {scope}
)
SELECT ST_AsMVT(picked.*, %(layer)s, %(extent)s, 'geom', 'fid') FROM picked WHERE geom IS NOT NULL
""".replace("{light_i}", lights.problem_light_sql("i.status", "i.red_supervision", "i.deadline", "%(today)s"))


def valid_tile(z, x, y):
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def _params(z, x, y, today):
    margin = BUFFER / EXTENT
    return [z, x, y, z, x, y, margin, today, EXTENT, BUFFER]


def envelope_4326(z, x, y):
    """The tile's bounds in lon/lat (Web Mercator tiles are lon/lat rectangles)."""
    n = 2**z

    def lat(t):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * t / n))))

    return Polygon.from_bbox((x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)))


def tile_sql(queryset, z, x, y, today=None):
    """(sql, params) of the tile of a filtered, scoped issue queryset."""
    today = today or timezone.localdate()
    env = envelope_4326(z, x, y)
    env.srid = 4326
    sub = (queryset.order_by().filter(location__bboverlaps=env)
           .values("id", "category_id", "status", "red_supervision", "deadline", "location"))
    sub_sql, sub_params = sub.query.sql_with_params()
    sql = TILE_SQL.format(subquery=sub_sql)
    return sql, [z, x, y, LAYER, EXTENT, today, EXTENT, BUFFER, *sub_params]


def issue_tile(queryset, z, x, y, today=None):
    """The MVT bytes of one tile (empty bytes when no problem falls in it)."""
    sql, params = tile_sql(queryset, z, x, y, today)
    with transaction.atomic(), connection.cursor() as cur:
        # A tile is small next to any area's problems: walk the GiST index on location and filter the scope row
        # by row. Left to itself the planner ANDs a bitmap of the whole scope (tens of thousands of rows from
        # the town_id index) with the tile's; measured at 1M problems that makes z12 tiles 2.5× slower.
        cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute(sql, params)
        (data,) = cur.fetchone()
    return bytes(data or b"")


def area_tile(area, z, x, y, today=None):
    """The MVT bytes of one tile of an area (a geo.scope area string), with no other filter."""
    where, params = scope.place_sql(area, "i")
    params.update(z=z, x=x, y=y, margin=BUFFER / EXTENT, today=today or timezone.localdate(), extent=EXTENT,
                  buffer=BUFFER, layer=LAYER)
    with connection.cursor() as cur:
        (data,) = _area_statement(where).execute(cur, params).fetchone()
    return bytes(data or b"")


AREA_TYPES = {"z": "int4", "x": "int4", "y": "int4", "margin": "float8", "today": "date", "extent": "int4",
              "buffer": "int4", "layer": "text"}
_area_statements = {}


def _area_statement(where):
    """AREA_SQL for one shape of area condition (a handful: everywhere, district, town, village, grid), prepared
    once per connection (core/prepared.py): a map asks for dozens of tiles a second and planning one cost
    a good part of running it."""
    statement = _area_statements.get(where)
    if statement is None:
        types = dict(AREA_TYPES, **{key: "text" for key in ("area", "area_end") if f"%({key})s" in where})
        name = "layers_area_tile_" + hashlib.sha1(where.encode()).hexdigest()[:12]  # the same in every thread
        statement = _area_statements[where] = Statement(name, AREA_SQL.format(scope=where), types)
    return statement


def bare_tile(z, x, y, today=None):
    """The same tile straight from the table, no scoping or filter: the benchmark's yardstick."""
    today = today or timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(BARE_SQL, [*_params(z, x, y, today), LAYER, EXTENT])
        (data,) = cur.fetchone()
    return bytes(data or b"")
