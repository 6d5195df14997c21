"""The black-odorous list (黑臭水体动态清单) at scale: 10,000 water bodies (ponds and ditches) in one district.

Target (issue 25): the list of 10,000 water bodies with its rebound check ≤ 1 s — GET /api/water-bodies/ for a
district user answering all 10,000 as GeoJSON, and a black_water report on the list (the rebound check inside it)
through POST /api/issues/. Also measured, without a target: the rebound check alone and the list's xlsx export.
Runs on the bench database's generated villages (alone: 400 of them will do).
"""
import random
import statistics
import time
import uuid

from django.db import connection

from bench.base import percentile
from bench.maps import _client, _user

N_WATERS = 10_000
ROUNDS = 3
REPORTS = 100

# Raw SQL: 10,000 water bodies at random points of one district's villages (ST_GeneratePoints), two in three a
# pond (a 20–60 m disc, 17 vertices, drawn on the spheroid), one in three a 200–800 m ditch; their town, village
# and grid found by joins, with their first history row — two statements instead of 10,000 calls.
FILL_SQL = """
WITH v AS (
    SELECT code, town_id, boundary, row_number() OVER (ORDER BY code) - 1 AS k, count(*) OVER () AS n
    FROM geo_village WHERE town_id >= %(district)s AND town_id < %(district_end)s
),
pts AS (
    SELECT g AS i, v.code AS village_id, v.town_id,
           (ST_Dump(ST_GeneratePoints(v.boundary, 1, g))).geom AS p
    FROM generate_series(1, %(n)s) g JOIN v ON v.k = (hashint4(g)::bigint & 2147483647) %% v.n
)
INSERT INTO waterbodies_waterbody (name, kind, geom, town_id, village_id, grid_id, status, status_since, listed_at,
                                   listed_by_id, note, client_uuid)
SELECT 'BW' || lpad(p.i::text, 6, '0'),
       CASE WHEN p.i %% 3 = 0 THEN 'ditch' ELSE 'pond' END,
       CASE WHEN p.i %% 3 = 0
            THEN ST_MakeLine(p.p, ST_Project(p.p::geography, 200 + (p.i %% 7) * 100, radians(p.i %% 360))::geometry)
            ELSE ST_Buffer(p.p::geography, 20 + (p.i %% 5) * 10, 'quad_segs=4')::geometry END,
       p.town_id, p.village_id,
       (SELECT g.code FROM geo_grid g WHERE g.village_id = p.village_id AND ST_Intersects(g.boundary, p.p)
        ORDER BY g.code LIMIT 1),
       (ARRAY['eliminated','eliminated','eliminated','eliminated','treating','treating','treating',
              'black_odorous','black_odorous','rebounded'])[1 + p.i %% 10],
       now(), now(), %(user)s, '', gen_random_uuid()
FROM pts p
"""
HISTORY_SQL = """
INSERT INTO waterbodies_statuschange (water_body_id, from_status, to_status, actor_id, at, note)
SELECT w.id, '', w.status, w.listed_by_id, w.listed_at, '纳入清单'
FROM waterbodies_waterbody w
WHERE w.name LIKE 'BW%%' AND NOT EXISTS (SELECT 1 FROM waterbodies_statuschange c WHERE c.water_body_id = w.id)
"""


def ensure_waters(district, user, n=N_WATERS, log=print):
    from geo import scope
    from waterbodies.models import WaterBody

    have = WaterBody.objects.filter(name__startswith="BW").count()
    if have >= n:
        return have
    log(f"[bench] listing {n - have:,} water bodies ...")
    with connection.cursor() as cur:
        cur.execute(FILL_SQL, {"n": n - have, "district": district, "district_end": scope.next_code(district),
                               "user": user.pk})
        cur.execute(HISTORY_SQL)
        cur.execute("ANALYZE waterbodies_waterbody")
    return WaterBody.objects.filter(name__startswith="BW").count()


def run(report):
    from bench.base import ensure_villages
    from geo.models import Village
    from waterbodies.models import WaterBody
    from waterbodies.services import water_body_at

    name = connection.settings_dict["NAME"]
    if not (name.startswith("bench") or name.startswith("test_")):
        raise RuntimeError(f"bench.waterbodies lists 10,000 water bodies: use a bench database, not {name!r}")
    if Village.objects.count() < 400:  # a full `make bench` has made 10,000 already; alone, one district will do
        ensure_villages(400)
    first = WaterBody.objects.filter(name__startswith="BW").values_list("town_id", flat=True).first()
    district = first[:6] if first else Village.objects.order_by("code").values_list("town_id", flat=True)[0][:6]
    staff = _user(f"bench_water_{district}", "district", district)
    inspector = _user(f"bench_water_insp_{district}", "inspector", district)
    total = ensure_waters(district, staff)
    client = _client(staff)

    ms, count = [], 0
    for _ in range(ROUNDS):
        t = time.perf_counter()
        r = client.get("/api/water-bodies/")
        body = r.content
        ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, body[:200]
        count = body.count(b'"Feature"')
    report("waterbodies", "list GET /api/water-bodies/ (district, GeoJSON)", statistics.median(ms), "ms",
           f"{count:,} of {total:,} water bodies, {len(body) / 1e6:.1f} MB, median of {ROUNDS}; target ≤ 1000")

    # Reports on the list at the points the water bodies were generated from (inside their village): a pond's
    # centre, a ditch's start.
    rng = random.Random(7)
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT id, CASE WHEN kind = 'pond' THEN ST_Centroid(geom) "
                    "ELSE ST_StartPoint(geom) END AS p FROM waterbodies_waterbody WHERE name LIKE 'BW%%') w "
                    "ORDER BY id")
        points = cur.fetchall()
    rng.shuffle(points)
    checks = []
    for lon, lat in points[:500]:
        t = time.perf_counter()
        water_body_at(lon, lat)
        checks.append((time.perf_counter() - t) * 1000)
    report("waterbodies", "rebound check alone (ST_DWithin on geography) p95", percentile(checks, 95), "ms",
           f"500 points on {total:,} water bodies, p50 {statistics.median(checks):.2f} ms")

    reporter = _client(inspector)
    ms, linked = [], 0
    for lon, lat in points[:REPORTS]:
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                   "properties": {"category": "black_water", "client_uuid": str(uuid.uuid4()),
                                  "description": "bench"}}
        t = time.perf_counter()
        r = reporter.post("/api/issues/", feature, content_type="application/json")
        ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 201, r.content[:300]
        linked += r.json()["properties"]["water_body"] is not None
    report("waterbodies", "black_water report with its rebound check p95 (POST /api/issues/)", percentile(ms, 95), "ms",
           f"{REPORTS} reports, {linked} linked to a water body, p50 {statistics.median(ms):.1f} ms; "
           "target ≤ 1000")

    t = time.perf_counter()
    r = client.get("/api/water-bodies/?export=xlsx")
    content = b"".join(r.streaming_content) if r.streaming else r.content
    report("waterbodies", "the list as xlsx (?export=xlsx, no target)", (time.perf_counter() - t) * 1000, "ms",
           f"{len(content) / 1e6:.1f} MB")
