"""The one planning function behind `plan_route`, the plan API and /patrols/ (and the routing benchmark):
matrix, solver and route lines within one wall-time budget.

`seconds` is the total wall time, the matrix included: the solver gets what the matrix left, less a reserve for
drawing the lines along the roads (line_reserve); the solver itself keeps back a little for its last steps.
"""
import time
from dataclasses import dataclass

from . import routing, solver


@dataclass
class Line:
    team: int
    route: solver.TeamRoute
    coords: list  # [[lon, lat], ...] through the stops and back to the start
    legs: list  # routing.route_legs' legs
    distance_m: float


@dataclass
class Planned:
    matrix: routing.Matrix
    result: solver.Solution
    lines: list

    @property
    def estimated_legs(self):
        return sum(1 for line in self.lines for leg in line.legs if leg["source"] == "estimate")

    @property
    def legs(self):
        return sum(len(line.legs) for line in self.lines)

    @property
    def source(self):
        """"roads" only when every leg of the plan goes by road; "mixed" when some were estimated; "haversine"
        when there were no roads to use."""
        if self.matrix.source != "roads":
            return "haversine"
        return "mixed" if self.estimated_legs else "roads"


def line_reserve(seconds, teams, source):
    """The time kept for drawing the lines after the solver: on roads one pgr_dijkstraVia per team (measured about
    half a second each on the 50,880-edge lattice), at least a second or a tenth of the time, at most a fifth of
    it; straight lines take no time worth counting."""
    if source != "roads":
        return 0.01 * seconds
    return max(min(1.0, 0.1 * seconds), min(0.2 * seconds, 0.5 * teams))


def plan(points, *, service_s, priority, required=None, teams=1, max_duration_s=None, seconds=5.0, speed_kmh=None,
         seed=0, balance=None, started=None):
    """points: [start, stop 1, …] as (lon, lat). Returns a Planned."""
    started = time.monotonic() if started is None else started
    m = routing.matrix(points, speed_kmh=speed_kmh)
    reserve = line_reserve(seconds, teams, m.source)
    left = max(0.1, seconds - (time.monotonic() - started) - reserve)
    result = solver.solve(m.durations, m.distances, service_s=service_s, priority=priority, required=required,
                          teams=teams, max_duration_s=max_duration_s, seconds=left, seed=seed, balance=balance)
    lines = []
    for route in result.routes:
        if route.visits:
            coords, legs = routing.route_legs(points, [0, *[v.stop + 1 for v in route.visits]], m)
        else:
            coords, legs = [], []
        lines.append(Line(route.team, route, coords, legs, sum(leg["distance_m"] for leg in legs)))
    return Planned(m, result, lines)
