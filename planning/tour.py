"""Improving one route's order: 2-opt and Or-opt moves, and an iterated local search around them.

PyVRP's local search (0.14 too) moves and swaps stops and segments between and within routes but has no intra-route
2-opt (segment reversal), which is what closes the last percents on single-tour (TSP) instances. These moves keep
the set of stops of a route and only shorten it, so a route that met its working-day limit still meets it.

A route is a list of matrix indices that starts at the depot (index 0 of the list) and returns to it; costs may be
asymmetric (road travel times), so a reversed segment is priced on its reversed arcs.
"""
import random
import time

import numpy as np

EPS = 1e-9
HISTORY = 100  # late-acceptance history of improve_symmetric, in kicks
KICK_SPAN = 50  # a kick's three cuts lie within this many positions of the tour
STALL = 1000  # kicks without a shorter tour before the acceptance is opened again …
SLACK = 0.01  # … to this much above the best tour


def route_cost(route, cost):
    closed = np.append(route, route[0])
    return float(cost[closed[:-1], closed[1:]].sum())


def _two_opt(t, cost):
    """One improving 2-opt move (the best for the first position that has one); True when it moved."""
    n = len(t) - 1  # t is closed: t[-1] == t[0]
    fwd = cost[t[:-1], t[1:]]
    bwd = cost[t[1:], t[:-1]]
    f = np.concatenate([[0.0], np.cumsum(fwd)])
    b = np.concatenate([[0.0], np.cumsum(bwd)])
    for i in range(1, n - 1):
        j = np.arange(i + 1, n)
        old = cost[t[i - 1], t[i]] + (f[j] - f[i]) + cost[t[j], t[j + 1]]
        new = cost[t[i - 1], t[j]] + (b[j] - b[i]) + cost[t[i], t[j + 1]]
        d = new - old
        k = int(np.argmin(d))
        if d[k] < -EPS:
            jj = int(j[k])
            t[i:jj + 1] = t[i:jj + 1][::-1].copy()
            return True
    return False


def _or_opt(t, cost):
    """One improving Or-opt move: a segment of 1 to 3 stops moved elsewhere, kept or reversed."""
    n = len(t) - 1
    for length in (1, 2, 3):
        for i in range(1, n - length + 1):
            seg = t[i:i + length]
            a, z = t[i - 1], t[i + length]
            inner = float(cost[seg[:-1], seg[1:]].sum()) if length > 1 else 0.0
            inner_rev = float(cost[seg[1:], seg[:-1]].sum()) if length > 1 else 0.0
            removed = cost[a, seg[0]] + inner + cost[seg[-1], z] - cost[a, z]
            rest = np.concatenate([t[:i], t[i + length:]])  # closed tour without the segment
            p, q = rest[:-1], rest[1:]
            gain_keep = cost[p, seg[0]] + inner + cost[seg[-1], q] - cost[p, q]
            gain_rev = cost[p, seg[-1]] + inner_rev + cost[seg[0], q] - cost[p, q]
            best = np.minimum(gain_keep, gain_rev)
            k = int(np.argmin(best))
            if best[k] - removed < -EPS:
                piece = seg if gain_keep[k] <= gain_rev[k] else seg[::-1]
                t[:] = np.concatenate([rest[:k + 1], piece, rest[k + 1:]])
                return True
    return False


def local_search(route, cost, deadline=None):
    """2-opt and Or-opt until neither improves (or the deadline passes). Returns the new route (depot first)."""
    if len(route) < 4:
        return list(route)
    t = np.append(np.asarray(route, dtype=np.int64), route[0])
    while deadline is None or time.monotonic() < deadline:
        if _two_opt(t, cost):
            continue
        if not _or_opt(t, cost):
            break
    return [int(x) for x in t[:-1]]


def improve(route, cost, seconds, seed=0):
    """Iterated local search: local optimum, then repeatedly a local double-bridge kick and local search again,
    keeping the better tour, until `seconds` have passed. Deterministic for a seed (up to the time limit)."""
    deadline = time.monotonic() + seconds
    best = local_search(route, cost, deadline)
    best_cost = route_cost(best, cost)
    n = len(best)
    if n < 8:
        return best
    rng = np.random.default_rng(seed)
    while time.monotonic() < deadline:
        # a double bridge inside a window of the tour: three cuts close together, the two middle pieces swapped
        window = min(n - 1, 30)
        start = int(rng.integers(1, n - window + 1)) if n - 1 > window else 1
        cuts = np.sort(rng.choice(np.arange(start + 1, start + window), size=3, replace=False))
        a, b, c = (int(x) for x in cuts)
        kicked = best[:a] + best[b:c] + best[a:b] + best[c:]
        candidate = local_search(kicked, cost, deadline)
        candidate_cost = route_cost(candidate, cost)
        if candidate_cost < best_cost - EPS:
            best, best_cost = candidate, candidate_cost
    return best


def improve_symmetric(route, cost, seconds, seed=0, neighbours=10):
    """Iterated local search for symmetric costs (the TSP benchmark, straight-line plans), in plain Python:
    best-improvement 2-opt and Or-opt moves over each stop's nearest neighbours with don't-look bits (a queue of
    the stops whose edges changed), kicked by small double bridges. Late acceptance keeps a kicked tour when it is
    no longer than the tour kept HISTORY kicks ago; after STALL kicks without a shorter tour the acceptance opens
    again to SLACK above the best. Returns the best route, depot first."""
    n = len(route)
    if n < 5:
        return list(route)
    deadline = time.monotonic() + seconds
    idx = np.asarray(route, dtype=np.int64)
    local = np.asarray(cost, dtype=float)[np.ix_(idx, idx)]
    d = local.tolist()
    near = np.argsort(local + np.diag(np.full(n, np.inf)), axis=1)[:, :min(neighbours, n - 1)].tolist()
    tour = list(range(n))
    pos = list(range(n))

    def reverse(i, j):  # positions i..j (cyclic, inclusive), or the complement when shorter: the same cycle
        inner = (j - i) % n + 1
        if 2 * inner > n:
            i, j, inner = (j + 1) % n, (i - 1) % n, n - inner
        for s in range(inner // 2):
            a, b = (i + s) % n, (j - s) % n
            tour[a], tour[b] = tour[b], tour[a]
            pos[tour[a]], pos[tour[b]] = a, b

    # tour[k + 1 - n] is the successor of position k and tour[k - 1] its predecessor, without a modulo
    def two_opt(a):
        """The best 2-opt move that replaces an edge at a by one to a near neighbour."""
        pa, da = pos[a], d[a]
        best, best_delta = None, -EPS
        b = tour[pa + 1 - n]  # a → b becomes a → c, b → e: the piece b … c reversed
        dab, db = da[b], d[b]
        for c in near[a]:
            dac = da[c]
            if dac >= dab:
                break
            e = tour[pos[c] + 1 - n]
            if e != a:
                delta = dac + db[e] - dab - d[c][e]
                if delta < best_delta:
                    best, best_delta = (True, b, c, e), delta
        b = tour[pa - 1]  # b → a becomes c → a, e → b: the piece a … e reversed
        dab, db = da[b], d[b]
        for c in near[a]:
            dac = da[c]
            if dac >= dab:
                break
            e = tour[pos[c] - 1]
            if e != a:
                delta = dac + db[e] - dab - d[c][e]
                if delta < best_delta:
                    best, best_delta = (False, b, c, e), delta
        if best is None:
            return 0.0, None
        forward, b, c, e = best
        if forward:
            reverse(pos[b], pos[c])
        else:
            reverse(pa, pos[e])
        return best_delta, (a, b, c, e)

    def or_opt(a):
        """The segment of 1 to 3 stops that starts at a moved between two neighbours of its ends, kept or
        reversed: the best such move for the first length that has one."""
        first = pos[a]
        p = tour[first - 1]
        dp = d[p]
        for length in (1, 2, 3):
            if length > n - 3:
                break
            last = tour[(first + length - 1) % n]
            q = tour[(first + length) % n]
            seg = tuple(tour[(first + k) % n] for k in range(length))
            dlast = d[last]
            removed = dp[a] + dlast[q] - dp[q]
            if removed <= EPS:
                continue
            best, best_delta = None, -EPS
            for end in ((a,) if length == 1 else (a, last)):
                dend = d[end]
                for c in near[end]:
                    if dend[c] >= removed:
                        break
                    if c in seg:
                        continue
                    pc = pos[c]
                    for left, right in ((c, tour[pc + 1 - n]), (tour[pc - 1], c)):
                        if left in seg or right in seg:
                            continue
                        dl, dr = d[left], d[right]
                        keep = dl[a] + dlast[right]
                        flip = dl[last] + dr[a]
                        delta = (keep if keep <= flip else flip) - dl[right] - removed
                        if delta < best_delta:
                            best, best_delta = (left, flip < keep), delta
            if best:
                left, flipped = best
                rest = [x for x in tour if x not in seg]
                k = rest.index(left)
                piece = list(seg[::-1] if flipped else seg)
                tour[:] = rest[:k + 1] + piece + rest[k + 1:]
                for i, x in enumerate(tour):
                    pos[x] = i
                return best_delta, (p, q, left, *seg)
        return 0.0, None

    def local_opt(active):
        queue = list(active)
        queued = set(queue)
        gain = 0.0
        while queue:
            if time.monotonic() > deadline:
                break
            a = queue.pop()
            queued.discard(a)
            delta, touched = two_opt(a)
            if touched is None:
                delta, touched = or_opt(a)
            if touched is not None:
                gain += delta
                for x in (a, *touched):
                    if x not in queued:
                        queue.append(x)
                        queued.add(x)
        return gain

    current = route_cost(list(range(n)), local)
    current += local_opt(range(n))
    best, best_cost = tour[:], current
    kept, kept_cost = tour[:], current
    history = [current] * HISTORY
    rng = random.Random(seed)
    kicks = stalled = 0
    while time.monotonic() < deadline:
        kicks += 1
        start = rng.randrange(n)
        x, y, z = sorted(rng.sample(range(1, min(n - 1, KICK_SPAN) + 1), 3))
        rotated = tour[start:] + tour[:start]
        a_, b_, c_, d_ = rotated[:x], rotated[x:y], rotated[y:z], rotated[z:]
        ends = [a_[-1], b_[0], b_[-1], c_[0], c_[-1], d_[0] if d_ else a_[0]]
        before = d[a_[-1]][b_[0]] + d[b_[-1]][c_[0]] + d[c_[-1]][ends[5]]
        after = d[a_[-1]][c_[0]] + d[c_[-1]][b_[0]] + d[b_[-1]][ends[5]]
        tour[:] = a_ + c_ + b_ + d_
        for i, v in enumerate(tour):
            pos[v] = i
        current += after - before
        current += local_opt(ends)
        if current < best_cost - EPS:
            best, best_cost = tour[:], current
            stalled = 0
        else:
            stalled += 1
            if stalled >= STALL:  # the acceptance has closed in on the kept tour: open it again
                history = [best_cost * (1 + SLACK)] * HISTORY
                stalled = 0
        # late acceptance: the new tour is kept when it is no longer than the tour kept HISTORY kicks ago (or
        # than the one kept now), so the search can cross ridges that an improve-only search cannot
        h = kicks % HISTORY
        if current <= history[h] + EPS or current <= kept_cost + EPS:
            kept, kept_cost = tour[:], current
        else:
            tour[:] = kept
            for i, v in enumerate(tour):
                pos[v] = i
            current = kept_cost
        history[h] = min(history[h], kept_cost)
    k = best.index(0)
    best = best[k:] + best[:k]
    return [int(idx[v]) for v in best]
