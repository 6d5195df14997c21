"""Travel-time and distance matrices between stops, and route lines.

On roads: every stop is snapped to the nearest node of the loaded network (geo_roadedge, a pgRouting topology)
and scipy's Dijkstra over the network's edges (read once per plan, around the stops) gives the travel times (edge
cost, seconds) — the same times as pgRouting's `pgr_dijkstraCostMatrix`, about three times faster for 300
stops; the way from the stop to its node is added at the fallback speed. The solver only needs times; a route's
road distance is the length of its line along the roads (`route_legs`, drawn with pgr_dijkstraVia), so the
matrix's distances on roads are only estimates (great-circle × detour).
Times are float seconds (never rounded here: the solver chooses its own finer unit). `estimated[i, j]` says which
pairs keep the straight-line estimate (a stop far off the roads, or pieces of road not connected): those legs are
reported as `estimate`, drawn straight (dashed on the map) and measured as great-circle × detour.
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
    durations: np.ndarray  # seconds, float, [from, to]
    distances: np.ndarray  # metres, float (great-circle × detour)
    source: str  # "roads" | "haversine"
    estimated: np.ndarray = None  # bool [from, to]: the pair's time is the straight-line estimate
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
    return Matrix(metres / speed, metres, "haversine", np.ones(metres.shape, dtype=bool))


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
    """Travel times between the given nodes over the edges around the points (as pgr_dijkstraCostMatrix, directed;
    a negative cost closes that direction); unreachable pairs are NaN. scipy's Dijkstra, from each distinct node."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    # Raw SQL: the same edge query pgRouting reads (the envelope is formatted from our own numbers).
    with connection.cursor() as cur:
        cur.execute(f"SELECT source, target, cost, reverse_cost FROM ({edges_sql(points, column, reverse)}) e")
        rows = np.array(cur.fetchall(), dtype=float).reshape(-1, 4)
    unique = sorted(set(node_ids))
    ids, inverse = np.unique(np.concatenate([rows[:, :2].ravel(), np.asarray(unique, float)]),
                             return_inverse=True)
    s, t = inverse[:2 * len(rows)].reshape(-1, 2).T
    fwd, rev = rows[:, 2] >= 0, rows[:, 3] >= 0
    frm = np.concatenate([s[fwd], t[rev]])
    to = np.concatenate([t[fwd], s[rev]])
    w = np.maximum(np.concatenate([rows[fwd, 2], rows[rev, 3]]), 1e-9)  # an explicit 0 would be no edge
    keep = np.lexsort((w, to, frm))  # parallel edges: the cheapest one (csr would add them up)
    frm, to, w = frm[keep], to[keep], w[keep]
    first = np.ones(len(frm), dtype=bool)
    first[1:] = (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])
    graph = csr_matrix((w[first], (frm[first], to[first])), shape=(len(ids), len(ids)))
    wanted = inverse[2 * len(rows):]
    small = dijkstra(graph, directed=True, indices=wanted)[:, wanted]
    small[np.isinf(small)] = np.nan
    index = {node: k for k, node in enumerate(unique)}
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
    np.fill_diagonal(off_road, False)
    durations = np.where(off_road, straight.durations, np.nan_to_num(seconds) + legs / speed)
    return Matrix(durations, straight.distances, "roads", off_road, nodes, [m for _, m in snapped])


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
    """Coordinates of the line through points[order] and back to order[0] (see route_legs)."""
    return route_legs(points, order, m)[0]


def route_legs(points, order, m):
    """The line through points[order] and back to order[0], and its legs: ([[lon, lat], ...], [leg, ...]) with
    leg = {"from": i, "to": j (point indices), "source": "roads" | "estimate", "distance_m", "duration_s",
    "points": [first, last] (indices into the line)}.
    A leg on roads follows them (pgr_dijkstraVia) and measures its line; an estimated leg (the matrix had no road
    time for it, or pgr_dijkstraVia(strict => false) skipped it) is a straight segment measuring great-circle ×
    detour, like its time. The line never jumps: each leg starts at its stop and ends at the next."""
    closed = list(order) + [order[0]]
    paths = {}
    if m.source == "roads" and len(closed) >= 2:
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
        for path_id, node, edge, geom, source in rows:
            piece = paths.setdefault(path_id, [])
            if edge is None or edge < 0 or geom is None:
                continue
            line = list(wkb.loads(bytes(geom)).coords)
            if node != source:
                line.reverse()
            piece.extend([list(c) for c in line])
    coords, legs = [list(points[closed[0]])], []
    for k in range(1, len(closed)):
        a, b = closed[k - 1], closed[k]
        first = len(coords) - 1
        on_roads = m.source == "roads" and not m.estimated[a, b]
        path = paths.get(k)
        if on_roads and path is None and m.nodes[a] != m.nodes[b]:
            on_roads = False  # pgr_dijkstraVia found no way although the matrix did: say so, draw it straight
        piece = (path or []) if on_roads else []
        coords.extend(piece + [list(points[b])])
        last = len(coords) - 1
        metres = line_length_m(coords[first:last + 1]) if on_roads else float(m.distances[a, b])
        legs.append({"from": a, "to": b, "source": "roads" if on_roads else "estimate",
                     "distance_m": round(metres, 1), "duration_s": round(float(m.durations[a, b]), 1),
                     "points": [first, last]})
    return coords, legs
