"""Facilities (一厕一码) at scale: 100,000 facilities; their vector tiles at z14 and a public scan report.

Targets (issue 15): tiles p95 ≤ 50 ms at z14; a scan report end to end ≤ 50 ms p95 on the server (through the
view: rate limit, merge check, order, problem in the loop). Runs on the bench database's generated villages.
"""
import random
import statistics
import time

from django.db import connection
from django.test import Client

from bench.base import percentile
from bench.maps import _client, _user, tile_of, time_tiles
from core import ratelimit

N_FACILITIES = 100_000
TILES = 40
ROUNDS = 3
REPORTS = 200

# Raw SQL: 100,000 rows placed at random points inside random villages (ST_GeneratePoints), their town,
# village and grid found by joins — one statement instead of 100,000 lookups.
FILL_SQL = """
WITH v AS (
    SELECT code, town_id, boundary, row_number() OVER (ORDER BY code) - 1 AS k, count(*) OVER () AS n
    FROM geo_village
),
pts AS (
    SELECT g AS i, v.code AS village_id, v.town_id,
           (ST_Dump(ST_GeneratePoints(v.boundary, 1, g))).geom AS location
    FROM generate_series(1, %(n)s) g JOIN v ON v.k = (hashint4(g)::bigint & 2147483647) %% v.n
)
INSERT INTO facilities_facility (code, kind_id, name, location, town_id, village_id, grid_id, household, operator_id,
                                 status, open_orders, created_at, updated_at, status_reason, upkeep_note)
SELECT 'BF' || lpad(p.i::text, 7, '0'),
       (ARRAY['household_toilet','household_toilet','household_toilet','public_toilet','garbage_point',
              'sewage_plant'])[1 + p.i %% 6],
       '', p.location, p.town_id, p.village_id,
       (SELECT g.code FROM geo_grid g WHERE g.village_id = p.village_id AND ST_Intersects(g.boundary, p.location)
        ORDER BY g.code LIMIT 1),
       '', 'bench-op-' || (p.i %% 5), CASE WHEN p.i %% 50 = 0 THEN 'problem' ELSE 'in_use' END, 0, now(), now(), '', ''
FROM pts p
ON CONFLICT (code) DO NOTHING
"""


def ensure_facilities(n=N_FACILITIES, log=print):
    from facilities.models import Facility, Operator

    have = Facility.objects.filter(code__startswith="BF").count()
    if have >= n:
        return have
    for i in range(5):
        Operator.objects.get_or_create(code=f"bench-op-{i}", defaults={"name": f"测试服务公司{i}"})
    log(f"[bench] placing {n:,} facilities ...")
    with connection.cursor() as cur:
        cur.execute(FILL_SQL, {"n": n})
        cur.execute("ANALYZE facilities_facility")
    return Facility.objects.filter(code__startswith="BF").count()


def run(report):
    from bench.base import ensure_villages
    from facilities.models import Facility
    from geo import scope

    name = connection.settings_dict["NAME"]
    if not (name.startswith("bench") or name.startswith("test_")):
        raise RuntimeError(f"bench.facilities loads 100,000 facilities: use a bench database, not {name!r}")
    from geo.models import Village

    if Village.objects.count() < 400:  # a full `make bench` has made 10,000 already; alone, one district will do
        ensure_villages(400)
    total = ensure_facilities()
    report("facilities", "facilities in the database", total, "")
    district = Facility.objects.filter(code__startswith="BF").values_list("town_id", flat=True).first()[:6]
    staff = _user(f"bench_fac_{district}", "district", district)
    client = _client(staff)
    rows = list(Facility.objects.filter(scope.place_q(district), code__startswith="BF")
                .values_list("code", "location")[:2000])
    random.Random(3).shuffle(rows)

    coords = list(dict.fromkeys(tile_of(p.x, p.y, 14) for _, p in rows))[:TILES]
    ms, sizes = time_tiles(client, "/tiles/facilities/14/{x}/{y}.pbf", coords, ROUNDS)
    report("facilities", "tile z14 p50 (district user, through the view)", statistics.median(ms), "ms",
           f"{len(coords)} tiles × {ROUNDS}, mean {statistics.mean(sizes) / 1024:.1f} KB")
    report("facilities", "tile z14 p95", percentile(ms, 95), "ms", "target ≤ 50")

    from django.conf import settings
    from django.test import override_settings

    ratelimit.reset()
    public = Client()
    ms, created = [], 0
    limits = {**settings.FACILITIES, "RATE_PER_CLIENT": "100000/h", "RATE_PER_FACILITY": "100000/h"}
    with override_settings(FACILITIES=limits):
        for i, (code, _) in enumerate(rows[:REPORTS]):
            need = ("pump", "repair", "dirty")[i % 3]
            t = time.perf_counter()
            r = public.post(f"/f/{code}/report/", {"need": need, "note": "bench"}, content_type="application/json")
            ms.append((time.perf_counter() - t) * 1000)
            created += r.status_code == 201
    report("facilities", "scan report p50 (POST /f/<code>/report/, in process)", statistics.median(ms), "ms",
           f"{REPORTS} reports, {created} new orders")
    report("facilities", "scan report p95", percentile(ms, 95), "ms", "target ≤ 50")
