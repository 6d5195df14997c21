"""Hot spot analysis on a hexagonal grid: Getis-Ord Gi* with a false-discovery-rate correction.

The grid lives in a metric CRS (EPSG:32651, UTM zone 51N: Shanghai and its neighbours), so a 500 m cell is
500 m everywhere. `cell_m` is the distance between the centres of two neighbouring cells (the hexagon's width
across flats); hexagons are "pointy-top" and addressed by axial coordinates (q, r).

Gi* (star) with binary weights: each cell and its six neighbours weigh 1, every other cell 0. The statistic,
its expectation and variance are exactly those of PySAL esda's `G_Local(y, w, transform="B", star=True)`
(esda/getisord.py, `G_Local.calc`); `gi_star` is a vectorised re-implementation over a sparse matrix, because
building a libpysal `W` for hundreds of thousands of cells takes far longer than the statistic itself. The tests
compare it with esda on a hand-made grid to 1e-9.

p-values: analytic, from the normal approximation of Gi* (no permutations, so results are deterministic).
`p_value` is two-sided: p = 2 · (1 − Φ(|z|)), which is twice esda's `p_norm` (esda reports the one-sided tail).
Two-sided is what the 90/95/99 % confidence classes of a hot spot map mean (|z| > 1.645 / 1.960 / 2.576).

Classes after a false-discovery-rate correction: for each confidence level (alpha 0.10, 0.05, 0.01) the
Benjamini–Hochberg cut-off is computed by `esda.fdr(p, alpha)` over all cells; a cell is significant at that level
when its p-value is below the cut-off (when no test survives, esda falls back to the Bonferroni bound alpha/n).
A significant cell with z > 0 is hot, with z < 0 cold; the class is its highest level: hot_99 … cold_99.
"""
import functools
import math
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import connection

# shapely, pyproj, scipy and esda are imported inside the functions that use them: this module is loaded with the
# URLs, and esda alone pulls in libpysal, scikit-learn and pandas (seconds on every manage.py command). A served
# worker imports them before it accepts connections (config/wsgi.py).

METRIC_SRID = 32651
CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))
# Axial offsets of a hexagon's six neighbours.
NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))
SQRT3 = math.sqrt(3)


@functools.cache
def _to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs(METRIC_SRID, 4326, always_xy=True)


class HexGrid:
    """Pointy-top hexagons whose neighbouring centres lie `cell_m` metres apart."""

    def __init__(self, cell_m):
        if not 10 <= cell_m <= 100_000:
            raise ValueError("cell_m must lie between 10 and 100000 metres")
        self.cell_m = float(cell_m)
        self.size = self.cell_m / SQRT3  # centre-to-vertex distance (= side length)

    def axial(self, x, y):
        """(q, r) integer arrays of the cells containing metric points (cube rounding)."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        qf = (SQRT3 / 3 * x - y / 3) / self.size
        rf = (2 / 3 * y) / self.size
        sf = -qf - rf
        q, r, s = np.round(qf), np.round(rf), np.round(sf)
        dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
        fix_q = (dq > dr) & (dq > ds)
        fix_r = ~fix_q & (dr > ds)
        q = np.where(fix_q, -r - s, q)
        r = np.where(fix_r, -q - s, r)
        return q.astype(np.int64), r.astype(np.int64)

    def centres(self, q, r):
        q, r = np.asarray(q, float), np.asarray(r, float)
        return self.size * SQRT3 * (q + r / 2), self.size * 1.5 * r

    def corners(self, q, r):
        """(n, 7, 2) closed rings of the hexagons, in metres."""
        cx, cy = self.centres(q, r)
        angles = np.radians(np.arange(7) * 60 + 30)
        xs = cx[:, None] + self.size * np.cos(angles)[None, :]
        ys = cy[:, None] + self.size * np.sin(angles)[None, :]
        return np.stack([xs, ys], axis=-1)

    def covering(self, area):
        """(q, r) of every cell that intersects a metric (multi)polygon."""
        import shapely

        minx, miny, maxx, maxy = area.bounds
        r0 = math.floor(miny / (1.5 * self.size)) - 1
        r1 = math.ceil(maxy / (1.5 * self.size)) + 1
        width = self.size * SQRT3
        q0 = math.floor(minx / width - r1 / 2) - 1
        q1 = math.ceil(maxx / width - r0 / 2) + 1
        q, r = np.meshgrid(np.arange(q0, q1 + 1), np.arange(r0, r1 + 1))
        q, r = q.ravel(), r.ravel()
        cx, cy = self.centres(q, r)
        keep = (cx >= minx - self.size) & (cx <= maxx + self.size) & (cy >= miny - self.size) & (cy <= maxy + self.size)
        q, r, cx, cy = q[keep], r[keep], cx[keep], cy[keep]
        shapely.prepare(area)
        inside = shapely.contains_xy(area, cx, cy)
        edge = ~inside & shapely.dwithin(area, shapely.points(cx, cy), self.size)
        if edge.any():
            rings = self.corners(q[edge], r[edge])
            touching = shapely.intersects(area, shapely.polygons(rings))
            inside[np.flatnonzero(edge)[touching]] = True
        return q[inside], r[inside]


def neighbour_matrix(q, r, star=True):
    """Binary sparse weights between cells (q, r): 1 for each of the six neighbours present, and for the cell
    itself when `star`."""
    from scipy import sparse

    n = len(q)
    q, r = np.asarray(q, np.int64), np.asarray(r, np.int64)
    base = 1 << 31
    keys = (q + base // 2) * base + (r + base // 2)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    rows, cols = [], []
    for dq, dr in NEIGHBOURS:
        k = (q + dq + base // 2) * base + (r + dr + base // 2)
        pos = np.searchsorted(sorted_keys, k)
        pos = np.minimum(pos, n - 1)
        found = sorted_keys[pos] == k
        rows.append(np.flatnonzero(found))
        cols.append(order[pos[found]])
    if star:
        rows.append(np.arange(n))
        cols.append(np.arange(n))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def gi_star(y, w):
    """Gi* z-scores for one variable (n,) or several columns (n, t), as esda.G_Local(star=True, transform="B").

    `w` must hold the self-weights on its diagonal (neighbour_matrix(..., star=True)). A column whose values are
    all equal (e.g. no problem at all) has no variance: its z-scores are 0.
    """
    y = np.asarray(y, float)
    one = y.ndim == 1
    if one:
        y = y[:, None]
    n = y.shape[0]
    total = y.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (w @ y) / total
        mean = total / n
        variance = (y**2).sum(axis=0) / n - mean**2
        cardinality = np.asarray(w.sum(axis=1)).ravel()[:, None]
        expected = cardinality / n
        expected_variance = cardinality * (n - cardinality) / (n - 1) / n**2 * (variance / mean**2)
        z = (statistic - expected) / np.sqrt(expected_variance)
    z = np.where(np.isfinite(z), z, 0.0)
    return z[:, 0] if one else z


def two_sided_p(z):
    from scipy.stats import norm

    return 2 * norm.sf(np.abs(z))


def classify(z, p):
    """Hot/cold classes with a Benjamini–Hochberg FDR correction per confidence level (see module docstring)."""
    from esda import fdr

    z, p = np.asarray(z, float), np.asarray(p, float)
    out = np.full(len(z), "not_significant", dtype=object)
    if len(z) == 0:
        return out
    # From the weakest level to the strongest, so the strongest wins.
    for alpha, level in reversed(LEVELS):
        cut = fdr(p, alpha)
        sig = p < cut
        out[sig & (z > 0)] = f"hot_{level}"
        out[sig & (z < 0)] = f"cold_{level}"
    return out


def significant(z, p, alpha=0.10):
    """+1 for a hot, −1 for a cold, 0 for a non-significant cell at one FDR-corrected level."""
    from esda import fdr

    z, p = np.asarray(z, float), np.asarray(p, float)
    sig = p < fdr(p, alpha) if len(p) else np.zeros(0, bool)
    return np.where(sig, np.sign(z), 0).astype(int)


# --- data -------------------------------------------------------------------------------------------------


# Raw SQL: points are transformed and binned to hexagons inside PostGIS, so only one row per non-empty cell
# (and month) comes back instead of a million points. The axial formula and cube rounding are those of
# HexGrid.axial; the filtered, scoped queryset comes in compiled, with its parameters bound.
BIN_SQL = """
WITH pts AS MATERIALIZED (  -- once per row: inlined, the later expressions would repeat the transform
    SELECT ST_X(m) AS x, ST_Y(m) AS y{month_col}
    FROM (SELECT ST_Transform(s.location, {srid}) AS m{month_src} FROM ({subquery}) s) t
),
frac AS (
    -- float8 throughout: a bare literal or a bound Python float would make these numeric (and slow).
    SELECT (sqrt(3::float8) / 3 * x - y / 3) / %s::float8 AS qf,
           (2::float8 / 3 * y) / %s::float8 AS rf{month_col}
    FROM pts
),
rounded AS (
    SELECT qf, rf, -qf - rf AS sf, round(qf) AS q, round(rf) AS r, round(-qf - rf) AS s{month_col} FROM frac
)
SELECT CASE WHEN abs(q - qf) > abs(r - rf) AND abs(q - qf) > abs(s - sf) THEN -r - s ELSE q END::bigint AS q,
       CASE WHEN NOT (abs(q - qf) > abs(r - rf) AND abs(q - qf) > abs(s - sf)) AND abs(r - rf) > abs(s - sf)
            THEN -q - s ELSE r END::bigint AS r{month_col},
       count(*)
FROM rounded GROUP BY 1, 2{month_group}
"""
MONTH_SQL = (", (EXTRACT(YEAR FROM s.reported_at AT TIME ZONE %s) * 12"
             " + EXTRACT(MONTH FROM s.reported_at AT TIME ZONE %s) - 1)::int AS month")


def binned(queryset, grid, with_month=False):
    """Counts of the queryset's problems per hexagon: arrays (q, r, n), or (q, r, month, n) with the month
    index year × 12 + month − 1 of `reported_at` in the local time zone."""
    from django.utils import timezone

    sub_sql, sub_params = queryset.order_by().values("location", "reported_at").query.sql_with_params()
    month = dict(month_col=", month", month_src=MONTH_SQL, month_group=", 3") if with_month else \
        dict(month_col="", month_src="", month_group="")
    sql = BIN_SQL.format(srid=METRIC_SRID, subquery=sub_sql, **month)
    # Placeholders in text order: the time zone twice (before the subquery), the subquery's, the size twice.
    tz = [timezone.get_current_timezone_name()] * 2 if with_month else []
    with connection.cursor() as cur:
        cur.execute(sql, [*tz, *sub_params, grid.size, grid.size])
        rows = cur.fetchall()
    width = 4 if with_month else 3
    a = np.array(rows, dtype=np.int64).reshape(-1, width)
    return tuple(a[:, k] for k in range(width))


def area_geometry(area_code, simplify_m=10.0):
    """The caller's area as a metric shapely geometry (the union of all districts when no code is given).

    Simplified by `simplify_m` metres (topology kept): cells are hundreds of metres, boundaries carry
    vertices every few metres.
    """
    import shapely

    from geo.models import AREA_MODELS, District, level_of

    level = level_of(area_code) if area_code else None
    table = AREA_MODELS[level]._meta.db_table if level else District._meta.db_table
    where, params = ("WHERE code = %s", [area_code]) if level else ("", [])
    # Raw SQL: the union and transform run in PostGIS next to the data; only one simplified shape comes back.
    sql = (f"SELECT ST_AsBinary(ST_SimplifyPreserveTopology(ST_Transform(ST_Union(boundary), {METRIC_SRID}), %s)) "
           f"FROM {table} {where}")
    key = f"layers:area-metric:{area_code or '*'}:{simplify_m}"
    wkb = cache.get(key)
    if wkb is None:
        with connection.cursor() as cur:
            cur.execute(sql, [simplify_m, *params])
            (found,) = cur.fetchone()
        wkb = bytes(found) if found is not None else b""
        cache.set(key, wkb, 600)  # boundaries change on an import, not between two clicks
    return shapely.from_wkb(wkb) if wkb else shapely.Polygon()


@dataclass
class Cells:
    grid: HexGrid
    q: np.ndarray
    r: np.ndarray

    def __len__(self):
        return len(self.q)

    def index(self, q, r):
        """Row of each (q, r) among the cells (−1 when absent)."""
        base = 1 << 31
        keys = (self.q + base // 2) * base + (self.r + base // 2)
        order = np.argsort(keys)
        sk = keys[order]
        k = (np.asarray(q) + base // 2) * base + (np.asarray(r) + base // 2)
        if len(sk) == 0:
            return np.full(len(k), -1)
        pos = np.minimum(np.searchsorted(sk, k), len(sk) - 1)
        return np.where(sk[pos] == k, order[pos], -1)

    def polygons_wgs84(self, digits=6):
        rings = self.grid.corners(self.q, self.r)
        lon, lat = _to_wgs84().transform(rings[..., 0], rings[..., 1])
        return np.round(np.stack([lon, lat], axis=-1), digits)


def cells_for(area, grid, pq=None, pr=None):
    """The cells covering the area, plus any cell holding a problem (one outside the simplified boundary)."""
    q, r = grid.covering(area) if not area.is_empty else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if pq is not None and len(pq):
        missing = Cells(grid, q, r).index(pq, pr) < 0
        if missing.any():
            extra = np.unique(np.stack([pq[missing], pr[missing]], axis=1), axis=0)
            q, r = np.concatenate([q, extra[:, 0]]), np.concatenate([r, extra[:, 1]])
    return Cells(grid, q, r)


def check_size(area, cell_m):
    """Bound what one answer may cost: about area / cell area hexagons may not exceed HOTSPOT_MAX_CELLS;
    a smaller cell over a large area is a BadInput naming cell_m."""
    from django.conf import settings

    from core.errors import BadInput

    limit = settings.PATROL["HOTSPOT_MAX_CELLS"]
    estimate = area.area / (SQRT3 / 2 * cell_m * cell_m)
    if estimate > limit:
        raise BadInput(f"网格过多（约 {int(estimate)} 个，上限 {limit}）：请加大 cell_m 或缩小范围",
                       field="cell_m")


def hotspots(queryset, area_code, cell_m=500):
    """Gi* hot spots of the queryset's issues over hexagons covering the area.

    Returns (cells, counts, z, p, classes).
    """
    grid = HexGrid(cell_m)
    area = area_geometry(area_code)
    check_size(area, cell_m)
    bq, br, bn = binned(queryset, grid)
    cells = cells_for(area, grid, bq, br)
    counts = np.zeros(len(cells), dtype=np.int64)
    if len(bq):
        np.add.at(counts, cells.index(bq, br), bn)
    w = neighbour_matrix(cells.q, cells.r)
    z = gi_star(counts, w)
    p = two_sided_p(z)
    return cells, counts, z, p, classify(z, p)


def feature_collection(cells, properties):
    """A FeatureCollection of hexagons; `properties` maps a name to an array with one value per cell."""
    rings = cells.polygons_wgs84().tolist()
    names = list(properties)
    columns = [properties[k].tolist() if hasattr(properties[k], "tolist") else list(properties[k]) for k in names]
    features = []
    for i, ring in enumerate(rings):
        props = {k: col[i] for k, col in zip(names, columns, strict=True)}
        props["id"] = f"{int(cells.q[i])},{int(cells.r[i])}"
        features.append({"type": "Feature", "id": props["id"], "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": props})
    return {"type": "FeatureCollection", "cell_m": cells.grid.cell_m, "crs_metric": f"EPSG:{METRIC_SRID}",
            "features": features}
