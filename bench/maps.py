"""Maps at scale (1 million problems): vector tiles against bare ST_AsMVT, the battle map's page weight,
hot spots (Gi*) of one district at 500 m and of all problems at the smallest cell the product's bound allows
(HOTSPOT_MAX_CELLS), emerging hot spots, lights of a month rebuilt from the event history.

`run(report)` is called by `python -m bench` with Django set up on the bench database; `python -m bench --only maps`
runs this section alone (PGDATABASE_NAME, default bench_demo).
"""
import io
import math
import random
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.base import percentile

N_PROBLEMS = 1_000_000
TILES_PER_ZOOM = 40
ROUNDS = 3


def time_tiles(client, path, coords, rounds=ROUNDS):
    """(milliseconds, sizes) of GET `path` (with {x} and {y}) for every tile of `coords`, `rounds` times over, after
    five warming requests; every answer must be a 200."""
    for x, y in coords[:5]:  # warm the caches and the prepared statements
        client.get(path.format(x=x, y=y))
    ms, sizes = [], []
    for _ in range(rounds):
        for x, y in coords:
            t = time.perf_counter()
            r = client.get(path.format(x=x, y=y))
            ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (path, x, y, r.status_code)
            sizes.append(len(r.content))
    return ms, sizes


def tile_of(lon, lat, z):
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _user(username, role, area_code, superuser=False):
    from accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        make = User.objects.create_superuser if superuser else User.objects.create_user
        user = make(username, password=None, role=role, area_code=area_code)
    return user


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def smallest_cell_m(area, limit):
    """The smallest whole cell size (m) hotspots.check_size accepts over a metric area: about area / cell area
    hexagons (a hexagon of width w covers √3/2 · w²) may not exceed `limit`."""
    from layers import hotspots

    cell = math.ceil(math.sqrt(area.area / (hotspots.SQRT3 / 2 * limit)))
    hotspots.check_size(area, cell)  # the product's own rule agrees (a BadInput here would be a wrong formula)
    return max(cell, 100)  # the API's smallest cell_m


def _busiest_district():
    with connection.cursor() as cur:
        cur.execute("SELECT left(town_id, 6), count(*) FROM patrol_issue GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
        return cur.fetchone()


def _sample_points(district, k, seed=7):
    """Locations of k random problems of a district (tiles are requested where problems are, as people look)."""
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.7)")
        cur.execute("SELECT ST_X(location), ST_Y(location) FROM patrol_issue TABLESAMPLE SYSTEM (2) REPEATABLE (%s)"
                    " WHERE town_id LIKE %s LIMIT %s", [seed, district + "%", k])
        rows = cur.fetchall()
    random.Random(seed).shuffle(rows)
    return rows


def wsgi_get(app, path, query):
    """(status, body) of a GET handed to Django's WSGI handler as gunicorn hands it (no test client around it:
    the test client's own bookkeeping, about half a millisecond, is not part of serving a tile)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http"}
    status = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


def bench_tiles(report, client, user, points):
    """Each tile three ways, side by side: through the view with the session (test client), through the view with
    a signed tile token (no session or user lookup; Django's WSGI handler called as gunicorn calls it), and the
    bare ST_AsMVT of the same tile."""
    from django.core.handlers.wsgi import WSGIHandler

    from layers import tiles, tiletoken
    from patrol.models import Issue

    token, _ = tiletoken.issue(user)
    app = WSGIHandler()
    for z in (12, 14, 16):
        coords = list(dict.fromkeys(tile_of(lon, lat, z) for lon, lat in points))[:TILES_PER_ZOOM]
        for x, y in coords[:5]:  # warm the caches
            client.get(f"/tiles/issues/{z}/{x}/{y}.pbf")
            wsgi_get(app, f"/tiles/issues/{z}/{x}/{y}.pbf", f"token={token}")
            tiles.bare_tile(z, x, y)
        api_ms, token_ms, sql_ms, bare_ms, sizes = [], [], [], [], []
        scoped = Issue.objects.for_user(user)
        for _ in range(ROUNDS):
            for x, y in coords:
                t = time.perf_counter()
                r = client.get(f"/tiles/issues/{z}/{x}/{y}.pbf")
                api_ms.append((time.perf_counter() - t) * 1000)
                sizes.append(len(r.content))
                t = time.perf_counter()
                status, body = wsgi_get(app, f"/tiles/issues/{z}/{x}/{y}.pbf", f"token={token}")
                token_ms.append((time.perf_counter() - t) * 1000)
                assert status == 200 and body == r.content, "token tile differs from session tile"
                t = time.perf_counter()
                tiles.issue_tile(scoped, z, x, y)
                sql_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                tiles.bare_tile(z, x, y)
                bare_ms.append((time.perf_counter() - t) * 1000)
        p50, p95 = statistics.median(api_ms), percentile(api_ms, 95)
        k50, k95 = statistics.median(token_ms), percentile(token_ms, 95)
        s50, s95 = statistics.median(sql_ms), percentile(sql_ms, 95)
        b50, b95 = statistics.median(bare_ms), percentile(bare_ms, 95)
        note = f"{len(coords)} tiles × {ROUNDS}, mean {statistics.mean(sizes) / 1024:.0f} KB"
        report("maps", f"tile z{z} p50 (district user, through the view)", p50, "ms", note)
        report("maps", f"tile z{z} p95", p95, "ms", "target ≤ 50 at z14" if z == 14 else "")
        report("maps", f"tile z{z} with token p50 / p95", f"{k50:.1f} / {k95:.1f}", "ms",
               f"p50 − bare p50 = {k50 - b50:+.1f} ms" + ("; target ≤ 2" if z in (14, 16) else ""))
        report("maps", f"bare ST_AsMVT z{z} p50 / p95", f"{b50:.1f} / {b95:.1f}", "ms")
        report("maps", f"tile z{z} endpoint / bare ratio (p50, p95)", f"{p50 / b50:.2f} / {p95 / b95:.2f}", "×",
               "target ≤ 1.3")
        report("maps", f"tile z{z} scoped SQL p50 / p95", f"{s50:.1f} / {s95:.1f}", "ms",
               f"query alone: {s50 / b50:.2f} / {s95 / b95:.2f} × bare")


def run(report):
    from bench.data import ensure_issues

    name = connection.settings_dict["NAME"]
    if not (name.startswith("bench") or name.startswith("test_")):
        raise RuntimeError(f"bench.maps loads a million problems: run it on a bench database, not {name!r}")
    ensure_issues(N_PROBLEMS)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM patrol_issue")
        total = cur.fetchone()[0]
    report("maps", "problems in the database", total, "")
    district, in_district = _busiest_district()
    admin = _user("bench_maps_admin", "admin", "", superuser=True)
    staff = _user(f"bench_maps_{district}", "district", district)
    staff_client, admin_client = _client(staff), _client(admin)

    bench_tiles(report, staff_client, staff, _sample_points(district, 400))

    for label, client in ((f"district {district}, {in_district:,} problems", staff_client),
                          ("superuser, all districts", admin_client)):
        client.get("/map/")
        t = time.perf_counter()
        r = client.get("/map/")
        elapsed = time.perf_counter() - t
        report("maps", f"/map/ HTML size ({label})", len(r.content) / 1024, "KB", "target ≤ 300")
        report("maps", f"/map/ server time ({label})", elapsed, "s")

    from layers import emerging, hotspots, queries
    from patrol.models import Issue

    # What a user may ask: the product refuses an answer of more than HOTSPOT_MAX_CELLS hexagons (about the area
    # over a cell's area; all districts at 500 m are ~150,000). So one district at 500 m, and all problems at the
    # smallest cell the bound allows over all districts.
    limit = settings.PATROL["HOTSPOT_MAX_CELLS"]
    everywhere = hotspots.area_geometry(None)
    cell_all = smallest_cell_m(everywhere, limit)
    # Untimed: a served process has imported esda, scipy … before its first request (config/wsgi.py); here the
    # first call would import them.
    hotspots.hotspots(Issue.objects.filter(pk=-1), None, 100_000)
    report("maps", "smallest hot spot cell the bound allows, all districts", cell_all, "m",
           f"{everywhere.area / 1e6:,.0f} km², ≤ {limit:,} cells")
    cases = ((f"district {district}", Issue.objects.for_user(staff), district, 500),
             ("all districts", Issue.objects.all(), None, cell_all))
    for label, queryset, area_code, cell_m in cases:
        for attempt in ("first", "again"):
            t = time.perf_counter()
            cells, counts, z, p, classes = hotspots.hotspots(queryset, area_code, cell_m)
            elapsed = time.perf_counter() - t
            hot = int(sum(1 for c in classes if c.startswith("hot_")))
            report("maps", f"hot spots, {label}, {int(counts.sum()):,} problems, {cell_m} m ({attempt})", elapsed,
                   "s", f"target ≤ 10; {len(cells):,} cells, {hot:,} hot")
    for label, client, cell_m in ((f"district {district}", staff_client, 500),
                                  ("all districts", admin_client, cell_all)):
        t = time.perf_counter()
        r = client.get(f"/api/hotspots/?kind=all&cell_m={cell_m}")
        elapsed = time.perf_counter() - t
        assert r.status_code == 200, r.content[:300]
        report("maps", f"GET /api/hotspots/ {label}, {cell_m} m (with GeoJSON)", elapsed, "s",
               f"{len(r.json()['features']):,} cells, {len(r.content) / 1e6:.1f} MB")
    last = timezone.localdate().replace(day=1)
    for label, queryset, area_code, cell_m in cases:
        t = time.perf_counter()
        emerging.emerging(queryset, area_code, last, 12, cell_m)
        report("maps", f"emerging hot spots, {label}, 12 months, {cell_m} m", time.perf_counter() - t, "s")

    month = f"{(timezone.localdate().replace(day=1) - timezone.timedelta(days=1)):%Y-%m}"
    for label, user in ((f"district {district}", staff), ("superuser, all", admin)):
        for attempt in ("first", "again"):
            t = time.perf_counter()
            body = queries.area_lights(user, month, "village", geometry=False)
            elapsed = time.perf_counter() - t
            report("maps", f"lights of {month}, village level ({label}, {attempt})", elapsed, "s",
                   f"target ≤ 2; {len(body['features']):,} villages")
    t = time.perf_counter()
    r = staff_client.get(f"/api/lights/?month={month}&level=village")
    report("maps", f"GET /api/lights/ {month} (district, with boundaries)", time.perf_counter() - t, "s",
           f"{len(r.content) / 1e6:.1f} MB")
