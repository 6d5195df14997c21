"""The offline base map: our own geography as Mapbox vector tiles (`/tiles/base/{z}/{x}/{y}.pbf`).

A machine with no internet still shows where things are: roads (the routable network geo.RoadEdge holds),
water (the extents recorded on problems — black-odorous rivers and ponds, 黑臭水体 — within the viewer's area),
town, village and grid boundaries. The browser draws them (static/js/basemap.js) under every other layer.

Layers of a tile: `roads` (kind, name), `water` (kind), `boundaries` (level: town | village | grid). Villages
from zoom 11, grids from 15, minor roads from 13 — what a person can read at that scale, and what keeps a
district-wide tile small.
"""
import hashlib

from django.db import connection

from core.prepared import Statement
from geo import scope

from .models import FIRST_BAND, LAST_BAND, LEVEL_FIRST_BAND

EXTENT = 4096
BUFFER = 64  # lines drawn across a tile edge continue into the next one without a visible seam
VILLAGE_ZOOM = LEVEL_FIRST_BAND["village"]
GRID_ZOOM = LEVEL_FIRST_BAND["grid"]
MINOR_ROAD_ZOOM = 13
MAJOR_ROADS = ("arterial", "motorway", "trunk", "primary", "secondary", "tertiary",
               "主干道", "干线", "县道", "省道", "国道")

# Raw SQL: ST_AsMVT / ST_AsMVTGeom / ST_TileEnvelope have no ORM equivalent, and the tile is one bytea of
# three layers assembled in the database (MVT layers concatenate). Each layer's rows come from a GiST scan of the
# tile's box (`&&`), so a district of 10,000 villages costs what is inside the tile. Boundaries are read ready
# to draw from layers_baseoutline (layers.models.BaseOutline: lines simplified to about a pixel of the tile's
# zoom band, in EPSG:3857, kept by triggers), so a tile only clips and encodes them; the band is written into
# the statement (a small integer of ours) so that the planner uses that band's partial GiST index. The water
# layer carries the viewer's area condition (geo.scope.place_sql on patrol_issue); roads and boundaries are the
# shared geography everyone sees. All parameters bound; prepared once per connection per area shape and band.
BASE_SQL = """
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s) AS env_margin,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326) AS box,
           -- about one pixel of this zoom in degrees (Web Mercator tile of 256 px)
           360.0 / (256 * 2 ^ %(z)s) AS px
),
roads AS (
    SELECT r.kind, r.name,
           ST_AsMVTGeom(ST_Transform(r.geom, 3857), b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM geo_roadedge r, bounds b
    WHERE r.geom && b.box AND (%(z)s >= %(minor_zoom)s OR r.kind = ANY(%(major)s))
),
water AS (
    SELECT 'black_water'::text AS kind,
           ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(i.extent, b.px / 2), 3857), b.env,
                        %(extent)s, %(buffer)s, true) AS geom
    FROM patrol_issue i, bounds b
    WHERE i.extent IS NOT NULL AND i.extent && b.box AND ({scope})
),
boundaries AS (
    SELECT o.level, o.code, ST_AsMVTGeom(o.geom, b.env, %(extent)s, %(buffer)s, true) AS geom
    FROM layers_baseoutline o, bounds b
    WHERE o.band = {band} AND o.geom && b.env_margin
)
SELECT (SELECT ST_AsMVT(w.*, 'water', %(extent)s, 'geom') FROM water w WHERE w.geom IS NOT NULL)
    || (SELECT ST_AsMVT(r.*, 'roads', %(extent)s, 'geom') FROM roads r WHERE r.geom IS NOT NULL)
    || (SELECT ST_AsMVT(a.*, 'boundaries', %(extent)s, 'geom') FROM boundaries a WHERE a.geom IS NOT NULL)
"""

TYPES = {"z": "int4", "x": "int4", "y": "int4", "margin": "float8", "extent": "int4", "buffer": "int4",
         "minor_zoom": "int4", "major": "text[]"}
_statements = {}


def band_of(z):
    """The outline band a tile of zoom z draws (layers.models: towns from 10, villages from 11, grids from 15)."""
    return min(max(int(z), FIRST_BAND), LAST_BAND)


def _statement(where, band):
    statement = _statements.get((where, band))
    if statement is None:
        types = dict(TYPES, **{key: "text" for key in ("area", "area_end") if f"%({key})s" in where})
        name = f"layers_base_tile_{band}_" + hashlib.sha1(where.encode()).hexdigest()[:12]
        statement = _statements[(where, band)] = Statement(name, BASE_SQL.format(scope=where, band=int(band)), types)
    return statement


def base_tile(area, z, x, y):
    """The MVT bytes of one base-map tile for a viewer whose area (a geo.scope area string) is `area`."""
    where, params = scope.place_sql(area, "i")
    params.update(z=z, x=x, y=y, margin=BUFFER / EXTENT, extent=EXTENT, buffer=BUFFER, minor_zoom=MINOR_ROAD_ZOOM,
                  major=list(MAJOR_ROADS))
    with connection.cursor() as cur:
        (data,) = _statement(where, band_of(z)).execute(cur, params).fetchone()
    return bytes(data or b"")
