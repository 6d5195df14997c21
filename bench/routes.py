"""Benchmarks of patrol routing (`run(report)`; `python -m bench --only routes` runs this part alone).

`report(section, name, value, unit, note)` is called once per figure: section groups figures, `note` says the target
or what the figure is compared with. Three parts:

1. TSP tour quality: five TSPLIB instances (bench/data/tsplib, 52 to 280 cities, EUC_2D), solved by
   planning.solver (PyVRP, then the 2-opt/Or-opt search) in TSP_SECONDS each; the gap to the optimal tour length.
   Target: within 1 % in ≤ 10 s each.
2. Prize collecting: 5 teams, 300 candidate stops with priorities 1–30, 15 minutes a stop, an 8-hour day, travel
   times on roads; the priority our plan collects against OR-Tools' routing library (guided local search, same
   model and same time). Target: a feasible plan in ≤ 30 s.
3. Cost matrix: the time to build the 301 × 301 road matrix (snapping, pgr_dijkstraCostMatrix for times,
   the access legs) on a connected network of more than 50,000 edges.

Parts 2 and 3 use a synthetic road lattice (160 × 160 nodes, 50,880 edges, 100 m apart with some jitter, every
tenth line an arterial at 50 km/h, the rest 25 km/h) written into geo_roadedge inside a transaction that is rolled
back at the end: the database is left as it was. It needs a migrated database with pgRouting (`make bench`).
"""
import time
from pathlib import Path

import numpy as np

TSPLIB = Path(__file__).parent / "data" / "tsplib"
INSTANCES = [("berlin52", 7542), ("eil76", 538), ("kroA100", 21282), ("ch150", 6528), ("a280", 2579)]
TSP_SECONDS = 9.0
PC_SECONDS = 25.0
LATTICE = 160
SEED = 20260301


def read_tsplib(path):
    """Coordinates of a TSPLIB EUC_2D file and its distance matrix (nint of the Euclidean distance)."""
    import vrplib

    coords = np.asarray(vrplib.read_instance(str(path))["node_coord"], dtype=float)
    diff = coords[:, None, :] - coords[None, :, :]
    return coords, np.floor(np.hypot(diff[..., 0], diff[..., 1]) + 0.5).astype(np.int64)


def tsp(report):
    from planning import solver

    for name, optimum in INSTANCES:
        _, d = read_tsplib(TSPLIB / f"{name}.tsp")
        started = time.monotonic()
        result = solver.solve(d, d, seconds=TSP_SECONDS, objective="distance")  # PyVRP 40 %, tour search 60 %
        elapsed = time.monotonic() - started
        length = result.routes[0].distance_m
        assert len(result.routes[0].visits) == len(d) - 1
        gap = 100 * (length - optimum) / optimum
        report("tsp", f"{name} gap", round(gap, 2), "%",
               f"tour {length} vs optimum {optimum} in {elapsed:.1f} s; target ≤ 1 % in ≤ 10 s")


def lattice_edges(n=LATTICE, spacing_m=100.0, lon0=95.0, lat0=40.0, seed=SEED):
    """A connected jittered grid road network as RoadEdge rows (not saved), far from any real or demo data."""
    from django.contrib.gis.geos import LineString

    from geo.models import RoadEdge

    rng = np.random.default_rng(seed)
    dlat = spacing_m / 110_574
    dlon = spacing_m / (111_320 * np.cos(np.radians(lat0)))
    jitter = rng.uniform(-0.25, 0.25, (n, n, 2))
    lon = lon0 + (np.arange(n)[None, :] + jitter[..., 0]) * dlon
    lat = lat0 + (np.arange(n)[:, None] + jitter[..., 1]) * dlat
    base = 9_000_000_000

    def node(r, c):
        return base + r * n + c

    rows = []
    for r in range(n):
        for c in range(n):
            for r2, c2, arterial in ((r, c + 1, r % 10 == 0), (r + 1, c, c % 10 == 0)):
                if r2 >= n or c2 >= n:
                    continue
                a, b = (lon[r, c], lat[r, c]), (lon[r2, c2], lat[r2, c2])
                metres = float(np.hypot((b[0] - a[0]) * 111_320 * np.cos(np.radians(a[1])),
                                        (b[1] - a[1]) * 110_574))
                seconds = metres / ((50 if arterial else 25) / 3.6)
                rows.append(RoadEdge(source=node(r, c), target=node(r2, c2), length_m=metres, cost=seconds,
                                     reverse_cost=seconds, kind="arterial" if arterial else "village",
                                     geom=LineString([a, b], srid=4326)))
    return rows, (lon.min(), lat.min(), lon.max(), lat.max())


class _Rollback(Exception):
    pass


def roads(report):
    from django.db import connection, transaction

    from bench import ortools_pc
    from geo.models import RoadEdge
    from planning import routing, solver

    try:
        with transaction.atomic():
            started = time.monotonic()
            rows, (x0, y0, x1, y1) = lattice_edges()
            RoadEdge.objects.bulk_create(rows, batch_size=5000)
            with connection.cursor() as cur:
                cur.execute("ANALYZE geo_roadedge")
            report("matrix", "road network", len(rows), "edges",
                   f"synthetic connected lattice, written in {time.monotonic() - started:.1f} s (rolled back)")
            rng = np.random.default_rng(SEED)
            stops = [(float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))) for _ in range(300)]
            points = [((x0 + x1) / 2, (y0 + y1) / 2), *stops]
            started = time.monotonic()
            m = routing.road_matrix(points)
            elapsed = time.monotonic() - started
            assert m is not None and m.source == "roads"
            report("matrix", "301 × 301 road matrix", round(elapsed, 2), "s",
                   f"snap + pgr_dijkstraCostMatrix on {len(rows)} edges")
            _scipy_matrix(report, m)
            _prize_collecting(report, m, rng, solver, ortools_pc)
            raise _Rollback
    except _Rollback:
        pass


def _scipy_matrix(report, m):
    """For comparison only: the same times with scipy's Dijkstra over the edges read once from the database."""
    from django.db import connection
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("SELECT source, target, cost, reverse_cost FROM geo_roadedge")
        edges = np.array(cur.fetchall(), dtype=float)
    ids, inverse = np.unique(edges[:, :2], return_inverse=True)
    s, t = inverse.reshape(-1, 2).T
    fwd, rev = edges[:, 2] >= 0, edges[:, 3] >= 0
    graph = coo_matrix((np.concatenate([edges[fwd, 2], edges[rev, 3]]),
                        (np.concatenate([s[fwd], t[rev]]), np.concatenate([t[fwd], s[rev]]))),
                       shape=(len(ids), len(ids))).tocsr()
    wanted = np.searchsorted(ids, np.asarray(m.nodes, dtype=float))
    unique, back = np.unique(wanted, return_inverse=True)
    times = dijkstra(graph, indices=unique)[:, unique][np.ix_(back, back)]
    elapsed = time.monotonic() - started
    from django.conf import settings

    access = np.asarray(m.snap_m)
    legs = (access[:, None] + access[None, :]) / (settings.PATROL["PLAN_SPEED_KMH"] / 3.6)
    np.fill_diagonal(legs, 0)
    differ = float(np.abs(np.rint(times + legs) - m.durations).max())
    report("matrix", "same matrix with scipy Dijkstra", round(elapsed, 2), "s",
           f"comparison only (edges read once, csgraph.dijkstra); largest difference {differ:.0f} s")


def _prize_collecting(report, m, rng, solver, ortools_pc):
    n = len(m.durations) - 1
    priority = rng.integers(1, 31, n).tolist()
    service = [15 * 60] * n
    limit = 8 * 3600
    started = time.monotonic()
    ours = solver.solve(m.durations, m.distances, service_s=service, priority=priority, teams=5,
                        max_duration_s=limit, seconds=PC_SECONDS)
    elapsed = time.monotonic() - started
    visited = n - len(ours.dropped)
    report("prize collecting", "PyVRP plan: priority collected", ours.collected, "points",
           f"of {sum(priority)}; {visited}/{n} stops, feasible={ours.feasible}, "
           f"longest day {max(r.duration_s for r in ours.routes) / 3600:.2f} h, {elapsed:.1f} s; target ≤ 30 s")
    prize = [p * 3600 for p in priority]
    started = time.monotonic()
    routes, ok = ortools_pc.solve(m.durations, service, prize, 5, limit, PC_SECONDS)
    elapsed = time.monotonic() - started
    theirs = sum(priority[i] for r in routes for i in r)
    report("prize collecting", "OR-Tools plan: priority collected", theirs, "points",
           f"same model and time ({elapsed:.1f} s), {sum(map(len, routes))}/{n} stops, feasible={ok}")
    report("prize collecting", "PyVRP vs OR-Tools", round(100 * (ours.collected - theirs) / max(theirs, 1), 1), "%",
           "more priority collected (positive: PyVRP better)")


def run(report):
    tsp(report)
    roads(report)
