"""Spatial lookup: which town, village and grid contain a point (single or in bulk).

Boundaries are cut into pieces of at most PIECE_VERTICES vertices (ST_Subdivide, as MapIt does), so a
point-in-polygon test only ever looks at a small polygon whose bounding box the GiST index already matched.
"""
from django.db import connection

from core.prepared import Statement

from . import scope
from .models import AREA_MODELS, BoundaryPiece, Grid, Town, Village

PIECE_VERTICES = 128


def rebuild_pieces(level, codes=None):
    """Re-cut the pieces of the given areas of one level (all of that level when codes is None)."""
    table = AREA_MODELS[level]._meta.db_table
    pieces = BoundaryPiece.objects.filter(level=level)
    if codes is not None:
        pieces = pieces.filter(code__in=list(codes))
    pieces.delete()
    # Raw SQL: ST_Subdivide is set-returning, which the ORM cannot express in an INSERT ... SELECT.
    where, params = "", [level, PIECE_VERTICES]
    if codes is not None:
        where, params = "WHERE code = ANY(%s)", params + [list(codes)]
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO geo_boundarypiece (level, code, geom)
                SELECT %s, code, ST_Subdivide((ST_Dump(boundary)).geom, %s)
                FROM {table} {where}""",
            params,
        )


# Raw SQL: one round trip for the three levels with their names (the ORM would need three queries), prepared
# once per connection because every report runs it and planning it cost twice its run (core/prepared.py).
LOCATE = Statement("geo_locate", """
    WITH hit AS (
        SELECT level, min(code) AS code FROM geo_boundarypiece
        WHERE level IN ('village', 'grid') AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
        GROUP BY level
    )
    SELECT v.code, v.name, t.code, t.name, g.code, g.name
    FROM hit hv
    JOIN geo_village v ON v.code = hv.code AND hv.level = 'village'
    JOIN geo_town t ON t.code = v.town_id
    LEFT JOIN hit hg ON hg.level = 'grid' AND hg.code LIKE v.code || '%'
    LEFT JOIN geo_grid g ON g.code = hg.code
""", ["float8", "float8"])


def locate(lon, lat):
    """{"town": Town|None, "village": Village|None, "grid": Grid|None} for a WGS-84 point (names and codes only).

    A point on a shared border belongs to the area with the smallest code, so the answer is stable.
    """
    with connection.cursor() as cur:
        row = LOCATE.execute(cur, [float(lon), float(lat)]).fetchone()
    if row is None:
        return {"town": None, "village": None, "grid": None}
    v_code, v_name, t_code, t_name, g_code, g_name = row
    town = Town(code=t_code, name=t_name)
    village = Village(code=v_code, name=v_name, town=town)
    grid = Grid(code=g_code, name=g_name, village=village) if g_code else None
    return {"town": town, "village": village, "grid": grid}


def locate_many(lons, lats, workers=1, chunk=None):
    """Bulk assignment: (village_code, grid_code) for each point, (None, None) where a point lies in no village.

    Small batches probe the piece index once per point. Large batches load the points into a temporary table
    with its own index and join it to whole boundaries, so each boundary is prepared once and tested against all
    the points near it (much faster per point); with workers > 1 the chunks run on separate database
    connections (one per thread) in parallel.
    """
    if len(lons) != len(lats):
        raise ValueError("lons and lats differ in length")
    n = len(lons)
    bulk = n >= BULK_THRESHOLD
    chunk = chunk or (max(BULK_THRESHOLD, -(-n // max(1, workers))) if bulk else 50_000)
    chunks = [(i, list(map(float, lons[i:i + chunk])), list(map(float, lats[i:i + chunk])))
              for i in range(0, n, chunk)]
    out = [(None, None)] * n

    def run(part):
        offset, xs, ys = part
        try:
            rows = _locate_joined(xs, ys) if len(xs) >= BULK_THRESHOLD else _locate_chunk(xs, ys)
            for i, village, grid in rows:
                out[offset + i] = (village, grid)
        finally:
            if workers > 1:
                connection.close()  # each worker thread opened its own connection

    if workers > 1 and len(chunks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, chunks))
    else:
        for part in chunks:
            run(part)
    return out


BULK_THRESHOLD = 20_000

# Raw SQL: an array-unnest joined to the piece index (one probe per point for both levels) is far faster
# than one ORM query per point, and the ORM cannot join to a set-returning function.
LOCATE_MANY_SQL = """
    SELECT p.i - 1, b.level, b.code
    FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
    JOIN geo_boundarypiece b
      ON b.level IN ('village', 'grid') AND ST_Intersects(b.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
"""


def _locate_chunk(lons, lats):
    with connection.cursor() as cur:
        cur.execute(LOCATE_MANY_SQL, [lons, lats])
        return _pick(cur.fetchall())


def _locate_joined(lons, lats):
    # Raw SQL: a temporary point table with a GiST index lets PostGIS loop over boundaries (outer) and reuse
    # each prepared boundary for all its points (inner index scan); the ORM has no temporary tables.
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS locate_points")  # inside an enclosing transaction it may still exist
        cur.execute("CREATE TEMP TABLE locate_points (i int, geom geometry(Point, 4326)) ON COMMIT DROP")
        cur.execute(
            "INSERT INTO locate_points SELECT p.i - 1, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)"
            " FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)",
            [lons, lats],
        )
        cur.execute("CREATE INDEX ON locate_points USING gist (geom)")
        cur.execute("ANALYZE locate_points")
        # LATERAL ... OFFSET 0 keeps the boundary as the outer loop (the planner would otherwise probe the
        # boundary index once per point and prepare nothing).
        cur.execute(
            "SELECT p.i, 'village', v.code FROM geo_village v CROSS JOIN LATERAL"
            " (SELECT i FROM locate_points p WHERE ST_Intersects(v.boundary, p.geom) OFFSET 0) p"
            " UNION ALL"
            " SELECT p.i, 'grid', g.code FROM geo_grid g CROSS JOIN LATERAL"
            " (SELECT i FROM locate_points p WHERE ST_Intersects(g.boundary, p.geom) OFFSET 0) p"
        )
        return _pick(cur.fetchall())


def _pick(rows):
    """(i, village, grid) per point from (i, level, code) hits; on a shared border the smallest code wins."""
    found = {}
    for i, level, code in rows:
        slot = found.setdefault(i, {})
        if code < slot.get(level, "~"):
            slot[level] = code
    out = []
    for i, slot in found.items():
        village, grid = slot.get("village"), slot.get("grid")
        if village:
            out.append((i, village, grid if scope.covers(village, grid) else None))
    return out
