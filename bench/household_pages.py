"""The village household pages (issue 30), server time in process (Django's test client, no network): the
register (/households/) and the counter (/households/redeem/) of a village of 1,000 households with a year of
scores (the `households` section's data). Target: p95 ≤ 300 ms each.

`python -m bench --only household_pages` runs this section alone. The counter's 兑换 is timed inside a transaction
that is rolled back, so the bench data stay as they were.
"""
import time

from bench.base import percentile

RUNS = 60


def _village_cadre(village):
    from accounts.models import Role, User

    user = User.objects.filter(username="bench_household_village").first()
    if user is None:
        user = User.objects.create_user("bench_household_village", password=None, role=Role.VILLAGE,
                                        area_code=village)
    return user


def _goods(village):
    from households.models import Good

    if not Good.objects.filter(village_id=village).exists():
        Good.objects.bulk_create([Good(village_id=village, name=f"物品{i}", price=5 + i, stock=1000)
                                  for i in range(12)])
    return list(Good.objects.filter(village_id=village, active=True).order_by("pk"))


def _p95(fn, runs=RUNS):
    fn()  # warm
    samples = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t) * 1000)
    return percentile(samples, 95), percentile(samples, 50)


def run(report):
    from django.db import transaction
    from django.test import Client

    from bench.households import _village_code, ensure_data
    from households.models import Household

    ensure_data()
    village = _village_code(0)
    cadre = _village_cadre(village)
    goods = _goods(village)
    codes = list(Household.objects.filter(village_id=village).order_by("-balance", "code")
                 .values_list("code", flat=True)[:RUNS + 1])
    n = Household.objects.filter(village_id=village).count()
    client = Client()
    client.force_login(cadre)

    def get(url, status=200):
        r = client.get(url)
        assert r.status_code == status, (url, r.status_code)

    cases = [
        ("register, first page", lambda i=0: get("/households/")),
        ("register, page 15", lambda i=0: get("/households/?page=15")),
        ("register, one group", lambda i=0: get("/households/?group=3组")),
        ("register, search by name", lambda i=0: get(f"/households/?q=测试{100 + i}")),
        ("counter, household with goods", lambda i=0: get(f"/households/redeem/?code={codes[i % len(codes)]}")),
        ("counter, find by name", lambda i=0: get(f"/households/redeem/?q=测试{200 + i}", 302)),
    ]
    for name, fn in cases:
        p95, p50 = _p95(fn)
        report("household_pages", f"{name} ({n:,} households)", p95, "ms",
               f"target p95 ≤ 300 ms; median {p50:.0f} ms, {RUNS} requests")

    def redeem(i=0):
        with transaction.atomic():
            r = client.post("/households/redeem/", {"household": codes[i % len(codes)], "good": goods[0].pk,
                                                    "quantity": "1"})
            assert r.status_code == 302, r.status_code
            transaction.set_rollback(True)

    p95, p50 = _p95(redeem)
    report("household_pages", f"counter, 兑换 ({n:,} households)", p95, "ms",
           f"target p95 ≤ 300 ms; median {p50:.0f} ms, {RUNS} requests, rolled back")
