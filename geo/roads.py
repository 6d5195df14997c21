"""Loading a road network into geo_roadedge (a pgRouting topology: source/target node ids, costs in seconds).

Two inputs (`import_roads(path)`, the `import_roads` command):
- OpenStreetMap XML (.osm): the `osm2pgrouting` tool loads it into a scratch schema of the same database (its own
  connection), whose `ways` are then copied over; the scratch schema is dropped afterwards.
- line features from GeoPackage, Shapefile or GeoJSON (read with pyogrio): the lines are noded — split where
  another line ends on them, endpoints within SNAP_M metres merged — and given node ids; the cost is the length at
  the speed of the `highway` (or `fclass`/`kind`) class, `oneway` = yes/1/true makes the reverse direction closed.
  Lines that only cross (bridges, underpasses) are not joined.

Idempotent: the import replaces the roads lying within the new network's bounding box (or, with replace_all, every
road), in one transaction; importing the same file twice leaves the same network. New node ids start above the
largest id kept, so the new network never shares a node with roads left outside the box.
"""
import math
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection, transaction
from pyproj import Geod, Transformer
from scipy.spatial import cKDTree

from .models import RoadEdge

SNAP_M = 1.0
SPEED_KMH = {
    "motorway": 80, "motorway_link": 50, "trunk": 60, "trunk_link": 40, "primary": 50, "primary_link": 40,
    "secondary": 40, "secondary_link": 30, "tertiary": 30, "tertiary_link": 25, "unclassified": 25,
    "residential": 25, "living_street": 10, "service": 15, "track": 15, "road": 25,
    "arterial": 50, "village": 25,
}
DEFAULT_SPEED_KMH = 25
KIND_COLUMNS = ("highway", "fclass", "kind", "type")
ONEWAY_YES = {"yes", "1", "true", "t", "y"}
OSM_SUFFIXES = {".osm", ".xml"}
SCRATCH = "road_import"

_GEOD = Geod(ellps="WGS84")


class RoadImportError(ValueError):
    pass


def import_roads(path, replace_all=False):
    """Load the file's roads; returns {"edges": n, "nodes": n, "replaced": n}."""
    path = Path(path)
    if not path.exists():
        raise RoadImportError(f"找不到文件：{path}")
    if path.suffix.lower() in OSM_SUFFIXES:
        rows = _osm_rows(path)
    else:
        rows = _line_rows(path)
    if not rows:
        raise RoadImportError("文件中没有可用的道路线")
    return _store(rows, replace_all)


def _store(rows, replace_all):
    """rows: [(source_key, target_key, length_m, cost, reverse_cost, kind, name, shapely LineString)]."""
    xs = [c for r in rows for c in (r[7].bounds[0], r[7].bounds[2])]
    ys = [c for r in rows for c in (r[7].bounds[1], r[7].bounds[3])]
    box = Polygon.from_bbox((min(xs), min(ys), max(xs), max(ys)))
    box.srid = 4326
    with transaction.atomic():
        old = RoadEdge.objects.all() if replace_all else RoadEdge.objects.filter(geom__within=box)
        replaced = old.count()
        old.delete()
        with connection.cursor() as cur:
            cur.execute("SELECT COALESCE(GREATEST(MAX(source), MAX(target)), 0) FROM geo_roadedge")
            base = int(cur.fetchone()[0]) + 1
        ids = {}
        for r in rows:
            for key in (r[0], r[1]):
                ids.setdefault(key, base + len(ids))
        RoadEdge.objects.bulk_create([
            RoadEdge(source=ids[s], target=ids[t], length_m=length, cost=cost, reverse_cost=reverse,
                     kind=(kind or "")[:30], name=(name or "")[:100], geom=GEOSGeometry(line.wkt, srid=4326))
            for s, t, length, cost, reverse, kind, name, line in rows
        ], batch_size=2000)
    return {"edges": len(rows), "nodes": len(ids), "replaced": replaced}


def _length_m(line):
    c = np.asarray(line.coords)
    if len(c) < 2:
        return 0.0
    return float(_GEOD.line_length(c[:, 0].tolist(), c[:, 1].tolist()))


def _speed(kind):
    return SPEED_KMH.get((kind or "").strip().lower(), DEFAULT_SPEED_KMH) / 3.6


# --- GeoPackage / Shapefile / GeoJSON lines -------------------------------------------------------------


def _line_rows(path):
    import pyogrio

    try:
        df = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError/DataLayerError and OSError kinds
        raise RoadImportError(f"无法读取 {path.name}：{exc}") from None
    if df.crs is not None and df.crs.to_epsg() != 4326:
        df = df.to_crs(4326)
    kind_col = next((c for c in KIND_COLUMNS if c in df.columns), None)
    lines, kinds, names, oneway = [], [], [], []
    for i, geom in enumerate(df.geometry):
        if geom is None or geom.is_empty:
            continue
        parts = shapely.get_parts(shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom)
        for part in parts:
            if part.geom_type != "LineString" or part.length == 0:
                continue
            lines.append(shapely.force_2d(part))
            kinds.append(str(df[kind_col].iloc[i]) if kind_col and df[kind_col].iloc[i] is not None else "")
            names.append(str(df["name"].iloc[i]) if "name" in df.columns and df["name"].iloc[i] is not None else "")
            ow = df["oneway"].iloc[i] if "oneway" in df.columns else None
            oneway.append(str(ow).strip().lower() in ONEWAY_YES if ow is not None else False)
    if not lines:
        return []
    return _node(lines, kinds, names, oneway)


def _node(lines, kinds, names, oneway):
    """Split lines where other lines end on them, merge endpoints within SNAP_M, and price the pieces."""
    centre = shapely.centroid(shapely.union_all(shapely.envelope(np.array(lines))))
    zone = 32600 + int(math.floor((centre.x + 180) / 6)) % 60 + 1
    fwd = Transformer.from_crs(4326, zone, always_xy=True)
    back = Transformer.from_crs(zone, 4326, always_xy=True)
    metric = [shapely.transform(g, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))) for g in lines]
    ends = np.array([[g.coords[0], g.coords[-1]] for g in metric]).reshape(-1, 2)
    # merge endpoints within SNAP_M (union-find over close pairs)
    parent = list(range(len(ends)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in cKDTree(ends).query_pairs(SNAP_M):
        parent[find(a)] = find(b)
    groups = defaultdict(list)
    for i in range(len(ends)):
        groups[find(i)].append(i)
    rep = np.zeros_like(ends)
    for members in groups.values():
        rep[members] = ends[members].mean(axis=0)
    # split each line at the (merged) endpoints of other lines lying on it
    tree = shapely.STRtree(metric)
    points = shapely.points(rep)
    hit_pt, hit_line = tree.query(points, predicate="dwithin", distance=SNAP_M)
    cuts = defaultdict(set)
    for p, li in zip(hit_pt, hit_line, strict=True):
        if p // 2 == li:
            continue
        d = float(shapely.line_locate_point(metric[li], points[p]))
        if SNAP_M < d < metric[li].length - SNAP_M:
            cuts[li].add((round(d, 3), p))
    rows = []
    for li, line in enumerate(metric):
        stops = [(0.0, 2 * li)] + sorted(cuts.get(li, ())) + [(line.length, 2 * li + 1)]
        for (d0, p0), (d1, p1) in zip(stops[:-1], stops[1:], strict=True):
            if d1 - d0 <= 0:
                continue
            piece = shapely.ops.substring(line, d0, d1)
            coords = np.asarray(piece.coords)
            coords[0], coords[-1] = rep[p0], rep[p1]
            a, b = tuple(np.round(rep[p0], 3)), tuple(np.round(rep[p1], 3))
            if a == b:
                continue
            wgs = shapely.linestrings(np.column_stack(back.transform(coords[:, 0], coords[:, 1])))
            length = _length_m(wgs)
            seconds = length / _speed(kinds[li])
            rows.append((a, b, length, seconds, -1.0 if oneway[li] else seconds, kinds[li], names[li], wgs))
    return rows


# --- OpenStreetMap XML through osm2pgrouting -------------------------------------------------------------


def _owner_db():
    """The connection settings as the owner role: osm2pgrouting needs a schema of its own, which the application
    role may not create (ops/dbroles.py)."""
    from django.conf import settings

    db = dict(connection.settings_dict)
    owner = getattr(settings, "DATABASE_OWNER", {})
    if owner.get("USER"):
        db.update(USER=owner["USER"], PASSWORD=owner.get("PASSWORD", ""))
    return db


def _owner_connect(db):
    import psycopg2

    conn = psycopg2.connect(dbname=db["NAME"], user=db["USER"] or "postgres", password=db["PASSWORD"] or None,
                            host=db["HOST"] or None, port=db["PORT"] or None)
    conn.autocommit = True
    return conn


def _scratch_schema(db):
    """(Re)create the scratch schema on a connection of its own, committed at once, so that osm2pgrouting's
    connection sees it even when ours is inside a transaction."""
    conn = _owner_connect(db)
    with conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCRATCH}")
    conn.close()


def _osm_rows(path):
    db = _owner_db()
    command = ["osm2pgrouting", "-f", str(path), "-c", "/usr/share/osm2pgrouting/mapconfig.xml",
               "-d", db["NAME"], "-U", db["USER"] or "postgres", "-h", db["HOST"] or "localhost",
               "-p", str(db["PORT"] or 5432), "--schema", SCRATCH, "--clean"]
    if db.get("PASSWORD"):
        command += ["-W", db["PASSWORD"]]
    _scratch_schema(db)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RoadImportError(f"osm2pgrouting 失败：{' '.join(tail)}")
        # Raw SQL: the scratch tables are osm2pgrouting's own, not Django models.
        conn = _owner_connect(db)
        with conn.cursor() as cur:
            cur.execute(f"""
                SELECT w.source, w.target, w.length_m, w.cost_s, w.reverse_cost_s, c.tag_value, w.name,
                       ST_AsBinary(w.the_geom)
                FROM {SCRATCH}.ways w LEFT JOIN {SCRATCH}.configuration c ON c.tag_id = w.tag_id
                WHERE w.source IS NOT NULL AND w.target IS NOT NULL ORDER BY w.gid""")
            found = cur.fetchall()
        conn.close()
    except FileNotFoundError:
        raise RoadImportError("未安装 osm2pgrouting") from None
    finally:
        conn = _owner_connect(db)
        with conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE")
        conn.close()
    rows = []
    for s, t, length, cost, reverse, kind, name, wkb in found:
        line = shapely.from_wkb(bytes(wkb))
        rows.append((("osm", int(s)), ("osm", int(t)), float(length), float(cost),
                     -1.0 if reverse is None or reverse < 0 else float(reverse), kind or "", name or "", line))
    return rows
