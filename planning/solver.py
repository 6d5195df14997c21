"""The routing model: a prize-collecting vehicle routing problem solved with PyVRP (0.14, iterated local search).

Index 0 of the matrices is the start (the town office, the depot); 1..n are the stops. Each team leaves the depot
and comes back within `max_duration` seconds (travel plus service). A stop that is not required may be left out;
leaving it out costs its prize. A prize is the stop's priority times `prize_seconds` (PLAN_PRIZE_SECONDS, one hour
by default): one point of priority is worth that much team time, so the plan collects the most priority it can and
drives the least for it, and only skips a stop whose detour costs more than its priority is worth.
With one team and no time limit every stop is required: a travelling-salesman tour.

Cost unit: PyVRP works in integers, so durations go into the model in hundredths of a second (UNIT); whole seconds
would move a 40-second leg by up to 1.2 % and the search would optimise the rounding. Distances stay metres.

Balance (`balance`, on by default for more than one team): the solver minimises the total time, so on a small
area one team may take most stops. When the longest day is more than BALANCE_RATIO above the mean, the model is
solved again with each day capped a little above the mean; the capped plan is kept when it collects at least
(1 − BALANCE_MAX_LOSS) of the priority.

`polish` (PLAN_POLISH, on by default) runs the own intra-route 2-opt/Or-opt search of planning.tour after PyVRP.
PyVRP 0.14's local search has no in-route segment reversal (2-opt), and its search stalls on a single tour: a280
stays 3.4 % above the optimal tour from 5 s to 9 s. For a single tour PyVRP only builds the start (a tenth of
the time) and the polish has the rest; `make bench` measures both at the same total time.
"""
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from . import tour

# pyvrp is imported inside the functions that use it: this module is loaded with the URLs (planning.api), and
# every manage.py command would pay for it.

UNIT = 100  # model time unit per second: hundredths of a second
BALANCE_RATIO = 1.2  # the longest day at most 20 % above the mean …
BALANCE_MAX_LOSS = 0.05  # … at no more than 5 % less priority
BIG = np.iinfo(np.int64).max // 4
MARGIN, MARGIN_MAX = 0.03, 0.5  # of the time kept back for the work after the search (at most half a second)
TSP_POLISH_SHARE = 0.9  # of the solver's time, for a single tour


@dataclass
class Visit:
    stop: int  # 0-based index into the stops (matrix index − 1)
    arrival_s: float  # seconds after the start of the day
    departure_s: float


@dataclass
class TeamRoute:
    team: int  # 1-based
    visits: list
    duration_s: float
    distance_m: float


@dataclass
class Solution:
    routes: list
    dropped: list  # stop indices not visited
    collected: int  # priority points
    feasible: bool
    seconds: float
    balanced: bool | None = None  # None: balance not asked for (one team or balance off)


def solve(durations, distances, *, service_s=None, priority=None, required=None, teams=1, max_duration_s=None,
          seconds=1.0, seed=0, objective="duration", prize_seconds=None, balance=None, polish=None):
    """Plan routes; `durations` (seconds, may be fractional) and `distances` (metres) are (n+1)² matrices with the
    depot first.

    objective: "duration" (seconds, the plans) or "distance" (metres, the TSPLIB benchmark)."""
    started = time.monotonic()
    durations = np.asarray(durations, dtype=float)
    distances = np.asarray(distances, dtype=float)
    n = len(durations) - 1
    service_s = [0.0] * n if service_s is None else [float(s) for s in service_s]
    priority = [1] * n if priority is None else [int(p) for p in priority]
    tsp = max_duration_s is None and teams == 1
    required = [True] * n if tsp else ([False] * n if required is None else [bool(r) for r in required])
    balance = teams > 1 if balance is None else bool(balance) and teams > 1
    polish = settings.PATROL.get("PLAN_POLISH", True) if polish is None else polish
    if n == 0:
        return Solution([TeamRoute(t + 1, [], 0, 0) for t in range(teams)], [], 0, True, 0.0)

    scale = int(prize_seconds or settings.PATROL["PLAN_PRIZE_SECONDS"])  # team time one point of priority is worth
    problem = dict(durations=durations, distances=distances, service_s=service_s, priority=priority,
                   required=required, teams=teams, objective=objective, scale=scale)
    budget = max(0.1, float(seconds))
    deadline = started + budget - min(MARGIN_MAX, MARGIN * budget)  # the rest: PyVRP's last iteration, repairs
    first = 0.5 * (deadline - started) if balance else deadline - started
    p = problem
    found, orders = _plan(p, max_duration_s, first, seed, polish, started + first)
    result = _result(p, orders, max_duration_s)
    if balance:
        # The second half of the time: capped a little above the mean day when the plan is not balanced, else
        # the same model again; either way starting from the first plan, so no time is lost.
        result.balanced = _is_balanced(result, teams)
        mean = sum(r.duration_s for r in result.routes) / teams
        capped = not result.balanced and mean > 0
        limit = min(max_duration_s or np.inf, 1.1 * mean) if capped else max_duration_s
        left = deadline - time.monotonic()
        if left > 0.02:
            _, orders = _plan(p, limit, left, seed + 1, polish, deadline, start=found)
            second = _result(p, orders, max_duration_s)
            second.balanced = _is_balanced(second, teams)
            if capped:
                keep = (second.feasible >= result.feasible
                        and second.collected >= (1 - BALANCE_MAX_LOSS) * result.collected
                        and max(r.duration_s for r in second.routes) < max(r.duration_s for r in result.routes))
            else:
                keep = _score(second) > _score(result)
            if keep:
                result = second
    result.seconds = time.monotonic() - started
    return result


def _score(result):
    return result.feasible, result.collected, -sum(r.duration_s for r in result.routes)


def _is_balanced(result, teams):
    days = [r.duration_s for r in result.routes]
    return max(days) <= BALANCE_RATIO * sum(days) / teams + 1e-6


def _plan(p, limit, seconds, seed, polish, deadline, start=None):
    """(PyVRP's best solution, orders): the orders are lists of matrix indices, depot first, one per team, each
    within `limit` seconds when given. `start`: a solution (of another limit) to start the search from."""
    from pyvrp import Solution as VrpSolution

    durations, service_s, priority, required = p["durations"], p["service_s"], p["priority"], p["required"]
    n, teams = len(durations) - 1, p["teams"]
    cost = durations if p["objective"] == "duration" else p["distances"]
    tsp = limit is None and teams == 1
    share = (TSP_POLISH_SHARE if tsp else 0.2) * seconds if polish and n >= 8 else 0.0
    data = _data(p, limit)
    init = None
    if start is not None:
        init = VrpSolution(data, [_clients(r) for r in start.routes() if r.num_clients()])
    best = _run(data, deadline - share, seed, tw_penalty=max(priority) * p["scale"] / 600, init=init)
    built = [[0, *(c + 1 for c in _clients(r))] for r in best.routes() if r.num_clients()]
    orders = []
    for k, order in enumerate(built):
        if polish and len(order) >= 4:
            left = max(0.01, (deadline - time.monotonic()) / (len(built) - k))
            symmetric = bool(np.allclose(cost, cost.T))
            search = tour.improve_symmetric if symmetric else tour.improve
            better = search(order, cost, left, seed=seed)
            if _length(better, cost) < _length(order, cost):
                order = better
        if limit is not None:
            order = _repair(order, durations, service_s, priority, required, limit)
        orders.append(order)
    if limit is not None:
        while len(orders) < teams:
            orders.append([0])
        orders = _fill(orders, durations, service_s, priority, limit)
    return best, orders


def _data(p, limit):
    """PyVRP's ProblemData straight from the matrices (no Python edge objects: 90,000 of them for 300 stops)."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    durations, distances = p["durations"], p["distances"]
    n = len(durations) - 1
    dur = np.rint(durations * UNIT).astype(np.int64)
    dist = np.rint(distances).astype(np.int64)
    np.fill_diagonal(dur, 0)
    np.fill_diagonal(dist, 0)
    duration_cost = p["objective"] == "duration"
    shift = int(round(limit * UNIT)) if limit is not None and np.isfinite(limit) else BIG
    vehicle = VehicleType(num_available=p["teams"], shift_duration=shift, unit_distance_cost=0 if duration_cost
                          else 1, unit_duration_cost=1 if duration_cost else 0)
    prize = p["scale"] * UNIT if duration_cost else p["scale"]
    clients = [Client(location=i + 1, service_duration=int(round(p["service_s"][i] * UNIT)),
                      prize=int(p["priority"][i] * prize), required=p["required"][i]) for i in range(n)]
    locations = [Location(0, 0) for _ in range(n + 1)]
    return ProblemData(locations, clients, [Depot(location=0)], [vehicle], [dist], [dur])


def _run(data, until, seed, tw_penalty, init=None):
    """pyvrp.solve (0.14), with two changes for prize collecting under a working-day limit: the time-warp
    penalty starts at least at the value of the best prize per ten minutes (with large prizes a low start leaves
    the search among plans that overrun the day), and when no stop is required the search also starts from the
    empty plan, which is always feasible, and keeps the better start. The search stops at `until` (monotonic
    clock): its time is counted from the moment it starts, after the set-up."""
    from pyvrp import RandomNumberGenerator
    from pyvrp import Solution as VrpSolution
    from pyvrp.IteratedLocalSearch import IteratedLocalSearch
    from pyvrp.PenaltyManager import PenaltyManager
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
    from pyvrp.solve import SolveParams
    from pyvrp.stop import MaxRuntime

    def stop():
        return MaxRuntime(max(0.01, until - time.monotonic()))

    params = SolveParams()
    rng = RandomNumberGenerator(seed=seed)
    ls = LocalSearch(data, rng, compute_neighbours(data, params.neighbourhood),
                     PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    loads, tw, dist = params.penalty.midpoint_penalties(data)
    pm = PenaltyManager((loads, max(tw, tw_penalty), dist), params.penalty)
    evaluator = pm.max_cost_evaluator()
    if init is not None:
        return IteratedLocalSearch(data, pm, ls, init, params.ils).run(stop(), collect_stats=False).best
    clients = data.clients()
    if data.num_vehicles == 1 and all(c.required for c in clients) and data.vehicle_types()[0].shift_duration >= BIG:
        # a single tour: start from the nearest-neighbour tour (an exhaustive search from a random one takes
        # seconds on 280 stops, outside the time limit)
        return IteratedLocalSearch(data, pm, ls, VrpSolution(data, [_nearest_neighbour(data)]),
                                   params.ils).run(stop(), collect_stats=False).best
    init = ls(VrpSolution.make_random(data, rng), evaluator, exhaustive=True)
    if not any(c.required for c in clients):
        empty = ls(VrpSolution(data, []), evaluator, exhaustive=True)
        if evaluator.penalised_cost(empty) < evaluator.penalised_cost(init):
            init = empty
    algo = IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop(), collect_stats=False).best


def _nearest_neighbour(data):
    """Client indices of the nearest-neighbour tour from the depot, on the model's cost."""
    vt = data.vehicle_types()[0]
    cost = (data.distance_matrix(0) * vt.unit_distance_cost + data.duration_matrix(0) * vt.unit_duration_cost)
    n = data.num_clients
    left = np.ones(n + 1, dtype=bool)
    left[0] = False
    at, order = 0, []
    for _ in range(n):
        row = np.where(left, cost[at], np.iinfo(np.int64).max)
        at = int(np.argmin(row))
        left[at] = False
        order.append(at - 1)
    return order


def _clients(route):
    """A PyVRP route's clients in visiting order (client indices, 0-based: stop i is matrix index i + 1)."""
    return [a.idx for a in route if a.is_client()]


def _length(order, cost):
    closed = np.append(order, order[0])
    return float(cost[closed[:-1], closed[1:]].sum())


def _fill(orders, durations, service_s, priority, limit):
    """Insert stops left out where a route still has time: the highest priority first, each at its cheapest place
    that keeps the route within the day."""
    visited = {x for o in orders for x in o[1:]}
    left = sorted((i + 1 for i in range(len(service_s)) if i + 1 not in visited),
                  key=lambda loc: (-priority[loc - 1], loc))
    lengths = [_length(o, durations) + sum(service_s[x - 1] for x in o[1:]) for o in orders]
    d = durations
    for loc in left:
        best = None
        for r, order in enumerate(orders):
            closed = order + [0]
            a, b = np.asarray(closed[:-1]), np.asarray(closed[1:])
            added = d[a, loc] + d[loc, b] - d[a, b] + service_s[loc - 1]
            k = int(np.argmin(added))
            if lengths[r] + added[k] <= limit and (best is None or added[k] < best[0]):
                best = (float(added[k]), r, k + 1)
        if best:
            added, r, k = best
            orders[r].insert(k, loc)
            lengths[r] += added
    return orders


def _repair(order, durations, service_s, priority, required, limit):
    """Drop optional stops from a route that overruns the day (cheapest priority per second saved first)."""
    order = list(order)

    def length(o):
        return _length(o, durations) + sum(service_s[i - 1] for i in o[1:])

    while length(order) > limit + 1e-6:
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


def _result(p, orders, limit):
    durations, distances, service_s = p["durations"], p["distances"], p["service_s"]
    n, teams = len(durations) - 1, p["teams"]
    routes, visited = [], set()
    for k, order in enumerate(o for o in orders if len(o) > 1):
        routes.append(_schedule(k + 1, order, durations, distances, service_s))
        visited.update(order[1:])
    while len(routes) < teams:
        routes.append(TeamRoute(len(routes) + 1, [], 0, 0))
    dropped = [i for i in range(n) if i + 1 not in visited]
    feasible = (limit is None or all(r.duration_s <= limit + 1e-6 for r in routes)) and not any(
        p["required"][i] for i in dropped)
    collected = sum(p["priority"][i - 1] for i in visited)
    return Solution(routes, dropped, collected, feasible, 0.0)


def _schedule(team, order, durations, distances, service_s):
    t, dist, visits = 0.0, 0.0, []
    prev = 0
    for loc in order[1:]:
        t += float(durations[prev, loc])
        dist += float(distances[prev, loc])
        visits.append(Visit(loc - 1, t, t + service_s[loc - 1]))
        t += service_s[loc - 1]
        prev = loc
    t += float(durations[prev, 0])
    dist += float(distances[prev, 0])
    return TeamRoute(team, visits, t, dist)
