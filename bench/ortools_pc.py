"""The comparison solver for the benchmark only: OR-Tools' routing library on the same prize-collecting model
(a disjunction per optional stop with its prize as the penalty for leaving it out, a time dimension capped at the
working day), in its best configuration: the travel times as a transit matrix (RegisterTransitMatrix, no Python
callback) in the product's unit (hundredths of a second), guided local search for the same time limit."""
import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

UNIT = 100  # as planning.solver


def solve(durations, service_s, prize, teams, max_duration_s, seconds):
    """durations in seconds (float), prize in seconds of team time. Returns (routes as lists of stop indices
    0-based, feasible)."""
    n = len(durations) - 1
    service = np.array([0, *service_s], dtype=float)
    transit = np.rint((np.asarray(durations, float) + service[:, None]) * UNIT).astype(np.int64)
    np.fill_diagonal(transit, 0)
    manager = pywrapcp.RoutingIndexManager(n + 1, teams, 0)
    routing = pywrapcp.RoutingModel(manager)
    cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    routing.AddDimension(cb, 0, int(max_duration_s * UNIT), True, "time")
    for i in range(n):
        routing.AddDisjunction([manager.NodeToIndex(i + 1)], int(prize[i] * UNIT))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    found = routing.SolveWithParameters(params)
    if found is None:
        return [], False
    routes = []
    for v in range(teams):
        index, route = routing.Start(v), []
        index = found.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index) - 1)
            index = found.Value(routing.NextVar(index))
        routes.append(route)
    return routes, True
