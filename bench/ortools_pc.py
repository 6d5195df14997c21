"""The comparison solver for the benchmark only: OR-Tools' routing library on the same prize-collecting model
(a disjunction per optional stop with its prize as the penalty for leaving it out, a time dimension capped at the
working day), guided local search for the same time limit."""
import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2


def solve(durations, service_s, prize, teams, max_duration_s, seconds):
    """Returns (routes as lists of stop indices 0-based, feasible)."""
    durations = np.asarray(durations, dtype=np.int64)
    n = len(durations) - 1
    manager = pywrapcp.RoutingIndexManager(n + 1, teams, 0)
    routing = pywrapcp.RoutingModel(manager)
    service = [0, *[int(s) for s in service_s]]

    def transit(i, j):
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(durations[a, b]) + service[a]

    cb = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    routing.AddDimension(cb, 0, int(max_duration_s), True, "time")
    for i in range(n):
        routing.AddDisjunction([manager.NodeToIndex(i + 1)], int(prize[i]))
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
