"""Household points benchmarks (积分制): a village of 1,000 households scored for 12 months on 10 items — its
quarterly board (target ≤ 200 ms); a district of 100,000 households — the supervision page (target ≤ 2 s).

Data of its own, in a district of its own (code 319900, boxes for boundaries), filled once with INSERT … SELECT
generate_series and reused by later runs. `python -m bench --only households` runs this section alone.
"""
import statistics
import time
from datetime import date

DISTRICT = "319900"
VILLAGES = 200  # × 500 households = 100,000
PER_VILLAGE = 500
BIG_VILLAGE_HOUSEHOLDS = 1_000
ITEMS = 10
YEAR = 2026


def _village_code(i):
    return f"{DISTRICT}{100 + i // 20:03d}{200 + i % 20:03d}"


def ensure_data(log=print):
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection, transaction

    from accounts.models import Role, User
    from geo import scope
    from geo.models import District, Town, Village
    from households.models import Household, RuleItem, RuleSet

    staff = User.objects.filter(username="bench_households").first()
    if staff is None:
        staff = User.objects.create_user("bench_households", password=None, role=Role.DISTRICT, area_code=DISTRICT)
    if Household.objects.filter(scope.place_q(DISTRICT)).count() >= VILLAGES * PER_VILLAGE:
        return staff
    log("[bench] households: generating 100,000 households and their ledgers (once) ...")

    def box(x0, y0, size):
        return MultiPolygon(Polygon.from_bbox((x0, y0, x0 + size, y0 + size)), srid=4326)

    with transaction.atomic():
        district, _ = District.objects.get_or_create(code=DISTRICT, defaults={
            "name": "积分制测试区", "boundary": box(100.0, 20.0, 2.0)})
        for i in range(VILLAGES):
            code = _village_code(i)
            town_code = scope.town_of(code)
            x0, y0 = 100.0 + (i % 20) * 0.05, 20.0 + (i // 20) * 0.05
            Town.objects.get_or_create(code=town_code, defaults={"name": f"测试镇{i // 20 + 1}", "district": district,
                                                                  "boundary": box(100.0, y0, 1.0)})
            Village.objects.get_or_create(code=code, defaults={"name": f"测试村{i + 1}", "town_id": town_code,
                                                               "boundary": box(x0, y0, 0.05)})
        # Rules for every village: 10 monthly items.
        for i in range(VILLAGES):
            rs, created = RuleSet.objects.get_or_create(village_id=_village_code(i), year=YEAR,
                                                        defaults={"district": district, "board_n": 10})
            if created:
                RuleItem.objects.bulk_create([
                    RuleItem(ruleset=rs, key=f"item{k}", name=f"项目{k}", points=(k % 5) + 1 if k < 7 else -(k - 5),
                             kind="monthly", valid_from=date(YEAR, 1, 1)) for k in range(ITEMS)])
        codes = [_village_code(i) for i in range(VILLAGES)]
        scored = [c for i, c in enumerate(codes) if i and i % 10 != 9]  # every tenth village is behind
        with connection.cursor() as cur:
            # 100,000 households: 500 per village (the first village 1,000), 10 groups each. Bulk SQL: the ORM
            # would take minutes for this many rows.
            cur.execute("""
                INSERT INTO households_household (code, town_id, village_id, grid_id, "group", address, location,
                    head, phone, members, resident, status, balance, created_at, updated_at)
                SELECT 'B' || v.code || '-' || lpad(n::text, 4, '0'), v.town_id, v.code, NULL,
                       (n %% 10 + 1)::text || '组', (n %% 10 + 1)::text || '组' || n || '号',
                       ST_SetSRID(ST_MakePoint(ST_X(ST_Centroid(v.boundary)), ST_Y(ST_Centroid(v.boundary))), 4326),
                       '测试' || n, '', 3, TRUE, 'active', 0, now(), now()
                FROM geo_village v
                CROSS JOIN LATERAL generate_series(1, CASE WHEN v.code = %(first)s THEN %(big)s ELSE %(per)s END) n
                WHERE v.code = ANY(%(villages)s)
                ON CONFLICT (code) DO NOTHING
            """, {"first": _village_code(0), "big": BIG_VILLAGE_HOUSEHOLDS, "per": PER_VILLAGE, "villages": codes})
            # The big village: 12 months × 10 items, each scored for about 80 % of its households.
            cur.execute("""
                INSERT INTO households_pointentry (household_id, village_id, kind, item_key, item_id, name, points,
                    month, date, note, photo, created_at)
                SELECT h.id, h.village_id, 'monthly', i.key, i.id, i.name, i.points, m::date,
                       (m + interval '1 month' - interval '1 day')::date, '', '', now()
                FROM households_household h
                JOIN households_ruleset rs ON rs.village_id = h.village_id AND rs.year = %(year)s
                JOIN households_ruleitem i ON i.ruleset_id = rs.id
                CROSS JOIN generate_series(%(jan)s::date, %(dec)s::date, interval '1 month') m
                WHERE h.village_id = %(first)s AND (h.id * 7 + i.id * 13 + extract(month from m)::int) %% 5 <> 0
            """, {"year": YEAR, "jan": date(YEAR, 1, 1), "dec": date(YEAR, 12, 1), "first": _village_code(0)})
            # The rest of the district: this month's scoring, every household in 9 of 10 villages.
            cur.execute("""
                INSERT INTO households_pointentry (household_id, village_id, kind, item_key, item_id, name, points,
                    month, date, note, photo, created_at)
                SELECT h.id, h.village_id, 'monthly', i.key, i.id, i.name, i.points, %(month)s, %(month)s, '', '', now()
                FROM households_household h
                JOIN households_ruleset rs ON rs.village_id = h.village_id AND rs.year = %(year)s
                JOIN households_ruleitem i ON i.ruleset_id = rs.id
                WHERE h.village_id = ANY(%(scored)s)
            """, {"year": YEAR, "month": date(YEAR, 12, 1), "scored": scored})
            cur.execute("""
                UPDATE households_household h SET balance = s.total
                FROM (SELECT household_id, sum(points) total FROM households_pointentry GROUP BY household_id) s
                WHERE s.household_id = h.id AND h.village_id = ANY(%(villages)s)
            """, {"villages": codes})
    with connection.cursor() as c:  # VACUUM too: the supervision counts read the (village, month) index alone
        c.execute("VACUUM ANALYZE households_household")
        c.execute("VACUUM ANALYZE households_pointentry")
    return staff


def _median_ms(fn, runs=7):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def run(report):
    from django.test import Client
    from django.urls import reverse

    from geo import scope
    from households import services
    from households.models import Household, PointEntry

    staff = ensure_data()
    village = _village_code(0)
    households = Household.objects.filter(village_id=village).count()
    entries = PointEntry.objects.filter(village_id=village).count()
    services.board(village, f"{YEAR}-Q2")  # warm
    median, worst = _median_ms(lambda: services.board(village, f"{YEAR}-Q2"))
    report("households", f"quarterly board: {households:,} households, {entries:,} entries", median, "ms",
           f"target ≤ 200 ms; median of 7, worst {worst:.0f} ms")
    median, worst = _median_ms(lambda: services.board(village, f"{YEAR}-Q2", group="3组"))
    report("households", "quarterly board of one group", median, "ms", f"worst {worst:.0f} ms")

    total = Household.objects.filter(scope.place_q(DISTRICT)).count()
    client = Client()
    client.force_login(staff)
    url = reverse("households:supervision") + f"?month={YEAR}-12"

    def page():
        r = client.get(url)
        assert r.status_code == 200, r.status_code

    page()  # warm
    median, worst = _median_ms(page, runs=5)
    report("households", f"supervision page: {total:,} households, {VILLAGES} villages", median / 1000, "s",
           f"target ≤ 2 s; median of 5, worst {worst / 1000:.2f} s")
