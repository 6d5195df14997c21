"""Problems API: report throughput through gunicorn, and a 10,000-feature bbox page against raw PostGIS GeoJSON."""
import http.client
import json
import statistics
import threading
import time
import uuid

from django.db import connection

from bench.base import bench_admin, ensure_villages, gunicorn, percentile
from bench.geo import sample_points
from patrol import lights

# The same rows the list endpoint returns, built as GeoJSON inside PostGIS: the yardstick for the API.
RAW_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'count', (SELECT count(*) FROM patrol_issue
         WHERE location @ ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)),
       'features', COALESCE(json_agg(json_build_object(
         'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(location)::json,
         'properties', json_build_object('id', id, 'category', category_id, 'status', status,
            'light', {light},
            'town', town_id, 'village', village_id, 'grid', grid_id, 'deadline', deadline,
            'reported_at', reported_at, 'rebound_of', rebound_of_id, 'source', source,
            'red_supervision', red_supervision, 'assignee', assignee, 'closed_at', closed_at,
            'description', description)
       )), '[]'::json))::text
FROM (SELECT * FROM patrol_issue WHERE location @ ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)
      ORDER BY reported_at DESC, id DESC LIMIT 10000) page
""".replace("{light}", lights.problem_light_sql("status", "red_supervision", "deadline", "CURRENT_DATE"))


def dense_bbox(min_count=10_000):
    """A bbox around the busiest village neighbourhood holding at least min_count problems."""
    with connection.cursor() as cur:
        cur.execute("SELECT village_id FROM patrol_issue GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        (village,) = cur.fetchone()
        cur.execute("SELECT ST_X(ST_Centroid(boundary)), ST_Y(ST_Centroid(boundary)) FROM geo_village WHERE code=%s",
                    [village])
        x, y = cur.fetchone()
        half = 0.01
        while True:
            cur.execute("SELECT count(*) FROM patrol_issue WHERE location @ ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                        [x - half, y - half, x + half, y + half])
            if cur.fetchone()[0] >= min_count or half > 1:
                return x - half, y - half, x + half, y + half
            half *= 1.4


def post_reports(base, token, points, threads=8):
    host, port = base.removeprefix("http://").split(":")
    statuses, lock = [], threading.Lock()
    chunks = [points[i::threads] for i in range(threads)]

    def worker(chunk):
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        for lon, lat in chunk:
            body = json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                               "properties": {"category": "clutter", "client_uuid": str(uuid.uuid4()),
                                              "description": "bench"}})
            conn.request("POST", "/api/issues/", body, {"Authorization": f"Token {token}",
                                                        "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            with lock:
                statuses.append(response.status)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started, statuses


def run(report):
    from bench.data import ensure_issues

    ensure_villages(10_000)
    ensure_issues(1_000_000)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM patrol_issue")
        total = cur.fetchone()[0]
    report("issues", "problems in the database", total, "")
    _, token = bench_admin()
    # New spots on every run (the seed is the number of problems, which each run raises). The reports of earlier
    # runs stay (history is append-only): reporting at the same 3,000 spots every time piled dozens of problems of
    # one category at each (70 after some 25 runs, against 0.01 at a random spot among the 1 million), so every
    # run measured a heavier duplicate search and a longer answer than the last.
    points = sample_points(1, seed=total)[:3000]
    x0, y0, x1, y1 = dense_bbox()
    # The deployment's gunicorn (deploy/patrol.env.example: WEB_WORKERS=4, WEB_THREADS=4).
    with gunicorn(workers=4, threads=4) as base:
        post_reports(base, token, points[:200])  # warm-up
        elapsed, statuses = post_reports(base, token, points[200:])
        ok = sum(1 for s in statuses if s == 201)
        report("issues", "POST /api/issues/ (no photo), gunicorn 4×4, 8 clients", ok / elapsed, "reports/s",
               f"target ≥ 150; {ok}/{len(statuses)} created")

        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        url = f"/api/issues/?bbox={x0},{y0},{x1},{y1}&page_size=10000"
        api_ms, raw_ms, size = [], [], 0
        # Interleaved, so both sides see the same machine; the first rounds warm every worker thread's connection.
        for _ in range(32):
            t = time.perf_counter()
            conn.request("GET", url, headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            payload = response.read()
            api_ms.append((time.perf_counter() - t) * 1000)
            size = len(payload)
            with connection.cursor() as cur:
                t = time.perf_counter()
                cur.execute(RAW_SQL, {"x0": x0, "y0": y0, "x1": x1, "y1": y1})
                cur.fetchone()
                raw_ms.append((time.perf_counter() - t) * 1000)
        features = len(json.loads(payload)["features"])
    api_ms, raw_ms = api_ms[12:], raw_ms[12:]
    api, raw = statistics.median(api_ms), statistics.median(raw_ms)
    report("issues", f"GET /api/issues/?bbox page of {features:,} features p50", api, "ms", f"{size / 1e6:.1f} MB")
    report("issues", "same page as raw PostGIS GeoJSON p50", raw, "ms")
    report("issues", "list endpoint / raw SQL", api / raw, "×", "target ≤ 1.5")
    report("issues", "list endpoint p95", percentile(api_ms, 95), "ms")
