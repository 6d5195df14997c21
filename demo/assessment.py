"""Demo assessment: the demo district on the `dazhangzhuang` scheme with parameters fitting its size, on-site
scorecards for this year's past months, a third-party evaluation list and a model village.

The demo district has 4 towns of about 11 villages each — 44 villages, as many as Dazhangzhuang town has. Its
work plan ranks its 44 villages together and talks to the bottom 10; ranked within the demo's towns of 11, a
bottom 10 would flag 35 of the 44 villages. So the demo ranks district-wide (rank_scope=district) and keeps the
plan's bottom 10 of 44, top 5 / bottom 5 at year end."""
import random
from datetime import date
from decimal import Decimal

from django.utils import timezone

DEMO_PARAMETERS = {"rank_scope": "district", "bottom_n": "10", "reward_n": "5", "deduct_n": "5"}


def load(district, stdout=None):
    from accounts.models import User
    from assessment import schemes, services
    from assessment.models import Adjustment, EvaluatedVillage, Scorecard
    from geo import scope
    from geo.models import Village

    schemes.set_scheme(district.code, "dazhangzhuang", DEMO_PARAMETERS)
    scheme = schemes.get("dazhangzhuang")
    items = scheme.items()
    assessors = list(User.objects.filter(username__in=["qu_admin", "dudao"]).order_by("username"))
    villages = list(Village.objects.filter(scope.code_q(district.code)).order_by("code").values_list("code", flat=True))
    if not assessors or not villages:
        return
    rnd = random.Random(20240301)
    quality = {code: rnd.uniform(0.62, 0.95) for code in villages}  # each village's usual standard
    today = timezone.localdate()
    months = [date(today.year, m, 1) for m in range(1, today.month)]
    cards = []
    for month in months:
        for code in villages:
            for who in assessors:
                level = min(1.0, max(0.3, quality[code] + rnd.gauss(0, 0.05)))
                points = {i["key"]: str(Decimal(round(i["max"] * min(1.0, max(0.0, level + rnd.gauss(0, 0.06))) * 2)
                                                / 2)) for i in items}
                cards.append(Scorecard(village_id=code, month=month, assessor=who, scheme=scheme.name, items=points,
                                       total=sum(Decimal(v) for v in points.values()), note="演示数据"))
    Scorecard.objects.bulk_create(cards, batch_size=2000)
    EvaluatedVillage.objects.bulk_create([EvaluatedVillage(year=today.year, village_id=c) for c in villages[::3]],
                                         ignore_conflicts=True)
    best = max(villages, key=quality.get)
    Adjustment.objects.create(village_id=best, year=today.year, kind="model", points=Decimal("5"),
                              reason="形成典型，承担县现场观摩点评（演示）")
    for month in months[:-1]:  # past months closed, last month left open for late scorecards
        services.close_month(month, district.code)
    if stdout is not None:
        stdout.write(f"示例考核已加载：{len(villages)} 个村 × {len(months)} 个月的现场评分表"
                     "（方案 dazhangzhuang，全区排名）")
