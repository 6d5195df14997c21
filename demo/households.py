"""Demo households and their points (积分制, seed 003), through households.services and the household import.

- Villages: the first four of the first town (cun_staff's among them) and the first three of the second — seven
  villages in two towns. Households are imported (households.imports.import_rows) with door codes
  (village code + group + door number), full synthetic heads' names (shown masked, 张**, outside the village
  and town), groups of about a dozen, and door positions inside their village.
- Rules: the district's reference 积分细则 for the year (qu_admin), which every village copies
  (save_rules without items). The items are a project default: the seed names the fields (宅前屋后、自留地、
  庭院、垃圾分类、移风易俗) but gives no points.
- A year of monthly 评比 (one monthly item a household a month, by its own habits), occasional points
  (volunteering, 移风易俗), goods in each village's 积分超市 and redemptions each quarter, each quarter's board
  published; December's round is being done in the first days of the month.
- Problems linked to households: an open problem of the village linked to a household, then rectified and
  verified, which charges the household (households.services.on_issue_transitioned).
- One village lags: its scoring stops after September and it publishes no fourth-quarter board, so the
  district's /households/supervision/ page has something to say.
- Times: each round's scores in working hours of its day, the quarter's board put up at the end of that day.
"""
import random
import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from core.months import last_day

from .geography import _GIVEN as GIVEN_NAMES
from .geography import _SURNAMES as SURNAMES

HOUSEHOLDS_PER_VILLAGE = 11
REFERENCE_ITEMS = [
    {"key": "yard", "name": "庭院整洁、宅前屋后无杂物", "points": 5, "kind": "monthly", "category": "人居环境"},
    {"key": "sorting", "name": "垃圾分类投放到位", "points": 3, "kind": "monthly", "category": "垃圾分类"},
    {"key": "clutter", "name": "宅前屋后乱堆乱放", "points": -4, "kind": "monthly", "category": "人居环境"},
    {"key": "plot", "name": "自留地乱种乱围", "points": -3, "kind": "monthly", "category": "人居环境"},
    {"key": "volunteer", "name": "参加村庄清洁志愿活动", "points": 5, "kind": "occasional", "category": "村庄清洁"},
    {"key": "custom", "name": "红白事简办（移风易俗）", "points": 5, "kind": "occasional", "category": "移风易俗"},
    {"key": "found", "name": "巡查发现环境问题（整改销号时扣分）", "points": -5, "kind": "occasional",
     "category": "人居环境"},
]
GOODS = [("洗衣液", 20, 60), ("食用油（5升）", 60, 30), ("大米（10斤）", 40, 40), ("毛巾", 10, 80)]
HEADERS = ["code", "village", "group", "address", "longitude", "latitude", "head", "phone", "members", "resident"]


def _moment(day, hour, minute, now):
    return min(timezone.make_aware(datetime.combine(day, time(hour, minute))), now)


def villages(district):
    towns = list(district.towns.order_by("code")[:2])
    out = []
    for town, n in zip(towns, (4, 3), strict=False):
        out += list(town.villages.order_by("code")[:n])
    return out


def load(district, stdout=None, today=None, now=None, seed=20260103):
    from households import imports, services
    from households.models import Household
    from patrol import services as patrol

    from .problems import _photo, _point_in

    today = today or timezone.localdate()
    now = now or timezone.now()
    rng = random.Random(seed)
    clock = random.Random(seed + 1)  # the boards' times, drawn apart so the rest stays what it was
    qu = User.objects.filter(username="qu_admin").first()
    if qu is None:
        return
    chosen = villages(district)
    lagging = chosen[-1].code
    year = today.year
    services.save_rules(qu, village=None, year=year, board_n=5, items=REFERENCE_ITEMS, today=date(year, 1, 1))
    staff = {}
    for v in chosen:
        staff[v.code] = (User.objects.filter(username="cun_staff", area_code=v.code).first()
                         or User.objects.get(username=f"demo_cun_{v.code}"))
        services.save_rules(staff[v.code], village=v.code, year=year)
    town_staff = {t: User.objects.filter(username=f"demo_zhen_{t}").first() for t in {v.town_id for v in chosen}}

    # Households, imported as a village would import its register.
    body, row = [], 1
    habits = {}
    for v in chosen:
        n = HOUSEHOLDS_PER_VILLAGE + rng.randint(-2, 3)
        for k in range(n):
            group = k // 6 + 1
            code = f"{v.code}-{group:02d}-{k % 6 + 1:03d}"
            lon, lat = _point_in(rng, v.boundary)
            head = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            row += 1
            body.append((row, [code, v.code, f"第{group}村民小组", f"{v.name}{group}组{k % 6 + 1}号", f"{lon:.7f}",
                               f"{lat:.7f}", head, f"139{rng.randint(10_000_000, 99_999_999)}",
                               str(rng.randint(1, 6)), "是" if rng.random() < 0.93 else "否"]))
            habits[code] = rng.uniform(0.25, 0.95)
    result = imports.import_rows(qu, HEADERS, body)
    if result.errors:
        raise RuntimeError(f"demo households refused: {result.errors[:3]}")
    goods = {v.code: [services.create_good(staff[v.code], village=v.code, name=name, price=price, stock=stock)
                      for name, price, stock in GOODS] for v in chosen}

    months = [date(year, m, 1) for m in range(1, today.month + 1)]
    by_village = {}
    for code, village_id in Household.objects.filter(village__in=[v.code for v in chosen]).values_list(
            "code", "village_id").order_by("code"):
        by_village.setdefault(village_id, []).append(code)
    for v in chosen:
        who = staff[v.code]
        codes = by_village[v.code]
        for month in months:
            if v.code == lagging and month.month > 9:
                break
            # The month's round in its last week; December's is being done now (its first days).
            day = min(last_day(month) - timedelta(days=rng.randint(0, 4)), today - timedelta(days=1))
            if day < month:
                continue
            for code in codes:
                d = habits[code] + rng.gauss(0, 0.12)
                item = "yard" if d > 0.7 else "sorting" if d > 0.45 else "plot" if d > 0.35 else "clutter"
                services.score(who, code, item=item, month=f"{month:%Y-%m}", day=day,
                               now=_moment(day, 9 + rng.randint(0, 7), rng.randint(0, 59), now))
                if rng.random() < 0.12 * habits[code]:
                    extra = "volunteer" if rng.random() < 0.8 else "custom"
                    services.score(who, code, item=extra, day=day,
                                   now=_moment(day, 9 + rng.randint(0, 7), rng.randint(0, 59), now))
            if month.month % 3 == 0 or month == months[-1]:
                quarter = f"{year}-Q{(month.month - 1) // 3 + 1}"
                if not (v.code == lagging and month.month > 9):
                    # Put up at the end of the round's day, once its scores are in.
                    services.publish_board(who, v.code, quarter, now=_moment(day, 17, clock.randint(0, 59), now))
                for code in rng.sample(codes, k=max(1, len(codes) // 4)):
                    good = rng.choice(goods[v.code])
                    balance = Household.objects.get(code=code).balance
                    if balance >= good.price:
                        services.redeem(who, code, good=str(good.pk), quantity=1,
                                        now=_moment(day, 15, rng.randint(0, 59), now))
    # Problems found at a household's door, through the loop: the town reports and assigns, the village links the
    # household; one rectified and verified (the household is charged), one still being rectified.
    linked = 0
    for v in chosen:
        town = town_staff[v.town_id]
        if town is None:
            continue
        for age, finish in ((rng.randint(12, 40), True), (rng.randint(2, 4), False)):
            code = by_village[v.code][rng.randrange(len(by_village[v.code]))]
            door = Household.objects.get(code=code).location
            day = today - timedelta(days=age)
            reported = _moment(day, rng.randint(8, 11), rng.randint(0, 59), now)
            issue = patrol.report_issue(
                town, lon=door.x, lat=door.y, category="clutter", reported_at=reported,
                source="town_self_check", description="农户门前杂物乱堆（示例）",
                client_uuid=uuid.UUID(int=rng.getrandbits(128))).issue
            patrol.transition_issue(town, issue.pk, "assign", now=reported + timedelta(minutes=rng.randint(30, 90)))
            services.link_issue(staff[v.code], code, issue=issue.pk, item="found")
            linked += 1
            if finish:
                submit_at = _moment(day + timedelta(days=2), 10, rng.randint(0, 59), now)
                patrol.add_photo(staff[v.code], issue.pk, _photo(rng), "after", now=submit_at - timedelta(minutes=15))
                patrol.transition_issue(staff[v.code], issue.pk, "submit", note="已督促农户整改（示例）",
                                        now=submit_at)
                patrol.transition_issue(town, issue.pk, "verify", note="复核通过（示例）",
                                        now=submit_at + timedelta(hours=rng.randint(23, 28)))
    if stdout is not None:
        stdout.write(f"示例农户积分已加载：{len(chosen)} 个村 {len(body)} 户，{len(months)} 个月评比，"
                     f"关联问题 {linked} 个（{lagging} 评比滞后）")
