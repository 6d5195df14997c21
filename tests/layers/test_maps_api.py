"""Map APIs: vector tiles, light counts, monthly lights from history, heat points, Gi* hot spots, emerging."""
import math
from datetime import datetime, timedelta

import mapbox_vector_tile
import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from layers import emerging, hotspots, tiles
from patrol.services import add_photo, transition_issue
from tests.factories import (
    TOWN_A,
    TOWN_B,
    V1,
    V2,
    V3,
    V4,
    close_issue,
    make_issue,
    make_user,
    tiny_jpeg,
    village_point,
)

pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return timezone.make_aware(datetime(y, m, d, h))


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_bounds(z, x, y):
    n = 2**z

    def lat(t):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * t / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


# --- tiles ------------------------------------------------------------------------------------------------


def test_tile_holds_exactly_the_problems_inside_it(people, login):
    z = 16
    x, y = tile_of(121.41, 31.11, z)
    west, south, east, north = tile_bounds(z, x, y)
    inside_pts = [(west + (east - west) * f, south + (north - south) * g) for f, g in
                  ((0.2, 0.3), (0.5, 0.5), (0.8, 0.7), (0.35, 0.9))]
    # Just outside the tile, beyond each edge (where a buffered tile would take them).
    outside_pts = [(west - 0.0003, 31.11), (east + 0.0003, 31.11), (121.41, north + 0.0003),
                   (121.41, south - 0.0003)]
    inside = [make_issue(people["inspector"], V1, category=c, lon=lon, lat=lat)
              for (lon, lat), c in zip(inside_pts, ("dry_toilet", "shack", "clutter", "wires"), strict=True)]
    for lon, lat in outside_pts:
        make_issue(people["inspector"], V1, category="shack", lon=lon, lat=lat)
    transition_issue(people["town_a"], inside[1].pk, "assign")
    transition_issue(people["district"], inside[1].pk, "supervise")
    close_issue(inside[2], people["town_a"], people["village"])

    client = login(people["district"])
    r = client.get(f"/tiles/issues/{z}/{x}/{y}.pbf")
    assert r.status_code == 200 and r["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(r.content)
    feats = decoded["issues"]["features"]
    got = {f["properties"]["id"]: f for f in feats}
    assert set(got) == {i.pk for i in inside}
    listed = {f["id"]: f["properties"] for f in client.get("/api/issues/", {"page_size": 100}).json()["features"]}
    for issue in inside:
        props = got[issue.pk]["properties"]
        assert got[issue.pk]["id"] == issue.pk
        assert {k: props[k] for k in ("category", "status", "light")} == {
            k: listed[issue.pk][k] for k in ("category", "status", "light")}
        # The geometry sits where the point is, in tile coordinates (y up in the decoded tile).
        gx, gy = got[issue.pk]["geometry"]["coordinates"]
        fx = (issue.location.x - west) / (east - west)
        assert abs(gx - fx * 4096) <= 2 and 0 <= gy <= 4096
    assert {got[i.pk]["properties"]["light"] for i in inside} == {"yellow", "red", "green"}
    # Filters are the list API's.
    r = client.get(f"/tiles/issues/{z}/{x}/{y}.pbf", {"category": "shack"})
    assert [f["properties"]["id"] for f in mapbox_vector_tile.decode(r.content)["issues"]["features"]] == [
        inside[1].pk]
    r = client.get(f"/tiles/issues/{z}/{x}/{y}.pbf", {"light": "green"})
    assert [f["properties"]["id"] for f in mapbox_vector_tile.decode(r.content)["issues"]["features"]] == [
        inside[2].pk]
    r = client.get(f"/tiles/issues/{z}/{x}/{y}.pbf", {"status": ["reported", "closed"]})
    assert {f["properties"]["id"] for f in mapbox_vector_tile.decode(r.content)["issues"]["features"]} == {
        inside[0].pk, inside[2].pk, inside[3].pk}
    # A tile elsewhere is empty; a bad tile number is 404; a bad filter 400.
    assert client.get(f"/tiles/issues/{z}/{x + 3}/{y}.pbf").content == b""
    assert client.get(f"/tiles/issues/{z}/{2**z}/{y}.pbf").status_code == 404
    assert client.get(f"/tiles/issues/{z}/{x}/{y}.pbf", {"status": "nonsense"}).status_code == 400


def test_tile_scoping_never_shows_another_area(people, login):
    mine = make_issue(people["inspector"], V3, lon=121.445, lat=31.11)
    other = make_issue(people["inspector"], V1, lon=121.415, lat=31.11)
    z = 12
    x, y = tile_of(121.44, 31.11, z)
    ids = {f["properties"]["id"] for f in mapbox_vector_tile.decode(
        login(people["district"]).get(f"/tiles/issues/{z}/{x}/{y}.pbf").content)["issues"]["features"]}
    assert ids == {mine.pk, other.pk}
    client = login(people["town_b"])
    ids = {f["properties"]["id"] for f in mapbox_vector_tile.decode(
        client.get(f"/tiles/issues/{z}/{x}/{y}.pbf").content)["issues"]["features"]}
    assert ids == {mine.pk}
    client = login(people["village"])  # village V1 only
    ids = {f["properties"]["id"] for f in mapbox_vector_tile.decode(
        client.get(f"/tiles/issues/{z}/{x}/{y}.pbf").content)["issues"]["features"]}
    assert ids == {other.pk}


def test_tile_query_is_driven_by_the_spatial_index(people):
    from patrol.models import Issue

    for k in range(30):
        make_issue(people["inspector"], V1, lon=121.401 + k * 0.0005, lat=31.105)
    sql, params = tiles.tile_sql(Issue.objects.for_user(people["town_a"]).filter(category_id="dry_toilet"), 14,
                                 *tile_of(121.405, 31.105, 14))
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "location" in plan and "Index" in plan, plan
    assert "&&" in plan


# --- counts and lights -----------------------------------------------------------------------------------


def test_counts_equal_the_list_api(people, login):
    a = make_issue(people["inspector"], V1, category="shack")
    b = make_issue(people["inspector"], V2, category="shack")
    make_issue(people["inspector"], V3, category="clutter")
    transition_issue(people["district"], a.pk, "supervise")
    close_issue(b, people["town_a"], make_user("village", V2))
    client = login(people["district"])
    for params in ({}, {"category": "shack"}, {"town": TOWN_B}, {"bbox": "121.40,31.10,121.43,31.12"},
                   {"status": ["reported", "closed"]}):
        counts = client.get("/api/issues/counts/", params).json()
        assert counts["count"] == client.get("/api/issues/", params).json()["count"]
        for light in ("red", "yellow", "green"):
            assert counts[light] == client.get("/api/issues/", {**params, "light": light}).json()["count"], params
    assert client.get("/api/issues/counts/").json() == {"red": 1, "yellow": 1, "green": 1, "count": 3}
    assert login(people["town_b"]).get("/api/issues/counts/").json()["count"] == 1
    assert client.get("/api/issues/counts/", {"source": "nope"}).status_code == 400


def test_lights_of_a_past_month_do_not_change_today(people, login):
    red = make_issue(people["inspector"], V1, reported_at=at(2026, 3, 2))
    transition_issue(people["town_a"], red.pk, "assign", now=at(2026, 3, 3), deadline="2026-03-10")
    make_issue(people["inspector"], V2, reported_at=at(2026, 3, 5))  # open, no deadline: yellow
    client = login(people["district"])

    def lights(**params):
        body = client.get("/api/lights/", {"month": "2026-03", **params}).json()
        return {f["id"]: f["properties"] for f in body["features"]}

    before = lights()
    assert before[V1]["light"] == "red" and (before[V1]["red"], before[V1]["yellow"]) == (1, 0)
    assert before[V2]["light"] == "yellow" and before[V3]["light"] == "green" and before[V3]["red"] == 0
    assert set(before) == {V1, V2, V3, "310112103202"}
    # Today the red problem is rectified and closed: March stays as it was, this month shows it green.
    add_photo(people["village"], red.pk, tiny_jpeg(), "after")
    transition_issue(people["village"], red.pk, "submit")
    transition_issue(people["town_a"], red.pk, "verify")
    assert lights() == before
    now = client.get("/api/lights/").json()
    assert {f["id"]: f["properties"]["light"] for f in now["features"]}[V1] == "green"
    # Towns: their own light and the share of their villages in each colour.
    towns = {f["id"]: f["properties"] for f in client.get(
        "/api/lights/", {"month": "2026-03", "level": "town"}).json()["features"]}
    assert towns[TOWN_A]["light"] == "red"
    assert (towns[TOWN_A]["share_red"], towns[TOWN_A]["share_yellow"], towns[TOWN_A]["share_green"]) == (0.5, 0.5, 0)
    assert towns[TOWN_B]["light"] == "green" and towns[TOWN_B]["share_green"] == 1.0
    assert towns[TOWN_A]["villages"] == 2
    # Filters narrow the counts; a town user sees their town's villages only.
    assert lights(category="shack")[V1]["light"] == "green"
    assert lights(source="public_report")[V1]["light"] == "green"
    assert lights(source=["public_report", "district_patrol"])[V1]["light"] == "red"
    assert set(lights(town=TOWN_B)) == {V3, V4}
    assert client.get("/api/lights/", {"month": "2026-13"}).status_code == 400
    assert client.get("/api/lights/", {"level": "grid"}).status_code == 400
    assert set(f["id"] for f in login(people["town_b"]).get("/api/lights/", {"month": "2026-03"}).json()[
        "features"]) == {V3, "310112103202"}


# --- heat -------------------------------------------------------------------------------------------------


def test_heat_points_are_weighted_and_filtered(people, login):
    old = make_issue(people["inspector"], V1, category="clutter", reported_at=timezone.now() - timedelta(days=100))
    close_issue(old, people["town_a"], people["village"], now=timezone.now() - timedelta(days=90))
    lon, lat = village_point(V1)
    again = make_issue(people["inspector"], V1, category="clutter", lon=lon + 0.0001, lat=lat)
    assert again.rebound_of_id == old.pk
    make_issue(people["inspector"], V3, category="shack")
    client = login(people["district"])
    body = client.get("/api/heatmap/", {"kind": "all"}).json()
    assert body["count"] == 3 and sum(p[2] for p in body["points"]) == 3
    assert max(p[2] for p in body["points"]) == 2  # the two clutter problems share a 0.001° cell
    rebound = client.get("/api/heatmap/", {"kind": "rebound"}).json()
    assert rebound["count"] == 1
    assert client.get("/api/heatmap/", {"category": "shack"}).json()["count"] == 1
    assert client.get("/api/heatmap/", {"town": TOWN_B}).json()["count"] == 1
    month = f"{timezone.localdate():%Y-%m}"
    assert client.get("/api/heatmap/", {"from": month, "to": month}).json()["count"] == 2
    assert client.get("/api/heatmap/", {"kind": "x"}).status_code == 400
    assert client.get("/api/heatmap/", {"from": "2026-1"}).status_code == 400


# --- hot spots ------------------------------------------------------------------------------------------------


def test_hex_grid_round_trips_and_has_six_neighbours():
    import shapely

    grid = hotspots.HexGrid(500)
    q, r = grid.covering(shapely.box(300000, 3440000, 305000, 3444000))
    cx, cy = grid.centres(q, r)
    assert (grid.axial(cx + 120, cy - 140)[0] == q).all()
    w = hotspots.neighbour_matrix(q, r, star=False)
    degree = np.asarray(w.sum(axis=1)).ravel()
    assert degree.max() == 6 and (degree >= 2).all()
    i, j = w.nonzero()
    assert np.allclose(np.hypot(cx[i] - cx[j], cy[i] - cy[j]), 500)


def _esda(counts, centres, cell_m):
    """esda's Gi* on the same cells, with weights built independently from the cells' centres."""
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    w = DistanceBand(centres, threshold=cell_m * 1.01, binary=True, silence_warnings=True)
    return G_Local(np.asarray(counts, float), w, transform="B", star=True, permutations=0)


def test_hotspots_equal_esda_on_a_hand_made_pattern(people, login):
    from pyproj import Transformer

    # A tight cluster in the west of village 1, a few scattered problems elsewhere.
    base_lon, base_lat = 121.404, 31.108
    for k in range(12):
        make_issue(people["inspector"], V1, category="shack", lon=base_lon + (k % 4) * 0.0015,
                   lat=base_lat + (k // 4) * 0.0012)
    for lon in (121.452, 121.471):
        make_issue(people["inspector"], V3 if lon < 121.46 else V4, category="clutter", lon=lon, lat=31.115)
    client = login(people["district"])
    body = client.get("/api/hotspots/", {"kind": "all", "cell_m": 500}).json()
    feats = body["features"]
    assert body["count"] == 14 and sum(f["properties"]["count"] for f in feats) == 14
    # Zero-count cells are included: the cells cover the whole district (8 × 2.2 km).
    assert len(feats) > 60 and sum(f["properties"]["count"] == 0 for f in feats) > 50
    to_m = Transformer.from_crs(4326, 32651, always_xy=True)
    import shapely

    polys = [shapely.Polygon(np.array(to_m.transform(*np.array(f["geometry"]["coordinates"][0]).T)).T)
             for f in feats]
    centres = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    # Counts are points in hexagons.
    from patrol.models import Issue

    pts = [shapely.Point(*to_m.transform(i.location.x, i.location.y)) for i in Issue.objects.all()]
    assert [sum(p.contains(pt) for pt in pts) for p in polys] == [f["properties"]["count"] for f in feats]
    counts = [f["properties"]["count"] for f in feats]
    g = _esda(counts, centres, 500)
    z = np.array([f["properties"]["gi_z"] for f in feats])
    p = np.array([f["properties"]["p_value"] for f in feats])
    assert np.allclose(z, g.Zs, atol=1e-9, rtol=0)
    assert np.allclose(p, 2 * g.p_norm, atol=1e-12, rtol=0)
    classes = [f["properties"]["class"] for f in feats]
    assert set(classes) <= set(hotspots.CLASSES)
    # The cluster's cells are hot at 99 %, far empty cells not.
    hottest = int(np.argmax(z))
    assert classes[hottest] == "hot_99" and counts[hottest] > 0
    from esda import fdr

    for alpha, level in ((0.01, "99"), (0.05, "95"), (0.10, "90")):
        cut = fdr(p, alpha)
        hot = {i for i, c in enumerate(classes) if c.startswith("hot_") and int(c[4:]) >= int(level)}
        assert hot == {i for i in range(len(p)) if p[i] < cut and z[i] > 0}
    # Category filter and scoping.
    assert client.get("/api/hotspots/", {"category": "clutter"}).json()["count"] == 2
    town_b = login(people["town_b"]).get("/api/hotspots/", {"cell_m": 500}).json()
    assert town_b["count"] == 2 and len(town_b["features"]) < len(feats)
    assert client.get("/api/hotspots/", {"cell_m": 5}).status_code == 400


def test_gi_star_matches_esda_to_1e9():
    import shapely
    from esda.getisord import G_Local
    from libpysal.weights import W

    grid = hotspots.HexGrid(300)
    q, r = grid.covering(shapely.Point(320000, 3450000).buffer(2000))
    rng = np.random.default_rng(7)
    y = rng.poisson(1.5, len(q)).astype(float)
    y[:6] += 9
    w = hotspots.neighbour_matrix(q, r)
    plain = hotspots.neighbour_matrix(q, r, star=False).tocoo()
    neighbours = {i: [] for i in range(len(q))}
    for a, b in zip(plain.row.tolist(), plain.col.tolist(), strict=True):
        neighbours[a].append(b)
    g = G_Local(y, W(neighbours, silence_warnings=True), transform="B", star=True, permutations=0)
    assert np.allclose(hotspots.gi_star(y, w), g.Zs, atol=1e-9, rtol=0)
    # Several columns at once give the same numbers; a column with no problems gives z = 0.
    both = hotspots.gi_star(np.stack([y, np.zeros_like(y)], axis=1), w)
    assert np.allclose(both[:, 0], g.Zs, atol=1e-9) and (both[:, 1] == 0).all()


# --- emerging hot spots ----------------------------------------------------------------------------------------


def test_mann_kendall_by_hand():
    s, z, p = emerging.mann_kendall(np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                                              [3, 1, 2, 2, 5, 4, 4, 1, 0, 2, 2, 3]], float))
    assert s.tolist() == [66, -3]
    # Ties: values 3, 1 and 4 twice, 2 four times → var = (12·11·29 − 3·18 − 156) / 18 = 201.
    assert z[0] == pytest.approx(65 / math.sqrt(12 * 11 * 29 / 18)) and z[1] == pytest.approx(-2 / math.sqrt(201))
    assert p[0] < 1e-4 and p[1] > 0.8


def test_emerging_categories_follow_the_published_rules():
    H, C, N = 1, -1, 0
    series = {
        "new_hot": [N] * 11 + [H],
        "consecutive_hot": [N] * 9 + [H, H, H],
        "intensifying_hot": [H] * 12,
        "persistent_hot": [H] * 12,
        "diminishing_hot": [H] * 12,
        "sporadic_hot": [N, H, N, N, H, N, N, H, N, N, N, H],
        "oscillating_hot": [N, C, N, N, H, N, C, N, N, N, N, H],
        "historical_hot": [H] * 11 + [N],
        "none": [N, H, N, N, N, N, N, N, H, N, N, N],
        "new_cold": [N] * 11 + [C],
        "persistent_cold": [C] * 12,
        "intensifying_cold": [C] * 12,
        "oscillating_cold": [H, N, N, C, N, N, N, N, N, N, N, C],
    }
    trend = {"intensifying_hot": (3.0, 0.001), "diminishing_hot": (-3.0, 0.001), "intensifying_cold": (-3.0, 0.001),
             "persistent_hot": (0.5, 0.6)}
    names = list(series)
    bins = np.array([series[k] for k in names])
    tz = np.array([trend.get(k, (0.0, 1.0))[0] for k in names])
    tp = np.array([trend.get(k, (0.0, 1.0))[1] for k in names])
    assert emerging.classify_series(bins, tz, tp).tolist() == names
    # A run of hot bins after an earlier hot bin is sporadic, not consecutive.
    assert emerging.classify_series(np.array([[H] + [N] * 8 + [H, H, H]]), np.zeros(1), np.ones(1))[0] == \
        "sporadic_hot"


def test_emerging_api(people, login):
    now = timezone.now()
    for months_ago in range(6):
        for k in range(3):
            make_issue(people["inspector"], V1, category="shack", lon=121.405 + k * 0.001, lat=31.11,
                       reported_at=now - timedelta(days=30 * months_ago + 1))
    client = login(people["district"])
    body = client.get("/api/hotspots/emerging/", {"kind": "all", "months": 6, "cell_m": 500}).json()
    assert len(body["months"]) == 6 and body["months"][-1] == f"{timezone.localdate():%Y-%m}"
    feats = body["features"]
    assert {f["properties"]["category"] for f in feats} <= set(emerging.CATEGORIES)
    assert sum(f["properties"]["count"] for f in feats) == 18
    busiest = max(feats, key=lambda f: f["properties"]["count"])
    assert busiest["properties"]["category"].endswith("_hot") and len(busiest["properties"]["bins"]) == 6
    assert client.get("/api/hotspots/emerging/", {"months": 1}).status_code == 400
    assert client.get("/api/hotspots/emerging/").json()["features"]  # kind=rebound: cells, all zero


# --- pages ---------------------------------------------------------------------------------------------------


def test_pages_render_small_and_shift_only_on_a_gaode_basemap(people, settings):
    from django.test import Client

    for k in range(40):
        make_issue(people["inspector"], V1, lon=121.401 + k * 0.0004, lat=31.105)
    client = Client()
    client.force_login(people["district"])
    plain = client.get("/map/").content.decode()
    # The areas' coordinates unshifted (written compactly: layers.maps.COMPACT_JSON).
    assert "wgsToGcj" not in plain and "121.4,31.1" in plain.replace("121.40", "121.4")
    # No problem is embedded: pins come from the API for the view (one L.marker call, in the loader's code).
    assert plain.count("L.marker(") == 1 and "121.4014" not in plain and "121.4156" not in plain
    settings.MAP_BASEMAP = "gaode"
    shifted = client.get("/map/").content.decode()
    assert "wgsToGcj" in shifted and "webrd0" in shifted
    heat = client.get("/heatmap/?kind=all").content.decode()
    assert "heat-month" in heat and "热点网格" in heat
    assert client.get("/map/?month=2026-99").status_code == 200  # a bad filter is reported, not a crash
    assert "filter-error" in client.get("/map/?month=2026-99").content.decode()
