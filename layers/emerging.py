"""Emerging hot spots: how each cell's hot or cold spot status developed over the last months.

Method (a space-time cube of monthly bins over the hexagons of `layers.hotspots`):
1. for each month, Gi* z-scores of the cells' counts (binary weights, the cell and its six neighbours) and an
   FDR-corrected significance at 90 % confidence (`hotspots.significant`), giving per cell a series of
   hot (+1), cold (−1) or neither (0) bins;
2. the trend of each cell's z-score series by the Mann–Kendall test (two-sided, ties corrected; significant at
   p < 0.05), as Esri's tool does for the "intensity of clustering";
3. the categories of Esri's Emerging Hot Spot Analysis ("How Emerging Hot Spot Analysis works", ArcGIS Pro
   Space Time Pattern Mining toolbox documentation, section "Pattern categories"):

   - new: hot in the final time step and never hot before;
   - consecutive: a single uninterrupted run of at least two hot bins ending with the final step, never hot
     before that run, and fewer than 90 % of all bins hot;
   - intensifying: hot for at least 90 % of the bins including the final step, with a significant upward trend
     of clustering intensity (z);
   - persistent: hot for at least 90 % of the bins including the final step, with no significant trend;
   - diminishing: hot for at least 90 % of the bins including the final step, with a significant downward trend;
   - sporadic: hot in the final step, on-again off-again before, fewer than 90 % of the bins hot and never cold;
   - oscillating: hot in the final step, cold in some earlier step, fewer than 90 % of the bins hot;
   - historical: not hot in the final step, but hot for at least 90 % of the bins;
   - none: no pattern.

   Cold spots mirror these (new_cold, …, historical_cold), with the trend direction reversed (an intensifying
   cold spot's z keeps falling).
"""
import math

import numpy as np

from .hotspots import (
    HexGrid,
    area_geometry,
    binned,
    cells_for,
    check_size,
    gi_star,
    neighbour_matrix,
    significant,
    two_sided_p,
)

PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
            "historical")
CATEGORIES = ("none", *[f"{p}_hot" for p in PATTERNS], *[f"{p}_cold" for p in PATTERNS])
TREND_ALPHA = 0.05


def mann_kendall(series):
    """Mann–Kendall trend test on each row of an (n, t) array: (S, z, two-sided p). Ties are corrected."""
    x = np.asarray(series, float)
    n, t = x.shape
    s = np.zeros(n)
    for i in range(t - 1):
        s += np.sign(x[:, i + 1:] - x[:, i:i + 1]).sum(axis=1)
    # Tie correction: a group of t tied values subtracts t(t−1)(2t+5); each member of a group of size c adds
    # (c−1)(2c+5), so the group adds c·(c−1)(2c+5).
    same = (x[:, :, None] == x[:, None, :]).sum(axis=2)
    ties = ((same - 1) * (2 * same + 5)).sum(axis=1)
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0))
    z = np.where(np.isfinite(z), z, 0.0)
    return s, z, two_sided_p(z)


def classify_series(bins, trend_z, trend_p, alpha=TREND_ALPHA):
    """Categories from the series of significant bins (+1 hot, −1 cold, 0) and the trend of z (see module)."""
    bins = np.asarray(bins, int)
    n, t = bins.shape
    need = math.ceil(0.9 * t)  # "at least 90 % of the time-step intervals"
    out = np.full(n, "none", dtype=object)
    for sign, suffix in ((1, "hot"), (-1, "cold")):
        mine = bins == sign
        other = bins == -sign
        final = mine[:, -1]
        share = mine.sum(axis=1)
        before = mine[:, :-1].any(axis=1)
        # Length of the run of `mine` bins ending in the final step.
        run = np.zeros(n, int)
        alive = np.ones(n, bool)
        for k in range(t - 1, -1, -1):
            alive &= mine[:, k]
            run += alive
        hot_before_run = (mine & (np.arange(t)[None, :] < (t - run)[:, None])).any(axis=1)
        other_ever = other[:, :-1].any(axis=1)
        up = (trend_p < alpha) & (np.asarray(trend_z) * sign > 0)
        down = (trend_p < alpha) & (np.asarray(trend_z) * sign < 0)
        most = share >= need
        cat = np.full(n, "", dtype=object)
        cat[final & most & up] = "intensifying"
        cat[final & most & down] = "diminishing"
        cat[final & most & ~up & ~down] = "persistent"
        rest = final & ~most
        cat[rest & ~before] = "new"
        cat[rest & before & (run >= 2) & ~hot_before_run & (cat == "")] = "consecutive"
        cat[rest & (cat == "") & other_ever] = "oscillating"
        cat[rest & (cat == "") & ~other_ever] = "sporadic"
        cat[~final & most] = "historical"
        chosen = (cat != "") & (out == "none")
        out[chosen] = [f"{c}_{suffix}" for c in cat[chosen]]
    return out


def month_label(index):
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def emerging(queryset, area_code, last_month, months=12, cell_m=500):
    """Emerging hot spot categories per cell over `months` months ending with `last_month` (a date).

    Returns (cells, month labels, counts (n, t), z (n, t), bins (n, t), trend z, trend p, categories).
    """
    if not 2 <= months <= 120:
        raise ValueError("months must lie between 2 and 120")
    grid = HexGrid(cell_m)
    end = last_month.year * 12 + last_month.month - 1
    start = end - months + 1
    bq, br, bm, bn = binned(queryset, grid, with_month=True)
    keep = (bm >= start) & (bm <= end)
    bq, br, bm, bn = bq[keep], br[keep], bm[keep], bn[keep]
    area = area_geometry(area_code)
    check_size(area, cell_m)
    cells = cells_for(area, grid, bq, br)
    counts = np.zeros((len(cells), months), dtype=np.int64)
    if len(bq):
        np.add.at(counts, (cells.index(bq, br), bm - start), bn)
    w = neighbour_matrix(cells.q, cells.r)
    z = gi_star(counts.astype(float), w)
    p = two_sided_p(z)
    bins = np.stack([significant(z[:, k], p[:, k]) for k in range(months)], axis=1) if len(cells) else \
        np.zeros((0, months), int)
    trend_s, trend_z, trend_p = mann_kendall(z) if len(cells) else (np.zeros(0),) * 3
    categories = classify_series(bins, trend_z, trend_p)
    labels = [month_label(k) for k in range(start, end + 1)]
    return cells, labels, counts, z, bins, trend_z, trend_p, categories
