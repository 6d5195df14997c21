"""Point lookup: single /api/locate latency over HTTP, and bulk assignment rate, on 10,000 villages."""
import http.client
import json
import time

from django.db import connection

from bench.base import bench_admin, ensure_villages, gunicorn, percentile


def sample_points(per_village, seed=7):
    # Random points inside villages (ST_GeneratePoints is seeded for repeatability).
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_Dump(ST_GeneratePoints(boundary, %s, %s))).geom AS p"
            " FROM geo_village ORDER BY code) s",
            [per_village, seed],
        )
        return cur.fetchall()


def run(report):
    from geo.lookup import locate_many
    from geo.models import Village

    ensure_villages(10_000)
    villages = Village.objects.count()
    with connection.cursor() as cur:
        cur.execute("SELECT avg(ST_NPoints(boundary)) FROM geo_village")
        vertices = float(cur.fetchone()[0])
    report("geo", "villages / mean vertices per boundary", villages, "", f"{vertices:.0f} vertices each")

    points = sample_points(100)  # 1,000,000 points
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    t = time.perf_counter()
    found = locate_many(lons, lats, workers=2)
    elapsed = time.perf_counter() - t
    hit = sum(1 for v, _ in found if v)
    report("geo", f"bulk assignment of {len(points):,} points (2 workers)", elapsed, "s", "target < 30 s")
    report("geo", "bulk assignment rate", len(points) / elapsed, "pts/s", f"{hit:,} assigned to a village")

    _, token = bench_admin()
    with gunicorn(workers=2) as base:
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port))
        samples = []
        for i in range(0, 2000):
            lon, lat = points[(i * 7919) % len(points)]
            t = time.perf_counter()
            conn.request("GET", f"/api/locate/?lon={lon}&lat={lat}", headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            body = response.read()
            samples.append((time.perf_counter() - t) * 1000)
            if response.status != 200:
                raise RuntimeError(f"locate answered {response.status}: {body[:200]}")
        json.loads(body)
        samples = samples[100:]  # warm-up
        report("geo", "GET /api/locate p50 (HTTP, gunicorn 2 workers)", percentile(samples, 50), "ms")
        report("geo", "GET /api/locate p95", percentile(samples, 95), "ms", "target < 20 ms")
