"""Mapbox vector tiles of facilities (layer `facilities`), built in PostGIS like layers.tiles' issue tiles.

The caller's queryset (area or company scope + filters) is compiled to SQL and used as the row source, with the
tile's envelope as a bounding-box condition so the GiST index on location drives the scan.
"""
from django.db import connection, transaction

from layers.tiles import BUFFER, EXTENT, envelope_4326, valid_tile

LAYER = "facilities"

# Raw SQL: ST_AsMVT / ST_AsMVTGeom / ST_TileEnvelope have no ORM equivalent. Every value is a bound parameter;
# the subquery is the ORM's own compiled SQL with its parameters.
TILE_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env)
SELECT ST_AsMVT(t.*, %s, %s, 'geom', 'fid') FROM (
    SELECT q.id AS fid, q.code, q.kind_id AS kind, q.status, q.open_orders,
           ST_AsMVTGeom(ST_Transform(q.location, 3857), bounds.env, %s, %s, true) AS geom
    FROM ({subquery}) q, bounds
) t WHERE t.geom IS NOT NULL
"""

__all__ = ["facility_tile", "valid_tile"]


def facility_tile(queryset, z, x, y):
    env = envelope_4326(z, x, y)
    env.srid = 4326
    sub = (queryset.order_by().filter(location__bboverlaps=env)
           .values("id", "code", "kind_id", "status", "open_orders", "location"))
    sub_sql, sub_params = sub.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cur:
        # As for issue tiles: walk the location index, check the scope row by row (see layers.tiles).
        # Sent with the tile query in one round trip (the result read is the tile's).
        cur.execute("SET LOCAL enable_bitmapscan = off;" + TILE_SQL.format(subquery=sub_sql),
                    [z, x, y, LAYER, EXTENT, EXTENT, BUFFER, *sub_params])
        (data,) = cur.fetchone()
    return bytes(data or b"")
