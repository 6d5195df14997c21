"""Spatial lookup: which town, village and grid contain a point (single or in bulk).

Boundaries are cut into pieces of at most PIECE_VERTICES vertices (ST_Subdivide, as MapIt does), so a
point-in-polygon test only ever looks at a small polygon whose bounding box the GiST index already matched.
"""
from django.db import connection

from .models import AREA_MODELS, BoundaryPiece, Grid, Village

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


def locate(lon, lat):
    """{"town": Town|None, "village": Village|None, "grid": Grid|None} for a WGS-84 point.

    A point on a shared border belongs to the area with the smallest code, so the answer is stable.
    """
    codes = {}
    for level, code in (
        BoundaryPiece.objects.containing(lon, lat).order_by("level", "code").values_list("level", "code")
    ):
        codes.setdefault(level, code)
    village = None
    if "village" in codes:
        village = Village.objects.select_related("town").filter(code=codes["village"]).first()
    grid = None
    if village and "grid" in codes and codes["grid"].startswith(village.code):
        grid = Grid.objects.filter(code=codes["grid"]).only("code", "name", "village_id").first()
    return {"town": village.town if village else None, "village": village, "grid": grid}


def locate_many(lons, lats):
    """Bulk assignment: (village_code, grid_code) for each point, None where a point lies in no village.

    One set-based query: the points go in as two arrays and each one probes the piece index.
    """
    if len(lons) != len(lats):
        raise ValueError("lons and lats differ in length")
    if not lons:
        return []
    # Raw SQL: an array-unnest with a LATERAL index probe per point is far faster than one ORM query a point.
    sql = """
        SELECT p.i,
          (SELECT b.code FROM geo_boundarypiece b WHERE b.level = 'village'
             AND ST_Intersects(b.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) ORDER BY b.code LIMIT 1),
          (SELECT b.code FROM geo_boundarypiece b WHERE b.level = 'grid'
             AND ST_Intersects(b.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) ORDER BY b.code LIMIT 1)
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
        ORDER BY p.i
    """
    with connection.cursor() as cur:
        cur.execute(sql, [list(map(float, lons)), list(map(float, lats))])
        rows = cur.fetchall()
    out = []
    for _, village, grid in rows:
        if grid and not (village and grid.startswith(village)):
            grid = None
        out.append((village, grid) if village else (None, None))
    return out
