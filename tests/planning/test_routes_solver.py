"""The routing core on tiny instances whose optimum is known by hand (no database)."""
import itertools

import numpy as np
import pytest

from planning import solver, tour
from planning.routing import haversine_m, straight_matrix


def euclid(points):
    p = np.asarray(points, float)
    return np.rint(np.hypot(*(p[:, None, :] - p[None, :, :]).transpose(2, 0, 1))).astype(np.int64)


def brute_force(d):
    n = len(d)
    best = min(itertools.permutations(range(1, n)),
               key=lambda p: sum(d[a, b] for a, b in zip((0, *p), (*p, 0), strict=True)))
    return sum(d[a, b] for a, b in zip((0, *best), (*best, 0), strict=True))


def test_square_tour_goes_round_not_across():
    # depot at a corner of a 100 × 100 square: the best tour is the perimeter, 400
    d = euclid([(0, 0), (100, 0), (100, 100), (0, 100)])
    result = solver.solve(d, d, seconds=0.3)
    assert result.feasible and result.dropped == []
    order = [v.stop for v in result.routes[0].visits]
    assert order in ([0, 1, 2], [2, 1, 0])
    assert result.routes[0].duration_s == 400


def test_tsp_matches_brute_force_on_eight_points():
    rng = np.random.default_rng(7)
    d = euclid(rng.uniform(0, 1000, (8, 2)))
    result = solver.solve(d, d, seconds=0.5, objective="distance")
    assert result.routes[0].distance_m == brute_force(d)
    assert len(result.routes[0].visits) == 7


def test_two_opt_untangles_a_crossing():
    d = euclid([(0, 0), (100, 0), (100, 100), (0, 100)]).astype(float)
    assert tour.route_cost([0, 2, 1, 3], d) > 400
    assert tour.route_cost(tour.local_search([0, 2, 1, 3], d), d) == 400


def test_far_low_priority_stop_is_dropped_when_hours_are_short():
    # 3 stops near the depot (10 min away) and one far, low priority stop (2 h away)
    minutes = [[0, 10, 10, 10, 120], [10, 0, 5, 5, 120], [10, 5, 0, 5, 120], [10, 5, 5, 0, 120],
               [120, 120, 120, 120, 0]]
    d = np.array(minutes) * 60
    result = solver.solve(d, d, service_s=[900] * 4, priority=[10, 10, 10, 1], teams=1, max_duration_s=3 * 3600,
                          seconds=0.5)
    assert result.feasible
    assert result.dropped == [3]
    assert result.collected == 30
    assert result.routes[0].duration_s <= 3 * 3600


def test_required_stop_is_always_visited():
    minutes = [[0, 10, 10, 10, 100], [10, 0, 5, 5, 100], [10, 5, 0, 5, 100], [10, 5, 5, 0, 100],
               [100, 100, 100, 100, 0]]
    d = np.array(minutes) * 60
    result = solver.solve(d, d, service_s=[900] * 4, priority=[10, 10, 10, 1], required=[False, False, False, True],
                          teams=1, max_duration_s=4 * 3600, seconds=0.5)
    assert result.feasible
    assert 3 not in result.dropped
    assert result.routes[0].duration_s <= 4 * 3600


def test_teams_split_two_clusters():
    # two clusters east and west of the depot, each a full day for one team
    pts = [(0, 0)] + [(x, 0) for x in (-5000, -5100, -5200)] + [(x, 0) for x in (5000, 5100, 5200)]
    d = euclid(pts)
    result = solver.solve(d, d, service_s=[3600] * 6, priority=[10] * 6, teams=2, max_duration_s=4 * 3600 + 11000,
                          seconds=0.5)
    assert result.feasible and result.dropped == []
    sides = [{np.sign(pts[v.stop + 1][0]) for v in r.visits} for r in result.routes]
    assert sorted(map(sorted, sides)) == [[-1.0], [1.0]]


def test_arrival_times_add_travel_and_service():
    d = euclid([(0, 0), (100, 0), (200, 0)])
    result = solver.solve(d, d, service_s=[60, 60], teams=1, max_duration_s=10_000, seconds=0.2)
    visits = result.routes[0].visits
    assert [(v.arrival_s, v.departure_s) for v in visits] in ([(100, 160), (260, 320)], [(200, 260), (360, 420)])
    assert result.routes[0].duration_s == 400 + 120


def test_straight_matrix_uses_detour_and_speed(settings):
    m = straight_matrix([(121.40, 31.10), (121.41, 31.10)], speed_kmh=36, detour=1.5)
    metres = haversine_m([121.40, 121.41], [31.10, 31.10])[0, 1]
    assert 950 < metres < 955  # 0.01° of longitude at 31.1°N
    assert m.distances[0, 1] == pytest.approx(metres * 1.5, abs=1e-6)  # not rounded: the solver picks its unit
    assert m.durations[0, 1] == pytest.approx(metres * 1.5 / 10, abs=1e-6)
    assert m.source == "haversine"


def test_hundredths_of_a_second_choose_the_shorter_tour_that_whole_seconds_miss():
    # four places; three tours. True lengths: A = 0-1-2-3 42.4 s, B = 0-1-3-2 43.0 s, C = 0-2-1-3 43.0 s.
    # Rounded to whole seconds A costs 44 and B, C 43: whole seconds would pick a tour 1.4 % longer.
    d = np.zeros((4, 4))
    for (a, b), s in {(0, 1): 10.6, (1, 2): 10.6, (2, 3): 10.6, (3, 0): 10.6, (1, 3): 10.4, (2, 0): 11.4}.items():
        d[a, b] = d[b, a] = s
    tours = {(0, 1, 2, 3): "A", (0, 1, 3, 2): "B", (0, 2, 1, 3): "C"}

    def length(order, m):
        return sum(m[a, b] for a, b in zip(order, [*order[1:], order[0]], strict=True))

    assert {name: round(length(t, np.rint(d))) for t, name in tours.items()} == {"A": 44, "B": 43, "C": 43}
    rounded = solver.solve(np.rint(d), d, seconds=0.2)  # what the model did with whole seconds
    assert rounded.routes[0].duration_s == 43
    result = solver.solve(d, d, seconds=0.2)
    order = [0, *[v.stop + 1 for v in result.routes[0].visits]]
    assert order in ([0, 1, 2, 3], [0, 3, 2, 1])
    assert result.routes[0].duration_s == pytest.approx(42.4)
    assert result.routes[0].visits[0].arrival_s == pytest.approx(10.6)  # no rounding in the schedule either


def balanced_case():
    # a symmetric case: the start in the middle, a cluster of four stops 5 km east (100 m apart, a square),
    # an hour at each stop, no day limit. Minimising the total time sends one team to all four stops
    # (about 4 h 21 min, the other team stays home); the balanced optimum sends each team to one side of the
    # square: two stops each, about 2 h 17 min per team at 36 km/h.
    pts = [(0, 0), (5000, 0), (5000, 100), (5100, 0), (5100, 100)]
    d = euclid(pts) / 10.0  # 36 km/h = 10 m/s
    return pts, d


def test_balance_splits_a_small_symmetric_case_evenly():
    pts, d = balanced_case()
    service = [3600] * 4
    unbalanced = solver.solve(d, d * 10, service_s=service, priority=[10] * 4, teams=2, seconds=0.6,
                              balance=False)
    days = sorted(r.duration_s for r in unbalanced.routes)
    assert days[0] == 0 and days[1] > 4 * 3600  # one team does everything
    result = solver.solve(d, d * 10, service_s=service, priority=[10] * 4, teams=2, seconds=0.6)  # on by default
    assert result.dropped == [] and result.collected == 40 and result.balanced
    assert sorted(len(r.visits) for r in result.routes) == [2, 2]
    # the balanced optimum: two neighbouring stops each, and of those splits the least total time
    pairs = [((1, 2), (3, 4)), ((1, 3), (2, 4)), ((1, 4), (2, 3))]
    best = min(sum(d[0, a] + d[a, b] + d[b, 0] for a, b in split) for split in pairs)
    assert sum(r.duration_s for r in result.routes) == pytest.approx(4 * 3600 + best, abs=0.2)


def held_karp(d):
    """The optimal closed tour length through every point (dynamic programming, small n only)."""
    n = len(d)
    best = {(1 << k, k): d[0][k] for k in range(1, n)}
    for size in range(2, n):
        for subset in itertools.combinations(range(1, n), size):
            bits = sum(1 << k for k in subset)
            for k in subset:
                rest = bits & ~(1 << k)
                best[(bits, k)] = min(best[(rest, j)] + d[j][k] for j in subset if j != k)
    full = sum(1 << k for k in range(1, n))
    return min(best[(full, k)] + d[k][0] for k in range(1, n))


@pytest.mark.parametrize("instance", [1, 2, 3])
def test_symmetric_search_finds_the_optimal_tour_of_eleven_stops(instance):
    rng = np.random.default_rng(instance)
    d = euclid(rng.uniform(0, 1000, (12, 2))).astype(float)
    start = [0, *rng.permutation(np.arange(1, 12)).tolist()]
    found = tour.improve_symmetric(start, d, 0.5, seed=instance)
    assert found[0] == 0 and sorted(found) == list(range(12))
    assert tour.route_cost(found, d) == pytest.approx(held_karp(d))


def test_single_tour_through_the_solver_is_optimal_on_eleven_stops():
    rng = np.random.default_rng(11)
    d = euclid(rng.uniform(0, 1000, (12, 2)))
    result = solver.solve(d, d, seconds=0.5, objective="distance", polish=True)
    assert result.routes[0].distance_m == held_karp(d)


def test_kicks_improve_on_the_local_optimum_and_the_best_tour_is_returned(monkeypatch):
    # 120 random stops: plain 2-opt/Or-opt stops at a local optimum that the kicked search improves on; with the
    # acceptance reopened after every kick (the search wanders above the best) the best tour is still what returns
    rng = np.random.default_rng(5)
    d = euclid(rng.uniform(0, 10_000, (120, 2))).astype(float)
    start = list(range(120))
    local = tour.route_cost(tour.local_search(start, d), d)
    kicked = tour.improve_symmetric(start, d, 1.0, seed=0)
    assert sorted(kicked) == start and kicked[0] == 0
    assert tour.route_cost(kicked, d) < local
    monkeypatch.setattr(tour, "STALL", 1)
    monkeypatch.setattr(tour, "SLACK", 0.2)
    wandering = tour.improve_symmetric(start, d, 0.5, seed=0)
    assert sorted(wandering) == start and wandering[0] == 0
    assert tour.route_cost(wandering, d) < local


def test_the_solver_gets_only_what_the_matrix_left_of_the_time(monkeypatch):
    # a matrix that took 8 of the 10 seconds (on a fake clock): the solver is given less than the 2 left
    from types import SimpleNamespace

    from planning import planner, routing

    clock = [1000.0]
    monkeypatch.setattr(planner, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    def slow_matrix(points, speed_kmh=None):
        clock[0] += 8.0
        return routing.straight_matrix(points, speed_kmh)

    given = []
    real_solve = solver.solve

    def solve(*args, seconds, **kwargs):
        given.append(seconds)
        return real_solve(*args, seconds=0.05, **kwargs)

    monkeypatch.setattr(planner.routing, "matrix", slow_matrix)
    monkeypatch.setattr(planner.solver, "solve", solve)
    points = [(100.0, 0.0), (100.01, 0.0), (100.01, 0.01), (100.0, 0.01)]
    planned = planner.plan(points, service_s=[0] * 3, priority=[1] * 3, seconds=10.0)
    assert 0 < given[0] <= 2.0 - planner.line_reserve(10.0, 1, "haversine")
    assert sorted(v.stop for v in planned.lines[0].route.visits) == [0, 1, 2]


def test_more_teams_keep_more_time_for_their_road_lines_but_never_most_of_it():
    assert planner_reserve(10, 1) == 1.0
    assert planner_reserve(25, 5) == 2.5
    assert planner_reserve(5, 20) == 1.0  # a fifth of the time at most
    assert planner_reserve(10, 1, "haversine") < 0.2


def planner_reserve(seconds, teams, source="roads"):
    from planning import planner

    return planner.line_reserve(seconds, teams, source)
