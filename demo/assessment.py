"""Demo assessment: two schemes side by side, as two offices would run them.

- The district on `dazhangzhuang` (seed 001): on-site scorecards each month by qu_admin and dudao, ranked
  district-wide, bottom 10 → 约谈 (recorded through assessment.services.record_interview for every flagged village
  of every closed month), a third-party evaluation list, a model village (+5).
- One town (the district's last) on `minhang` (seed 000): its own scorecard template, bimonthly evaluations,
  two city checks (one with a village below the city average, so the district notice rule fires for it, as it
  does for a village bottom-5 in two evaluations running) and the year-end 长效管护 fund, withheld for the
  village the notice named.
- `standard` nowhere (the district's setting covers every town but the minhang one).
- Every past month of the year closed; the current month (December on the demo's day) stays open.

The demo district has 4 towns of about 11 villages each — 44 villages, as many as Dazhangzhuang town has. Its
work plan ranks its 44 villages together and talks to the bottom 10; ranked within the demo's towns of 11, a
bottom 10 would flag most villages. So the district ranks district-wide (rank_scope=district) and keeps the
plan's bottom 10, top 5 / bottom 5 at year end (the 33 villages left under it after the minhang town)."""
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from core.months import add_months

DEMO_PARAMETERS = {"rank_scope": "district", "bottom_n": "10", "reward_n": "5", "deduct_n": "5"}
# The plan ranks about a hundred villages and names the bottom 5; the demo's minhang town has 8 to 11, where a
# bottom 5 would flag over half of them. Demo choice: bottom 2, as the district's bottom 10 is kept for 33-36.
MINHANG_PARAMETERS = {"bottom_n": "2"}


def _cards(rnd, scheme, villages, months, assessors, quality, Scorecard):
    items = scheme.items()
    cards = []
    for month in months:
        for code in villages:
            for who in assessors:
                level = min(1.0, max(0.3, quality[code] + rnd.gauss(0, 0.05)))
                points = {i["key"]: str(Decimal(round(i["max"] * min(1.0, max(0.0, level + rnd.gauss(0, 0.06))) * 2)
                                                / 2)) for i in items}
                cards.append(Scorecard(village_id=code, month=month, assessor=who, scheme=scheme.name, items=points,
                                       total=sum(Decimal(v) for v in points.values()), note="演示数据"))
    return cards


def load(district, stdout=None, today=None):
    from accounts.models import User
    from assessment import schemes, services
    from assessment.models import CityCheck, CityCheckScore, Scorecard, UpkeepFund
    from geo.models import Village

    today = today or timezone.localdate()
    towns = list(district.towns.order_by("code").values_list("code", flat=True))
    minhang_town = towns[-1]
    schemes.set_scheme(district.code, "dazhangzhuang", DEMO_PARAMETERS)
    schemes.set_scheme(minhang_town, "minhang", MINHANG_PARAMETERS)
    people = {u.username: u for u in User.objects.filter(username__in=["qu_admin", "dudao"])}
    assessors = [people[n] for n in ("dudao", "qu_admin") if n in people]
    staff = people.get("qu_admin")
    villages = list(Village.objects.filter(town__district=district).order_by("code").values_list("code", "town_id"))
    if not assessors or not villages or staff is None:
        return
    rnd = random.Random(20240301)
    quality = {code: rnd.uniform(0.62, 0.95) for code, _ in villages}  # each village's usual standard
    months = [date(today.year, m, 1) for m in range(1, today.month)]
    own = [c for c, t in villages if t != minhang_town]
    theirs = [c for c, t in villages if t == minhang_town]
    cards = (_cards(rnd, schemes.get("dazhangzhuang"), own, months, assessors, quality, Scorecard)
             + _cards(rnd, schemes.get("minhang"), theirs, months, assessors, quality, Scorecard))
    Scorecard.objects.bulk_create(cards, batch_size=2000)
    for month in months:  # entered in the month's last week, as the rounds are walked
        entered = timezone.make_aware(datetime.combine(add_months(month, 1) - timedelta(days=5), datetime.min.time()))
        Scorecard.objects.filter(month=month).update(created_at=entered + timedelta(hours=10))

    # Two city checks in the minhang town's year; the weakest village scores below the city average in the second.
    weakest = min(theirs, key=quality.get)
    for n, month in enumerate(months[2::5][:2]):
        check = CityCheck.objects.create(name=f"市级暗访测评（第{n + 1}次，示例）",
                                         checked_on=month + timedelta(days=14), city_average=Decimal("86.0"))
        CityCheckScore.objects.bulk_create([
            CityCheckScore(city_check=check, village_id=c,
                           score=Decimal(str(round(70 + 28 * quality[c], 1))) - (8 if n == 1 and c == weakest else 0))
            for c in theirs])

    services.set_evaluated(staff, today.year, [c for c, _ in villages][::3])
    best = max(own, key=quality.get)
    services.add_adjustment(staff, best, today.year, None, "形成典型，承担县现场观摩点评（示例）", kind="model")
    for month in months:
        services.close_month(month, district.code, user=staff, note="月度考核关账（示例）")

    # The 约谈 every flag called for, held in the first days of the next month (never after today).
    data = schemes.Data(district.code, months, schemes.villages_of(district.code))
    interviews = 0
    notices = set()
    for month in months:
        for code, _ in villages:
            flags = {f["code"] for f in data.flags(month, code)}
            if "notice" in flags:
                notices.add(code)
            if flags & {"bottom", "bottom_twice"} and code in own:
                held = min(today, add_months(month, 1) + timedelta(days=rnd.randint(2, 9)))
                who = "镇主要领导" if "bottom_twice" in flags else "分管领导"
                services.record_interview(staff, code, f"{month:%Y-%m}", held, who,
                                          note="约谈村支部书记，通报排名情况，提出整改要求（示例）")
                interviews += 1
    withheld = "市级检查低于全市平均分，予以全区通报，取消长效管护奖补（示例）"
    UpkeepFund.objects.bulk_create([
        UpkeepFund(village_id=c, year=today.year, amount=Decimal("80000"), withheld=c in notices and c == weakest,
                   note=withheld if c in notices and c == weakest else "长效管护奖补（示例）", entered_by=staff)
        for c in theirs])
    if stdout is not None:
        stdout.write(f"示例考核已加载：{len(own)} 个村（dazhangzhuang，全区排名）与 {len(theirs)} 个村"
                     f"（minhang，{minhang_town}）× {len(months)} 个月的现场评分表；约谈 {interviews} 次，"
                     f"通报 {len(notices)} 个村")
