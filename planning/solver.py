"""The routing model: a prize-collecting vehicle routing problem solved with PyVRP.

Index 0 of the matrices is the start (the town office, the depot); 1..n are the stops. Each team leaves the depot
and comes back within `max_duration` seconds (travel plus service). A stop that is not required may be left out;
leaving it out costs its prize. A prize is the stop's priority times `prize_seconds` (PLAN_PRIZE_SECONDS, one hour
by default): one point of priority is worth that much team time, so the plan collects the most priority it can and
drives the least for it, and only skips a stop whose detour costs more than its priority is worth.
With one team and no time limit every stop is required: a travelling-salesman tour.

Afterwards each route goes through an intra-route 2-opt/Or-opt iterated local search (patrol.tour), which PyVRP
0.11 lacks (it has no segment reversal, and with a single route its crossover has little to recombine); it only
reorders a route's stops and never lengthens it. On a single tour (TSP) it gets 60 % of the time.
"""
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from pyvrp import Model, RandomNumberGenerator
from pyvrp import Solution as VrpSolution
from pyvrp.crossover import ordered_crossover, selective_route_exchange
from pyvrp.diversity import broken_pairs_distance
from pyvrp.GeneticAlgorithm import GeneticAlgorithm, GeneticAlgorithmParams
from pyvrp.PenaltyManager import PenaltyManager, PenaltyParams
from pyvrp.Population import Population, PopulationParams
from pyvrp.search import NODE_OPERATORS, ROUTE_OPERATORS, LocalSearch, NeighbourhoodParams, compute_neighbours
from pyvrp.stop import MaxRuntime

from . import tour


@dataclass
class Visit:
    stop: int  # 0-based index into the stops (matrix index − 1)
    arrival_s: int  # seconds after the start of the day
    departure_s: int


@dataclass
class TeamRoute:
    team: int  # 1-based
    visits: list
    duration_s: int
    distance_m: int


@dataclass
class Solution:
    routes: list
    dropped: list  # stop indices not visited
    collected: int  # priority points
    feasible: bool
    seconds: float


def solve(durations, distances, *, service_s=None, priority=None, required=None, teams=1, max_duration_s=None,
          seconds=1.0, seed=0, objective="duration", prize_seconds=None):
    """Plan routes; `durations`/`distances` are (n+1)² integer matrices with the depot first.

    objective: "duration" (seconds, the plans) or "distance" (metres, the TSPLIB benchmark)."""
    started = time.monotonic()
    durations = np.asarray(durations, dtype=np.int64)
    distances = np.asarray(distances, dtype=np.int64)
    n = len(durations) - 1
    service_s = [0] * n if service_s is None else [int(s) for s in service_s]
    priority = [1] * n if priority is None else [int(p) for p in priority]
    tsp = max_duration_s is None and teams == 1
    required = [True] * n if tsp else ([False] * n if required is None else [bool(r) for r in required])
    if n == 0:
        return Solution([TeamRoute(t + 1, [], 0, 0) for t in range(teams)], [], 0, True, 0.0)

    cost = durations if objective == "duration" else distances
    scale = int(prize_seconds or settings.PATROL["PLAN_PRIZE_SECONDS"])  # team time one point of priority is worth
    model = Model()
    depot = model.add_depot(x=0, y=0)
    model.add_vehicle_type(
        num_available=teams, max_duration=int(max_duration_s) if max_duration_s else np.iinfo(np.int64).max,
        unit_distance_cost=1 if objective == "distance" else 0, unit_duration_cost=1 if objective == "duration" else 0,
    )
    clients = [
        model.add_client(x=0, y=0, service_duration=service_s[i], prize=priority[i] * scale, required=required[i])
        for i in range(n)
    ]
    locations = [depot, *clients]
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                model.add_edge(a, b, distance=int(distances[i, j]), duration=int(durations[i, j]))
    budget = max(0.1, float(seconds))
    polish = 0.6 * budget if tsp and n >= 8 else min(0.2 * budget, 1.0)
    symmetric = bool(np.array_equal(cost, cost.T))
    best = _run(model.data(), budget - polish, seed, tw_penalty=max(1.0, max(priority) * scale / 600))

    left = max(0.05, budget - (time.monotonic() - started))
    built = [r for r in best.routes() if len(r.visits())]
    orders = []
    for k, route in enumerate(built):
        order = [0, *route.visits()]
        share = left / max(1, len(built) - k)
        t0 = time.monotonic()
        search = tour.improve_symmetric if symmetric else tour.improve
        better = search(order, cost, share, seed=seed) if len(order) >= 4 else order
        left -= time.monotonic() - t0
        if tour.route_cost(better, cost) > tour.route_cost(order, cost):
            better = order
        if max_duration_s:
            better = _repair(better, durations, service_s, priority, required, max_duration_s)
        orders.append(better)
    if max_duration_s:
        while len(orders) < teams:
            orders.append([0])
        orders = _fill(orders, durations, service_s, priority, max_duration_s)
    routes, visited = [], set()
    for k, order in enumerate(o for o in orders if len(o) > 1):
        routes.append(_schedule(k + 1, order, durations, distances, service_s))
        visited.update(order[1:])
    while len(routes) < teams:
        routes.append(TeamRoute(len(routes) + 1, [], 0, 0))
    dropped = [i for i in range(n) if i + 1 not in visited]
    feasible = (max_duration_s is None or all(r.duration_s <= max_duration_s for r in routes)) and not any(
        required[i] for i in dropped)
    collected = sum(priority[i - 1] for i in visited)
    return Solution(routes, dropped, collected, feasible, time.monotonic() - started)


def _run(data, seconds, seed, tw_penalty):
    """pyvrp.solve's loop (0.11), with two changes for prize collecting under a working-day limit: the time-warp
    penalty starts at the value of the best prize per ten minutes rather than at 1 per second (with large prizes
    the default start leaves the search among plans that overrun the day), and the first population also holds
    the empty plan, which is always feasible when no stop is required."""
    rng = RandomNumberGenerator(seed=seed)
    ls = LocalSearch(data, rng, compute_neighbours(data, NeighbourhoodParams()))
    for op in NODE_OPERATORS:
        ls.add_node_operator(op(data))
    for op in ROUTE_OPERATORS:
        ls.add_route_operator(op(data))
    default = PenaltyManager.init_from(data, PenaltyParams())
    loads, tw, dist = default.penalties()
    pm = PenaltyManager((loads, max(tw, tw_penalty), dist), PenaltyParams())
    pop = Population(broken_pairs_distance, PopulationParams())
    init = [VrpSolution.make_random(data, rng) for _ in range(PopulationParams().min_pop_size)]
    if not any(c.required for c in data.clients()):
        init.append(VrpSolution(data, []))
    crossover = selective_route_exchange if data.num_vehicles > 1 else ordered_crossover
    algo = GeneticAlgorithm(data, pm, rng, pop, ls, crossover, init, GeneticAlgorithmParams())
    return algo.run(MaxRuntime(seconds), collect_stats=False, display=False).best


def _fill(orders, durations, service_s, priority, limit):
    """Insert stops left out where a route (shortened by the tour search) still has time: the highest priority
    first, each at its cheapest place that keeps the route within the day."""
    visited = {x for o in orders for x in o[1:]}
    left = sorted((i + 1 for i in range(len(service_s)) if i + 1 not in visited),
                  key=lambda loc: (-priority[loc - 1], loc))
    lengths = [tour.route_cost(o, durations) + sum(service_s[x - 1] for x in o[1:]) for o in orders]
    d = durations
    for loc in left:
        best = None
        for r, order in enumerate(orders):
            closed = order + [0]
            a, b = np.asarray(closed[:-1]), np.asarray(closed[1:])
            added = d[a, loc] + d[loc, b] - d[a, b] + service_s[loc - 1]
            k = int(np.argmin(added))
            if lengths[r] + added[k] <= limit and (best is None or added[k] < best[0]):
                best = (int(added[k]), r, k + 1)
        if best:
            added, r, k = best
            orders[r].insert(k, loc)
            lengths[r] += added
    return orders


def _repair(order, durations, service_s, priority, required, limit):
    """Drop optional stops from a route that overruns the day (cheapest priority per second saved first)."""
    order = list(order)

    def length(o):
        return tour.route_cost(o, durations) + sum(service_s[i - 1] for i in o[1:])

    while length(order) > limit:
        options = []
        for k in range(1, len(order)):
            if required[order[k] - 1]:
                continue
            saved = length(order) - length(order[:k] + order[k + 1:])
            options.append((priority[order[k] - 1] / max(saved, 1e-9), k))
        if not options:
            break
        order.pop(min(options)[1])
    return order


def _schedule(team, order, durations, distances, service_s):
    t, dist, visits = 0, 0, []
    prev = 0
    for loc in order[1:]:
        t += int(durations[prev, loc])
        dist += int(distances[prev, loc])
        visits.append(Visit(loc - 1, t, t + service_s[loc - 1]))
        t += service_s[loc - 1]
        prev = loc
    t += int(durations[prev, 0])
    dist += int(distances[prev, 0])
    return TeamRoute(team, visits, t, dist)
