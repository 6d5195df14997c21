"""A deterministic synthetic geography for demos and benchmarks (示例数据, clearly labelled as such).

`build(villages, seed)` yields one `DistrictData` per district, pure geometry and names (no database);
`generate(...)` writes them (`python manage.py generate_demo`). The default is one district, 闵行区（示例）
310112, about 15 × 12 km around lon 121.40, lat 31.05, with 4 towns, 44 villages and about 220 grids.
Larger sets (`villages=10_000`) become several districts of about 400 villages in towns of about 40,
placed side by side as separate islands; district codes after 310112 are 319001, 319002, ...

How a district is drawn (in a local transverse-Mercator metre frame, converted to WGS-84 at the end):
1. villages: Voronoi cells of Lloyd-relaxed random seeds; the district is the n cells with the smallest
   noisy elliptic distance, grown from the centre (contiguous, holes filled), so its outline is irregular;
2. towns: k-means of the village seeds, repaired so that every town is contiguous;
3. grids: 4 to 6 Lloyd-relaxed seeds per village, their Voronoi cells clipped to the village;
4. the grid cells are noded once (snap rounding to 0.1 m): each shared edge then exists once, as segments;
5. each segment is made wiggly once, as the graph of a noise function over its chord, inside a lens that
   no other segment's lens touches (narrow cones at shared nodes, a width below 0.4 × the distance to
   any other segment), so every ring stays simple; the rings of all four levels are rebuilt from the same
   wiggly segments, so neighbours share their borders exactly and parents are exact unions of children;
6. roads: a few arterials across the district plus a Gabriel graph of village centres (with bends), noded
   at crossings; node ids come from the coordinates (district code × 10^7 + rank of the node).
"""
import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Geod, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, cKDTree

from geo import scope

ORIGIN_LON, ORIGIN_LAT = 121.40, 31.05
LOCAL_CRS = f"+proj=tmerc +lat_0={ORIGIN_LAT} +lon_0={ORIGIN_LON} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
SNAP = 0.1  # metres: nodes of the partition and of the road network sit on this grid

DEFAULT_VILLAGES = 44
DEFAULT_SEED = 1
VILLAGES_PER_DISTRICT = 400
VILLAGE_AREA = 3.2e6  # m², so that the default district is about 15 × 12 km
ASPECT = 1.25  # east-west over north-south extent of a district
FIRST_DISTRICT = ("310112", "闵行区（示例）")
EXTRA_DISTRICT_PREFIX = "3190"  # 319001, 319002, ...: no real district has these codes
NODE_ID_FACTOR = 10_000_000  # road node id = district code × this + rank
SPEED = {"arterial": 50 / 3.6, "village": 25 / 3.6}  # m/s

# Boundary detail, by the kind of edge: 0 = between grids of one village, 1 = village (or higher) border.
SPACING = {0: 25.0, 1: 10.0}  # metres between vertices
WIDTH = {0: 30.0, 1: 100.0}  # the largest sideways excursion from the straight edge
MAX_CONE = math.radians(35)  # how steeply a border may leave a node
OCTAVES = ((650.0, 1.0), (220.0, 0.55), (70.0, 0.3), (22.0, 0.12))  # (wavelength m, amplitude)

_TOWN_A = "华梅莘颛纪航虹泗洞枫亭叶朱柘漕钱"
_TOWN_B = "漕陇庄泾塘浜港桥溪舍汇泽"
_VILLAGE_A = "联新永光友红建民和胜丰兴长东西南北中同金星朝前跃立合群安富利农先卫华"
_VILLAGE_B = "明华丰光好星联胜利民建强一二三四五六新进盛泾浜塘桥港"
_DISTRICT_A = "东西南北淀泖澄沙滨湖"
_DISTRICT_B = "滩塘湾泾港浦林桥"
_SURNAMES = "张王李赵陈杨黄吴周徐孙朱沈顾陆蔡钱曹金姚"
_GIVEN = ("建国", "秀英", "卫东", "丽华", "志强", "美芳", "国平", "红梅", "文杰", "海燕", "永明", "金凤",
          "伟", "敏", "军", "静", "磊", "洁", "勇", "霞", "建华", "玉兰", "德明", "桂英")
_DIGITS = "零一二三四五六七八九"


@dataclass
class AreaData:
    code: str
    name: str
    boundary: object  # shapely MultiPolygon, EPSG:4326
    parent: str = ""
    leader: str = ""


@dataclass
class RoadData:
    source: int
    target: int
    length_m: float
    cost: float
    reverse_cost: float
    kind: str
    name: str
    geom: object  # shapely LineString, EPSG:4326


@dataclass
class DistrictData:
    district: AreaData
    towns: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    grids: list = field(default_factory=list)
    roads: list = field(default_factory=list)

    def vertices_per_village(self):
        return float(np.mean(shapely.get_num_coordinates([v.boundary for v in self.villages])))


@dataclass
class DistrictPlan:
    index: int
    code: str
    name: str
    villages: int
    centre: tuple  # metres in the local frame


def cn_number(n):
    """1 → 一, 12 → 十二, 35 → 三十五 (up to 99), larger numbers in digits."""
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


def plan(villages=DEFAULT_VILLAGES):
    """Which districts a set of `villages` villages makes: codes, names, sizes and centres."""
    if villages < 1:
        raise ValueError("at least one village")
    count = max(1, math.ceil(villages / VILLAGES_PER_DISTRICT))
    if count > 100:
        raise ValueError(f"at most {100 * VILLAGES_PER_DISTRICT} villages")
    sizes = [villages // count + (1 if i < villages % count else 0) for i in range(count)]
    half_x, half_y = _half_axes(max(sizes))
    step_x, step_y = 2 * 1.45 * half_x + 4000, 2 * 1.45 * half_y + 4000
    side = math.ceil(math.sqrt(count)) + 2
    cells = sorted(
        ((i, j) for i in range(-side, side + 1) for j in range(-side, side + 1)),
        key=lambda ij: (ij[0] ** 2 + ij[1] ** 2, math.atan2(ij[1], ij[0])),
    )
    names = [a + b for a in _DISTRICT_A for b in _DISTRICT_B]
    out = []
    for index, size in enumerate(sizes):
        if index == 0:
            code, name = FIRST_DISTRICT
        else:
            code, name = f"{EXTRA_DISTRICT_PREFIX}{index:02d}", f"{names[index - 1]}区（示例）"
        i, j = cells[index]
        out.append(DistrictPlan(index, code, name, size, (i * step_x, j * step_y)))
    return out


def district_codes(villages=DEFAULT_VILLAGES):
    return [p.code for p in plan(villages)]


def build(villages=DEFAULT_VILLAGES, seed=DEFAULT_SEED) -> Iterator[DistrictData]:
    """The districts of the demo geography, one at a time (same arguments → identical output)."""
    to_wgs = Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)
    for p in plan(villages):
        yield build_district(p, seed, to_wgs)


def _half_axes(n):
    half_y = math.sqrt(n * VILLAGE_AREA / (math.pi * ASPECT))
    return ASPECT * half_y, half_y


def _rng(seed, index, stream):
    return np.random.default_rng(np.random.SeedSequence([seed, index, stream]))


# ---------------------------------------------------------------------------------------------- villages


def _lloyd(points, clip, iterations):
    """Move points to the centroids of their Voronoi cells (clipped to `clip`) a few times."""
    for it in range(iterations + 1):
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(points), extend_to=clip, ordered=True)
        )
        cells = shapely.intersection(cells, clip)
        if it < iterations:
            points = shapely.get_coordinates(shapely.centroid(cells))
    return points, cells


def _neighbours(points):
    indptr, indices = Delaunay(points).vertex_neighbor_vertices
    return [indices[indptr[i]:indptr[i + 1]] for i in range(len(points))]


def _connected(members, nbrs):
    members = set(members)
    if not members:
        return True
    start = next(iter(members))
    seen, stack = {start}, [start]
    while stack:
        for j in nbrs[stack.pop()]:
            j = int(j)
            if j in members and j not in seen:
                seen.add(j)
                stack.append(j)
    return len(seen) == len(members)


def _select_district(points, nbrs, rank, n, hull):
    """n contiguous cells without holes, grown from the lowest rank, preferring low ranks."""
    start = int(np.argmin(rank))
    chosen, heap = {start}, [(rank[j], int(j)) for j in nbrs[start]]
    heapq.heapify(heap)
    while len(chosen) < n and heap:
        _, j = heapq.heappop(heap)
        if j not in chosen:
            chosen.add(j)
            for k in nbrs[j]:
                if int(k) not in chosen:
                    heapq.heappush(heap, (rank[k], int(k)))
    for _ in range(20):
        outside = set(int(h) for h in hull if int(h) not in chosen)
        stack = list(outside)
        while stack:
            for k in nbrs[stack.pop()]:
                k = int(k)
                if k not in chosen and k not in outside:
                    outside.add(k)
                    stack.append(k)
        holes = set(range(len(points))) - chosen - outside
        chosen |= holes
        if len(chosen) == n:
            break
        # too many after filling holes: drop border cells with the highest rank while staying contiguous
        border = sorted(
            (c for c in chosen if any(int(k) in outside for k in nbrs[c])), key=lambda c: -rank[c]
        )
        for c in border:
            if len(chosen) == n:
                break
            if _connected(chosen - {c}, nbrs):
                chosen.discard(c)
        if len(chosen) == n:
            break
    return np.array(sorted(chosen))


def _kmeans(points, k, rng, iterations=30):
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        d2 = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(points[rng.choice(len(points), p=d2 / d2.sum())])
    centres = np.array(centres)
    for _ in range(iterations):
        labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for c in range(k):
            if np.any(labels == c):
                centres[c] = points[labels == c].mean(axis=0)
    return np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)


def _contiguous_groups(labels, nbrs):
    """Reassign pieces of a group cut off from its main part to the neighbouring group they touch most."""
    labels = labels.copy()
    for _ in range(50):
        changed = False
        for g in np.unique(labels):
            members = set(np.flatnonzero(labels == g).tolist())
            parts = []
            while members:
                start = members.pop()
                part, stack = {start}, [start]
                while stack:
                    for j in nbrs[stack.pop()]:
                        j = int(j)
                        if j in members:
                            members.discard(j)
                            part.add(j)
                            stack.append(j)
                parts.append(part)
            if len(parts) < 2:
                continue
            parts.sort(key=lambda p: (-len(p), min(p)))
            for part in parts[1:]:
                votes = {}
                for i in part:
                    for j in nbrs[i]:
                        if labels[j] != g:
                            votes[int(labels[j])] = votes.get(int(labels[j]), 0) + 1
                if votes:
                    target = max(sorted(votes), key=lambda t: votes[t])
                    labels[list(part)] = target
                    changed = True
        if not changed:
            break
    return labels


def _reading_order(xy, row):
    """Indices sorted north to south in rows of `row` metres, west to east within a row."""
    return np.lexsort((xy[:, 0], -np.round(xy[:, 1] / row)))


# ---------------------------------------------------------------------------------------------- boundaries


def _keys(xy):
    ij = np.rint(np.asarray(xy) / SNAP).astype(np.int64) + (1 << 30)
    return ij[:, 0] * (1 << 31) + ij[:, 1]


class _Linework:
    """The noded edges of a partition: nodes, segments and, once wiggled, the points inside each segment."""

    def __init__(self, lines):
        parts = shapely.get_parts(lines)
        coords, idx = shapely.get_coordinates(parts, return_index=True)
        same = idx[1:] == idx[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        both = np.concatenate([a, b])
        self.node_keys, inverse = np.unique(_keys(both), return_inverse=True)
        self.node_xy = np.empty((len(self.node_keys), 2))
        self.node_xy[inverse] = both
        ua, ub = inverse[: len(a)], inverse[len(a):]
        n = len(self.node_keys)
        self.seg_keys = np.unique(np.minimum(ua, ub) * n + np.maximum(ua, ub))
        self.u, self.v = self.seg_keys // n, self.seg_keys % n
        self.kind = np.zeros(len(self.seg_keys), dtype=np.int8)

    def nodes_of(self, xy):
        keys = _keys(xy)
        pos = np.minimum(np.searchsorted(self.node_keys, keys), len(self.node_keys) - 1)
        if np.any(self.node_keys[pos] != keys):
            raise RuntimeError("a ring vertex is not a node of the linework")
        return pos

    def segments_of(self, a, b):
        n = len(self.node_keys)
        keys = np.minimum(a, b) * n + np.maximum(a, b)
        pos = np.searchsorted(self.seg_keys, keys)
        pos_c = np.minimum(pos, len(self.seg_keys) - 1)
        if np.any(self.seg_keys[pos_c] != keys):
            raise RuntimeError("a ring edge is not a segment of the linework")
        return pos_c

    def rings(self, geoms):
        """Ragged rings of polygons as node ids: (MultiPolygon offsets, ring node ids, ring offsets)."""
        parts, idx = shapely.get_parts(geoms, return_index=True)
        multi = shapely.multipolygons(parts, indices=idx)
        _, coords, (ring_off, poly_off, multi_off) = shapely.to_ragged_array(multi)
        return coords, ring_off, poly_off, multi_off

    def mark(self, geoms, kind):
        coords, ring_off, _, _ = self.rings(geoms)
        nodes = self.nodes_of(coords)
        last = np.zeros(len(nodes), dtype=bool)
        last[ring_off[1:] - 1] = True
        a, b = nodes[:-1][~last[:-1]], nodes[1:][~last[:-1]]
        seg = self.segments_of(a, b)
        self.kind[seg] = np.maximum(self.kind[seg], kind)

    def wiggle(self, rng):
        """Choose the points inside every segment (see the module docstring for why rings stay simple)."""
        A, B = self.node_xy[self.u], self.node_xy[self.v]
        d = B - A
        length = np.hypot(d[:, 0], d[:, 1])
        m = len(length)
        # the smallest angle to another segment at each end
        ang_u = np.arctan2(d[:, 1], d[:, 0])
        ang_v = np.arctan2(-d[:, 1], -d[:, 0])
        inc_node = np.concatenate([self.u, self.v])
        inc_ang = np.concatenate([ang_u, ang_v])
        order = np.lexsort((inc_ang, inc_node))
        nodes, angs = inc_node[order], inc_ang[order]
        starts = np.r_[0, np.flatnonzero(np.diff(nodes)) + 1]
        counts = np.diff(np.r_[starts, len(nodes)])
        group = np.repeat(np.arange(len(starts)), counts)
        first, lastpos = starts[group], starts[group] + counts[group] - 1
        pos = np.arange(len(nodes))
        nxt = np.where(pos == lastpos, first, pos + 1)
        prv = np.where(pos == first, lastpos, pos - 1)
        gap = np.minimum((angs[nxt] - angs) % (2 * np.pi), (angs - angs[prv]) % (2 * np.pi))
        gap = np.where(counts[group] == 1, 2 * np.pi, gap)
        theta = np.empty(2 * m)
        theta[order] = gap
        tan_u = np.tan(np.minimum(MAX_CONE, 0.45 * theta[:m]))
        tan_v = np.tan(np.minimum(MAX_CONE, 0.45 * theta[m:]))
        # the lens each segment may use: cones at both ends, at most `width` to either side, and no two
        # lenses of segments without a common node may meet (halve both widths until they do not)
        width = np.minimum(np.where(self.kind >= 1, WIDTH[1], WIDTH[0]), 0.15 * length)
        apex_t = tan_v / (tan_u + tan_v)
        width = np.minimum(width, tan_u * apex_t * length)
        for _ in range(16):
            lens = self._lenses(A, d, length, tan_u, tan_v, width)
            i, j = shapely.STRtree(lens).query(lens, predicate="intersects")
            clash = (i < j) & (self.u[i] != self.u[j]) & (self.u[i] != self.v[j]) & (self.v[i] != self.u[j])
            clash &= (self.v[i] != self.v[j]) & (width[i] > 0) & (width[j] > 0)
            if not clash.any():
                break
            shrink = np.unique(np.concatenate([i[clash], j[clash]]))
            width[shrink] = np.where(width[shrink] < 0.5, 0.0, width[shrink] / 2)
        else:
            raise RuntimeError("could not separate the boundary lenses")
        # points: evenly spaced along the chord, pushed sideways by smooth noise inside the lens
        spacing = np.where(self.kind >= 1, SPACING[1], SPACING[0])
        inner = np.maximum(np.ceil(length / spacing).astype(np.int64) - 1, 0)
        inner[width <= 0] = 0
        self.offsets = np.r_[0, np.cumsum(inner)]
        seg = np.repeat(np.arange(m), inner)
        k = np.arange(len(seg)) - self.offsets[seg] + 1
        t = k / (inner[seg] + 1)
        s = t * length[seg]
        noise = np.zeros(len(seg))
        total = 0.0
        for wavelength, amplitude in OCTAVES:
            knots = np.floor(length / wavelength).astype(np.int64) + 3
            base = np.r_[0, np.cumsum(knots)]
            values = rng.standard_normal(base[-1])
            phase = rng.random(m) * wavelength
            x = (s + phase[seg]) / wavelength
            cell = np.floor(x).astype(np.int64)
            f = x - cell
            f = f * f * (3 - 2 * f)
            at = base[seg] + cell
            noise += amplitude * (values[at] * (1 - f) + values[at + 1] * f)
            total += amplitude**2
        noise /= math.sqrt(total)
        envelope = np.minimum(np.minimum(tan_u[seg] * s, tan_v[seg] * (length[seg] - s)), width[seg])
        y = envelope * np.tanh(0.9 * noise)
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.maximum(length, 1e-12)[:, None]
        self.points = A[seg] + t[:, None] * d[seg] + y[:, None] * normal[seg]

    @staticmethod
    def _lenses(A, d, length, tan_u, tan_v, width):
        """Convex hexagons: the chord, widened to `width` with slopes tan_u and tan_v at its ends."""
        normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.maximum(length, 1e-12)[:, None]
        t1 = np.minimum(width / np.maximum(tan_u * length, 1e-12), 1.0)[:, None]
        t2 = 1 - np.minimum(width / np.maximum(tan_v * length, 1e-12), 1.0)[:, None]
        w = width[:, None] * normal
        B = A + d
        ring = np.stack([A, A + t1 * d + w, A + t2 * d + w, B, A + t2 * d - w, A + t1 * d - w, A], axis=1)
        return shapely.polygons(ring)

    def assemble(self, geoms, lonlat):
        """The polygons `geoms` (whose vertices are nodes) with every segment replaced by its wiggly version.

        `lonlat` holds the WGS-84 coordinates of the nodes followed by those of the inner points.
        """
        coords, ring_off, poly_off, multi_off = self.rings(geoms)
        nodes = self.nodes_of(coords)
        last = np.zeros(len(nodes), dtype=bool)
        last[ring_off[1:] - 1] = True
        keep = ~last[:-1]
        a, b = nodes[:-1][keep], nodes[1:][keep]
        ring = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off) - 1)
        seg = self.segments_of(a, b)
        forward = a == self.u[seg]
        inner = self.offsets[seg + 1] - self.offsets[seg]
        size = 1 + inner
        start = np.r_[0, np.cumsum(size)[:-1]]
        flat = np.empty(int(size.sum()), dtype=np.int64)
        flat[start] = a
        occ = np.repeat(np.arange(len(seg)), inner)
        j = np.arange(len(occ)) - np.repeat(np.r_[0, np.cumsum(inner)[:-1]], inner)
        n_nodes = len(self.node_keys)
        flat[start[occ] + 1 + j] = n_nodes + self.offsets[seg[occ]] + np.where(forward[occ], j, inner[occ] - 1 - j)
        ring_size = np.bincount(ring, weights=size, minlength=len(ring_off) - 1).astype(np.int64)
        ring_start = np.r_[0, np.cumsum(ring_size)[:-1]]
        flat = np.insert(flat, ring_start + ring_size, flat[ring_start])
        new_ring_off = np.r_[0, np.cumsum(ring_size + 1)]
        return shapely.from_ragged_array(
            shapely.GeometryType.MULTIPOLYGON, lonlat[flat], (new_ring_off, poly_off, multi_off)
        )


# ---------------------------------------------------------------------------------------------- district


def build_district(p: DistrictPlan, seed, to_wgs):
    n = p.villages
    cx, cy = p.centre
    rng = _rng(seed, p.index, 0)
    half_x, half_y = _half_axes(n)
    # 1. village seeds in a box 1.8 × the district's half axes, the district grown from the centre
    box = shapely.box(cx - 1.8 * half_x, cy - 1.8 * half_y, cx + 1.8 * half_x, cy + 1.8 * half_y)
    m = max(int(n * 4 * 1.8 * 1.8 / math.pi) + 12, n + 12)
    pts = np.column_stack([rng.uniform(cx - 1.8 * half_x, cx + 1.8 * half_x, m),
                           rng.uniform(cy - 1.8 * half_y, cy + 1.8 * half_y, m)])
    pts, cells = _lloyd(pts, box, 2)
    rel = (pts - (cx, cy)) / (half_x, half_y)
    angle = np.arctan2(rel[:, 1], rel[:, 0])
    wobble = np.ones(m)
    for k in range(2, 6):
        wobble += rng.uniform(0.02, 0.07) * (2 / k) * np.cos(k * angle + rng.uniform(0, 2 * np.pi))
    rank = np.hypot(rel[:, 0], rel[:, 1]) / wobble
    nbrs = _neighbours(pts)
    hull = np.unique(Delaunay(pts).convex_hull)
    chosen = _select_district(pts, nbrs, rank, n, hull)
    v_pts, v_cells = pts[chosen], cells[chosen]
    n = len(chosen)
    # 2. towns
    towns = min(n, max(3, min(round(n / 11), max(4, round(n / 40)))))
    local = {int(c): i for i, c in enumerate(chosen)}
    v_nbrs = [np.array([local[int(j)] for j in nbrs[c] if int(j) in local], dtype=np.int64) for c in chosen]
    labels = _kmeans(v_pts, towns, rng)
    labels = _contiguous_groups(labels, v_nbrs)
    groups = np.unique(labels)
    towns = len(groups)
    centres = np.array([v_pts[labels == g].mean(axis=0) for g in groups])
    town_order = groups[_reading_order(centres, 3000)]
    village_order = []
    for g in town_order:
        members = np.flatnonzero(labels == g)
        members = members[_reading_order(v_pts[members], 1500)]
        village_order.extend(members.tolist())
    village_order = np.array(village_order)
    v_pts, v_cells, labels = v_pts[village_order], v_cells[village_order], labels[village_order]
    remap = {int(g): t for t, g in enumerate(town_order)}
    town_of = np.array([remap[int(g)] for g in labels])  # town index of each village, in code order
    # 3. grids: 4 to 6 seeds per village (5 on average), Lloyd-relaxed inside the village
    per = 5 + np.resize(np.array([0, 1, -1]), n)
    rng.shuffle(per)
    g_pts = _points_inside(v_cells, per, rng)
    g_village = np.repeat(np.arange(n), per)
    for it in range(3):
        vor = shapely.voronoi_polygons(
            shapely.multipoints(g_pts, indices=g_village), extend_to=v_cells, ordered=True
        )
        g_cells = shapely.intersection(shapely.get_parts(vor), v_cells[g_village])
        if it < 2:
            g_pts = shapely.get_coordinates(shapely.centroid(g_cells))
    order = np.lexsort((g_pts[:, 0], -np.round(g_pts[:, 1] / 400), g_village))
    g_pts, g_cells, g_village = g_pts[order], g_cells[order], g_village[order]
    # 4. node the grid cells once; the faces are the grids
    lines = shapely.union_all(shapely.boundary(g_cells), grid_size=SNAP)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    label = shapely.point_on_surface(g_cells)
    hit_label, hit_face = shapely.STRtree(faces).query(label, predicate="within")
    if len(faces) != len(g_cells) or len(hit_label) != len(g_cells) or len(np.unique(hit_face)) != len(faces):
        raise RuntimeError(f"district {p.code}: grid faces do not match the grids")
    face_of = np.empty(len(g_cells), dtype=np.int64)
    face_of[hit_label] = hit_face
    grid_m = faces[face_of]
    village_m = np.array([shapely.coverage_union_all(grid_m[g_village == v]) for v in range(n)])
    town_m = np.array([shapely.coverage_union_all(village_m[town_of == t]) for t in range(towns)])
    district_m = np.array([shapely.coverage_union_all(town_m)])
    # 5. wiggle every segment once, rebuild every level from the same points
    work = _Linework(lines)
    work.mark(village_m, 1)
    work.wiggle(_rng(seed, p.index, 1))
    xy = np.concatenate([work.node_xy, work.points])
    lonlat = np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))
    shapes = {level: work.assemble(g, lonlat) for level, g in
              (("district", district_m), ("town", town_m), ("village", village_m), ("grid", grid_m))}
    bad = [level for level, g in shapes.items() if not shapely.is_valid(g).all()]
    if bad:
        raise RuntimeError(f"district {p.code}: invalid {', '.join(bad)} boundaries")
    # names and codes
    names = _rng(seed, p.index, 2)
    town_names = _pick(names, [a + b for a in _TOWN_A for b in _TOWN_B], towns)
    village_names = _pick(names, [a + b for a in _VILLAGE_A for b in _VILLAGE_B], n)
    data = DistrictData(AreaData(p.code, p.name, shapes["district"][0]))
    town_codes = [f"{p.code}{102 + t:03d}" for t in range(towns)]
    for t in range(towns):
        data.towns.append(AreaData(town_codes[t], f"{town_names[t]}镇（示例）", shapes["town"][t], p.code))
    village_codes = []
    counter = {}
    for v in range(n):
        t = int(town_of[v])
        counter[t] = counter.get(t, 0) + 1
        code = f"{town_codes[t]}{200 + counter[t]:03d}"
        village_codes.append(code)
        data.villages.append(AreaData(code, f"{village_names[v]}村", shapes["village"][v], town_codes[t]))
    counter = {}
    for g in range(len(g_cells)):
        v = int(g_village[g])
        counter[v] = counter.get(v, 0) + 1
        leader = _SURNAMES[names.integers(len(_SURNAMES))] + _GIVEN[names.integers(len(_GIVEN))]
        data.grids.append(AreaData(
            f"{village_codes[v]}{counter[v]:03d}", f"{village_names[v]}村第{cn_number(counter[v])}网格",
            shapes["grid"][g], village_codes[v], leader,
        ))
    # 6. roads
    data.roads = _roads(p, district_m[0], village_m, [a.name for a in data.villages], towns,
                        _rng(seed, p.index, 3), to_wgs)
    return data


def _pick(rng, pool, count):
    if count > len(pool):
        pool = pool + [a + b for a in pool for b in pool[:50]]
    chosen = rng.choice(len(pool), size=count, replace=False)
    return [pool[i] for i in chosen]


def _points_inside(cells, per, rng):
    """`per[i]` random points inside each of `cells` (rejection sampling in the bounding boxes)."""
    bounds = shapely.bounds(cells)
    out = [None] * len(cells)
    todo = np.arange(len(cells))
    tries = 48
    while len(todo):
        idx = np.repeat(todo, tries)
        b = bounds[idx]
        x = b[:, 0] + rng.random(len(idx)) * (b[:, 2] - b[:, 0])
        y = b[:, 1] + rng.random(len(idx)) * (b[:, 3] - b[:, 1])
        inside = shapely.contains_xy(cells[idx], x, y).reshape(len(todo), tries)
        rank = np.cumsum(inside, axis=1)
        left = []
        for row, i in enumerate(todo):
            if rank[row, -1] >= per[i]:
                take = np.flatnonzero(inside[row] & (rank[row] <= per[i])) + row * tries
                out[i] = np.column_stack([x[take], y[take]])
            else:
                left.append(i)
        todo = np.array(left, dtype=np.int64)
    return np.concatenate(out)


# ---------------------------------------------------------------------------------------------- roads


_ARTERIAL_NAMES = ("申泾公路", "华梅路", "虹漕公路", "莘纪路", "枫亭大道", "泗洞公路", "航漕路", "朱柘公路",
                   "钱塘路", "叶浜公路", "梅陇大道", "纪航路")


def _roads(p, outline, villages, village_names, towns, rng, to_wgs):
    n = len(villages)
    half_x, half_y = _half_axes(p.villages)
    cx, cy = p.centre
    lines, kinds, names = [], [], []
    # a few arterials across the district, gently bending
    count = max(3, round(math.sqrt(n) / 3))
    reach = 2.2 * half_x
    for i in range(count):
        theta = math.pi * i / count + rng.uniform(-0.2, 0.2)
        ux, uy = math.cos(theta), math.sin(theta)
        shift = (((i * 0.618034) % 1.0) - 0.5) * 1.2 * half_y
        s = np.arange(-reach, reach + 1, 1000.0)
        bend = 220 * np.sin(s / 2300 + rng.uniform(0, 6.3)) + 90 * np.sin(s / 700 + rng.uniform(0, 6.3))
        x = cx + s * ux - (shift + bend) * uy
        y = cy + s * uy + (shift + bend) * ux
        lines.append(shapely.linestrings(np.column_stack([x, y])))
        kinds.append("arterial")
        names.append(f"{_ARTERIAL_NAMES[i % len(_ARTERIAL_NAMES)]}（示例）")
    lines = list(shapely.intersection(np.array(lines), outline))
    # village roads: the Gabriel graph of the village centres, each link with two bends
    centres = shapely.get_coordinates(shapely.point_on_surface(villages))
    if n >= 3:
        tri = Delaunay(centres).simplices
        pairs = np.unique(np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]]), axis=1), axis=0)
    else:
        pairs = np.array([[0, 1]]) if n == 2 else np.zeros((0, 2), dtype=np.int64)
    if len(pairs):
        a, b = centres[pairs[:, 0]], centres[pairs[:, 1]]
        mid, radius = (a + b) / 2, np.hypot(*(b - a).T) / 2
        inside = cKDTree(centres).query_ball_point(mid, radius * (1 - 1e-9), return_length=True)
        pairs, a, b = pairs[inside == 0], a[inside == 0], b[inside == 0]
        d = b - a
        normal = np.column_stack([-d[:, 1], d[:, 0]])
        bends = np.clip(rng.normal(0, 0.06, (len(pairs), 2)), -0.12, 0.12)
        pts = np.stack([a, a + d / 3 + bends[:, :1] * normal, a + 2 * d / 3 + bends[:, 1:] * normal, b], axis=1)
        links = shapely.linestrings(pts)
        ok = shapely.within(links, shapely.buffer(outline, 50))
        for (i, j), line in zip(pairs[ok], links[ok], strict=True):
            lines.append(line)
            kinds.append("village")
            names.append(f"{village_names[i]}—{village_names[j]}村道")
    arterial = shapely.union_all(np.array(lines[:count]))
    noded = shapely.get_parts(shapely.union_all(np.array(lines), grid_size=SNAP))
    noded = noded[shapely.length(noded) > 0]
    probe = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    on_arterial = shapely.dwithin(probe, arterial, 1.0)
    # name each piece after the road it came from
    tree = shapely.STRtree(np.array(lines))
    src_probe, src_line = tree.query(probe, predicate="dwithin", distance=1.0)
    source_of = np.full(len(noded), -1)
    for i, j in zip(src_probe, src_line, strict=True):
        if source_of[i] < 0 and (kinds[j] == "arterial") == bool(on_arterial[i]):
            source_of[i] = j
    ends = np.stack([shapely.get_coordinates(shapely.get_point(noded, 0)),
                     shapely.get_coordinates(shapely.get_point(noded, -1))], axis=1)
    keys, inverse = np.unique(_keys(ends.reshape(-1, 2)), return_inverse=True)
    src, dst = inverse[0::2], inverse[1::2]
    # keep the largest connected piece of the network
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(len(keys), len(keys)))
    _, comp = connected_components(graph, directed=False)
    main = np.argmax(np.bincount(comp))
    keep = comp[src] == main
    wgs = shapely.transform(noded[keep], lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
    lengths = _geodesic_lengths(wgs)
    base = int(p.code) * NODE_ID_FACTOR + 1
    roads = []
    for k, i in enumerate(np.flatnonzero(keep)):
        kind = "arterial" if on_arterial[i] else "village"
        seconds = lengths[k] / SPEED[kind]
        name = names[source_of[i]] if source_of[i] >= 0 else ""
        roads.append(RoadData(base + int(src[i]), base + int(dst[i]), float(lengths[k]), float(seconds),
                              float(seconds), kind, name[:100], wgs[k]))
    return roads


_GEOD = Geod(ellps="WGS84")


def _geodesic_lengths(lines):
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    _, _, dist = _GEOD.inv(coords[:-1, 0][same], coords[:-1, 1][same], coords[1:, 0][same], coords[1:, 1][same])
    return np.bincount(idx[1:][same], weights=dist, minlength=len(lines))


# ---------------------------------------------------------------------------------------------- database


class DemoDataInUse(Exception):
    """The demo data to replace is still referenced (PROTECT) by other records."""


@dataclass
class Result:
    codes: list
    created: bool
    existing: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    vertices_per_village: float = 0.0
    seconds: float = 0.0

    def summary(self):
        if not self.created:
            return (f"示例区已存在 / demo district already exists: {', '.join(self.existing)}；"
                    "未做任何更改 / nothing done (--replace 重新生成 / to regenerate)")
        c = self.counts
        return (f"已生成 / generated: {c['district']} 区 districts, {c['town']} 街镇 towns, "
                f"{c['village']} 村 villages, {c['grid']} 网格 grids, {c['road']} 路段 road edges; "
                f"每村边界平均 {self.vertices_per_village:.0f} 个顶点 / vertices per village boundary; "
                f"{self.seconds:.1f} s")


def _geos(geoms):
    from django.contrib.gis.geos import GEOSGeometry

    return [GEOSGeometry(memoryview(w), srid=4326) for w in shapely.to_wkb(np.asarray(geoms, dtype=object))]


def delete_demo(codes):
    """Delete everything generated for these district codes (roads, grids, villages, towns, districts)."""
    from django.db import transaction
    from django.db.models import ProtectedError, Q, RestrictedError

    from geo.models import BoundaryPiece, District, Grid, RoadEdge, Town, Village

    prefix = Q()
    roads = Q()
    for code in codes:
        prefix |= scope.code_q(code)
        roads |= Q(source__gte=int(code) * NODE_ID_FACTOR, source__lt=(int(code) + 1) * NODE_ID_FACTOR)
    try:
        with transaction.atomic():
            RoadEdge.objects.filter(roads).delete()
            for model in (Grid, Village, Town, District):
                model.objects.filter(prefix).delete()
            BoundaryPiece.objects.filter(prefix).delete()
    except (ProtectedError, RestrictedError) as e:
        used = sorted({f"{o._meta.verbose_name} {o.pk}" for o in list(e.args[1])[:5]})
        raise DemoDataInUse(
            f"示例区划仍被其他数据引用，无法删除 / the demo areas are still referenced by other records "
            f"({e.args[0].split('(')[0].strip()}; e.g. {', '.join(used)}): delete those first"
        ) from e


def save_district(data: DistrictData, batch=500):
    from geo.models import District, Grid, RoadEdge, Town, Village

    district = District(code=data.district.code, name=data.district.name, boundary=_geos([data.district.boundary])[0])
    District.objects.bulk_create([district])
    for model, parent, items in ((Town, "district_id", data.towns), (Village, "town_id", data.villages),
                                 (Grid, "village_id", data.grids)):
        for k in range(0, len(items), batch):
            chunk = items[k:k + batch]
            shapes = _geos([a.boundary for a in chunk])
            rows = []
            for a, shape in zip(chunk, shapes, strict=True):
                row = model(code=a.code, name=a.name, boundary=shape, **{parent: a.parent})
                if model is Grid:
                    row.leader = a.leader
                rows.append(row)
            model.objects.bulk_create(rows)
    for k in range(0, len(data.roads), 2000):
        chunk = data.roads[k:k + 2000]
        RoadEdge.objects.bulk_create([
            RoadEdge(source=r.source, target=r.target, length_m=r.length_m, cost=r.cost, reverse_cost=r.reverse_cost,
                     kind=r.kind, name=r.name, geom=g)
            for r, g in zip(chunk, _geos([r.geom for r in chunk]), strict=True)
        ])


def generate(villages=DEFAULT_VILLAGES, seed=DEFAULT_SEED, replace=False, log=print) -> Result:
    """Write the demo geography and road network (one transaction); see the module docstring.

    Without `replace` nothing happens when one of its districts exists already; with it, the earlier demo data
    of these district codes is deleted first (DemoDataInUse when other records still point at it).
    """
    import time

    from django.db import transaction

    from geo.lookup import rebuild_pieces
    from geo.models import District

    started = time.monotonic()
    plans = plan(villages)
    codes = [p.code for p in plans]
    existing = list(District.objects.filter(code__in=codes).order_by("code").values_list("code", flat=True))
    if existing and not replace:
        return Result(codes, created=False, existing=existing)
    counts = dict.fromkeys(("district", "town", "village", "grid", "road"), 0)
    vertices = 0.0
    with transaction.atomic():
        if replace:
            delete_demo(codes)
        for data in build(villages, seed):
            save_district(data)
            counts["district"] += 1
            for key, items in (("town", data.towns), ("village", data.villages), ("grid", data.grids),
                               ("road", data.roads)):
                counts[key] += len(items)
            vertices += data.vertices_per_village() * len(data.villages)
            log(f"[{counts['district']}/{len(plans)}] {data.district.code} {data.district.name}: "
                f"{len(data.towns)} towns, {len(data.villages)} villages, {len(data.grids)} grids, "
                f"{len(data.roads)} road edges ({time.monotonic() - started:.1f} s)")
        for level, model_codes in (("district", codes), ("town", None), ("village", None), ("grid", None)):
            rebuild_pieces(level, model_codes if model_codes is not None else _codes_under(level, codes))
        place_offices(_codes_under("town", codes))
        log(f"boundary pieces rebuilt ({time.monotonic() - started:.1f} s)")
    return Result(codes, True, counts=counts, vertices_per_village=vertices / max(counts["village"], 1),
                  seconds=time.monotonic() - started)


def place_offices(town_codes):
    """Each demo town's office (镇政府, the patrol page's start): on the road nearest to a point inside the town."""
    from django.contrib.gis.db.models.functions import Distance

    from geo.models import RoadEdge, Town

    for town in Town.objects.filter(code__in=town_codes, office__isnull=True):
        inside = town.boundary.point_on_surface
        road = (RoadEdge.objects.filter(geom__intersects=town.boundary).annotate(d=Distance("geom", inside))
                .order_by("d").first())
        town.office = road.geom.interpolate(road.geom.project(inside)) if road else inside
        town.office.srid = 4326
        town.save(update_fields=["office"])


def _codes_under(level, district_codes):
    from django.db.models import Q

    from geo.models import AREA_MODELS

    prefix = Q()
    for code in district_codes:
        prefix |= scope.code_q(code)
    return list(AREA_MODELS[level].objects.filter(prefix).values_list("code", flat=True))
