"""Travel-time and distance matrices between stops, and route lines.

On roads: every stop is snapped to the nearest node of the loaded network (geo_roadedge, a pgRouting topology)
and pgRouting's `pgr_dijkstraCostMatrix` gives the travel times (edge cost, seconds); the way from the stop to its
node is added at the fallback speed. The solver only needs times; a route's road distance is the length of its
line along the roads (`route_line`, `line_length_m`), so the matrix's distances on roads are only estimates
(great-circle × detour).
Without roads near the stops (none loaded for the area, or a stop farther than ROAD_SNAP_MAX_M from any road)
the matrix is the great-circle distance × a detour factor, at a set speed.
"""
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection

EARTH_RADIUS_M = 6_371_008.8


def conf(name):
    return settings.PATROL[name]


@dataclass
class Matrix:
    durations: np.ndarray  # seconds, int64, [from, to]
    distances: np.ndarray  # metres, int64
    source: str  # "roads" | "haversine"
    nodes: list = field(default_factory=list)  # road node per point (roads only)
    snap_m: list = field(default_factory=list)  # metres from each point to its node (roads only)


def haversine_m(lons, lats):
    lon, lat = np.radians(np.asarray(lons, float)), np.radians(np.asarray(lats, float))
    dlon = lon[None, :] - lon[:, None]
    dlat = lat[None, :] - lat[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def straight_matrix(points, speed_kmh=None, detour=None):
    """Great-circle distance × detour factor, driven at `speed_kmh`."""
    speed = (speed_kmh or conf("PLAN_SPEED_KMH")) / 3.6
    detour = detour or conf("PLAN_DETOUR_FACTOR")
    lons, lats = zip(*points, strict=True) if points else ((), ())
    metres = haversine_m(lons, lats) * detour
    return Matrix(np.rint(metres / speed).astype(np.int64), np.rint(metres).astype(np.int64), "haversine")


def _bbox_sql(points, margin_deg):
    """A numeric envelope for the edge query text. pgRouting takes its edges as an SQL *string*, so the bounds are
    formatted in (as floats from our own validated numbers, never user text)."""
    lons, lats = zip(*points, strict=True)
    x0, y0 = min(lons) - margin_deg, min(lats) - margin_deg
    x1, y1 = max(lons) + margin_deg, max(lats) + margin_deg
    return f"ST_MakeEnvelope({float(x0)!r}, {float(y0)!r}, {float(x1)!r}, {float(y1)!r}, 4326)"


def edges_sql(points, cost="cost", reverse="reverse_cost"):
    """The edges pgRouting reads: the network around the stops (their envelope plus a margin)."""
    margin = conf("ROAD_MARGIN_DEG")
    return (f"SELECT id, source, target, {cost} AS cost, {reverse} AS reverse_cost FROM geo_roadedge "
            f"WHERE geom && {_bbox_sql(points, margin)}")


def snap(points):
    """[(node, metres)] for each point: the nearest end among the SNAP_EDGES nearest road edges (KNN on the GiST
    index), so a stop beside a long edge is not sent to a far end of it."""
    lons, lats = zip(*points, strict=True)
    # Raw SQL: a LATERAL nearest-neighbour probe (<->) per point is one index lookup each; the ORM has no KNN.
    sql = """
        SELECT p.i, e.node, e.metres FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
        CROSS JOIN LATERAL (
          SELECT ends.node, ST_Distance(ends.pt::geography, g.pt::geography) AS metres
          FROM (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS pt) g,
               LATERAL (SELECT r.source, r.target, r.geom FROM geo_roadedge r
                        ORDER BY r.geom <-> g.pt LIMIT 5) near,
               LATERAL (VALUES (near.source, ST_StartPoint(near.geom)), (near.target, ST_EndPoint(near.geom)))
                 AS ends(node, pt)
          ORDER BY 2, 1 LIMIT 1
        ) e
        ORDER BY p.i
    """
    with connection.cursor() as cur:
        cur.execute(sql, [list(map(float, lons)), list(map(float, lats))])
        return [(int(node), float(metres)) for _, node, metres in cur.fetchall()]


def roads_loaded():
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM geo_roadedge)")
        return cur.fetchone()[0]


def cost_matrix(points, node_ids, column="cost", reverse="reverse_cost"):
    """pgr_dijkstraCostMatrix between the given nodes; unreachable pairs are NaN."""
    unique = sorted(set(node_ids))
    # Raw SQL: pgRouting functions take the edge query as text; the node ids go in as a bound array.
    sql = "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix(%s, %s::bigint[], directed => true)"
    with connection.cursor() as cur:
        cur.execute(sql, [edges_sql(points, column, reverse), unique])
        rows = cur.fetchall()
    index = {node: k for k, node in enumerate(unique)}
    small = np.full((len(unique), len(unique)), np.nan)
    np.fill_diagonal(small, 0.0)
    for a, b, c in rows:
        small[index[a], index[b]] = c
    pick = np.array([index[n] for n in node_ids])
    return small[np.ix_(pick, pick)]


def road_matrix(points, speed_kmh=None, detour=None):
    """The matrix on roads, or None when the roads do not serve these points (then use the straight one)."""
    if len(points) < 2 or not roads_loaded():
        return None
    snapped = snap(points)
    far = np.array([m > conf("ROAD_SNAP_MAX_M") for _, m in snapped])
    if far.mean() >= 0.5:
        return None  # the roads loaded do not serve these stops
    nodes = [n for n, _ in snapped]
    seconds = cost_matrix(points, nodes)
    speed = (speed_kmh or conf("PLAN_SPEED_KMH")) / 3.6
    access = np.array([m for _, m in snapped])
    legs = access[:, None] + access[None, :]
    np.fill_diagonal(legs, 0.0)
    straight = straight_matrix(points, speed_kmh, detour)
    # A stop far off the network, or a pair on pieces of road not connected, keeps the straight estimate; the
    # other pairs go by road. (One such stop no longer sends the whole plan back to straight lines.)
    off_road = np.isnan(seconds) | far[:, None] | far[None, :]
    durations = np.where(off_road, straight.durations, np.rint(np.nan_to_num(seconds) + legs / speed))
    return Matrix(durations.astype(np.int64), straight.distances, "roads", nodes, [m for _, m in snapped])


def line_length_m(coords):
    """Length of a [lon, lat] line in metres (great circle between vertices)."""
    if len(coords) < 2:
        return 0.0
    c = np.radians(np.asarray(coords, float))
    dlon, dlat = np.diff(c[:, 0]), np.diff(c[:, 1])
    a = np.sin(dlat / 2) ** 2 + np.cos(c[:-1, 1]) * np.cos(c[1:, 1]) * np.sin(dlon / 2) ** 2
    return float((2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))).sum())


def matrix(points, speed_kmh=None, detour=None, roads=True):
    """Durations and distances between all points ([lon, lat] each); on roads when they serve the points."""
    if len(points) > conf("PLAN_MAX_STOPS") + 1:
        raise ValueError(f"too many points ({len(points)})")
    found = road_matrix(points, speed_kmh, detour) if roads else None
    return found or straight_matrix(points, speed_kmh, detour)


def route_line(points, order, m):
    """Coordinates of the line through points[order] and back to order[0]: along the roads (pgr_dijkstraVia)
    when the matrix came from them, straight segments otherwise."""
    closed = list(order) + [order[0]]
    if m.source != "roads" or len(closed) < 2:
        return [list(points[i]) for i in closed]
    via = [m.nodes[i] for i in closed]
    sql = """
        SELECT v.path_id, v.node, v.edge, ST_AsBinary(r.geom), r.source
        FROM pgr_dijkstraVia(%s, %s::bigint[], directed => true, strict => false, U_turn_on_edge => true) v
        LEFT JOIN geo_roadedge r ON r.id = v.edge
        ORDER BY v.seq
    """
    from shapely import wkb

    # Raw SQL: as for the matrix, the edge query is text; the via nodes are a bound array.
    with connection.cursor() as cur:
        cur.execute(sql, [edges_sql([points[i] for i in closed]), via])
        rows = cur.fetchall()
    coords = [list(points[closed[0]])]
    leg = 1
    for path_id, node, edge, geom, source in rows:
        if path_id != leg:  # the next leg starts at its stop: pass through the stop itself
            coords.append(list(points[closed[path_id - 1]]))
            leg = path_id
        if edge is None or edge < 0 or geom is None:
            continue
        line = list(wkb.loads(bytes(geom)).coords)
        if node != source:
            line.reverse()
        coords.extend([list(c) for c in line])
    coords.append(list(points[closed[-1]]))
    return coords
