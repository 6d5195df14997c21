"""Year-end totals under the `dazhangzhuang` scheme: 10,000 villages × 12 months × 5 scorecards (600,000
scorecards), target ≤ 5 s. The scorecards are generated once in SQL (last full year) and kept for later runs.
    python -m bench --only assessment_year
"""
import time
from datetime import date

N_VILLAGES = 10_000
PER_MONTH = 5

FILL_SQL = """
-- 5 scorecards per village per month of the year, by 5 bench scorers; totals between 60 and 100
INSERT INTO assessment_scorecard (village_id, month, assessor_id, scheme, items, total, note, current, created_at)
SELECT v.code, make_date(%(year)s, m, 1), u.id, 'dazhangzhuang', '{}'::jsonb,
       60 + ((hashtext(v.code || m || u.id) & 2147483647) %% 4001) / 100.0, '', TRUE, now()
FROM geo_village v CROSS JOIN generate_series(1, 12) m CROSS JOIN (SELECT id FROM accounts_user
     WHERE username LIKE 'bench_scorer%%') u
"""


def run(report):
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, User
    from assessment import results, schemes, services
    from assessment.models import EvaluatedVillage, Scorecard
    from bench.base import ensure_villages
    from geo.models import District, Village

    ensure_villages(N_VILLAGES)
    year = timezone.localdate().year - 1
    for d in District.objects.values_list("code", flat=True):
        schemes.set_scheme(d, "dazhangzhuang", {"rank_scope": "district"})
    if Scorecard.objects.filter(month=date(year, 12, 1)).count() < Village.objects.count() * PER_MONTH:
        print(f"[bench] generating {PER_MONTH} scorecards per village per month of {year} (once) ...", flush=True)
        for i in range(PER_MONTH):
            User.objects.get_or_create(username=f"bench_scorer{i + 1}", defaults={"role": Role.DISTRICT})
        Scorecard.objects.filter(month__year=year).delete()
        with connection.cursor() as cur:
            cur.execute(FILL_SQL, {"year": year})
            cur.execute("ANALYZE assessment_scorecard")
        codes = list(Village.objects.values_list("code", flat=True)[::3])
        EvaluatedVillage.objects.filter(year=year).delete()
        EvaluatedVillage.objects.bulk_create([EvaluatedVillage(year=year, village_id=c) for c in codes])
    # a year total counts closed months only (results.year): the bench year is closed, as the timer would have
    for m in range(1, 13):
        services.close_month(date(year, m, 1))
    cards = Scorecard.objects.filter(month__year=year, current=True).count()
    villages = Village.objects.count()
    started = time.perf_counter()
    result = results.year(year, "")
    seconds = time.perf_counter() - started
    marked = sum(1 for r in result["villages"] if r["marks"])
    report("assess_year", f"year-end totals {year}: {villages:,} villages, {cards:,} scorecards", seconds, "s",
           f"target ≤ 5 s; {marked} villages marked reward/deduction; third-party and month flags included")
    town = Village.objects.values_list("town_id", flat=True).first()
    started = time.perf_counter()
    results.year(year, town)
    report("assess_year", "year-end totals, one town's view (district ranking)", time.perf_counter() - started, "s",
           "ranks are taken over the whole district")
