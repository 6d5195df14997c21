"""The offline base map at scale: `/tiles/base/{z}/{x}/{y}.pbf` (roads, water, boundaries) on the bench district
of 10,000 villages, z12–z16, through the view with a district user's session.

Target (issue 27): p95 ≤ 30 ms at every zoom from 12 to 16. `python -m bench --only basemap`.

It also weighs `/map/` before tiles for a district user and a superuser (all districts): target ≤ 300 KB. The page
embeds no problem (pins and counts come from the APIs), so the 10,000 villages without problems are what it
weighs; `bench.maps` weighs it again over a million problems.
"""
import random
import statistics

from django.db import connection

from bench.base import percentile
from bench.maps import _client, _user, tile_of, time_tiles

TILES_PER_ZOOM = 40
ROUNDS = 3


def _points(k, seed=11):
    """k points inside random villages (tiles are asked for where people look: the villages)."""
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) p FROM geo_village "
                    "ORDER BY md5(code || %s) LIMIT %s) t", [str(seed), k])
        rows = cur.fetchall()
    random.Random(seed).shuffle(rows)
    return rows


def run(report):
    from bench.base import ensure_villages
    from geo.models import District, RoadEdge, Village

    ensure_villages(10_000)
    district = District.objects.order_by("code").first()
    report("basemap", "villages / road edges", f"{Village.objects.count():,} / {RoadEdge.objects.count():,}", "")
    client = _client(_user(f"bench_basemap_{district.code}", "district", district.code))
    admin = _client(_user("bench_basemap_admin", "admin", "", superuser=True))
    for label, who in ((f"district {district.code}", client), ("superuser, all districts", admin)):
        page = who.get("/map/")
        assert page.status_code == 200, page.status_code
        report("basemap", f"/map/ HTML size ({label})", len(page.content) / 1024, "KB", "target ≤ 300")
    points = _points(400)
    for z in range(12, 17):
        coords = list(dict.fromkeys(tile_of(lon, lat, z) for lon, lat in points))[:TILES_PER_ZOOM]
        ms, sizes = time_tiles(client, f"/tiles/base/{z}/{{x}}/{{y}}.pbf", coords, ROUNDS)
        report("basemap", f"base tile z{z} p50 / p95", f"{statistics.median(ms):.1f} / {percentile(ms, 95):.1f}",
               "ms", f"target p95 ≤ 30; {len(coords)} tiles × {ROUNDS}, mean {statistics.mean(sizes) / 1024:.0f} KB")
