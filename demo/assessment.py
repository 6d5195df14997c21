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
- 一村一档一分析 (seed 000) for the minhang town: after each of its last closed bimonthly rounds, the town's staff
  write the analysis of each of its villages in the district's bottom third (assessment.analysis.write, what the
  dossier page calls), from the items the village lost most points on.
- Times as the year had them: scorecards entered on the visit's day in their month, each month closed in the
  first working days of the next, the 约谈 held after it and recorded that afternoon, analyses a week or two
  after their round closed; working hours, never later than now.

The demo district has 4 towns of about 11 villages each — 44 villages, as many as Dazhangzhuang town has. Its
work plan ranks its 44 villages together and talks to the bottom 10; ranked within the demo's towns of 11, a
bottom 10 would flag most villages. So the district ranks district-wide (rank_scope=district) and keeps the
plan's bottom 10, top 5 / bottom 5 at year end (the 33 villages left under it after the minhang town)."""
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from core.months import add_months

DEMO_PARAMETERS = {"rank_scope": "district", "bottom_n": "10", "reward_n": "5", "deduct_n": "5"}
# The plan ranks about a hundred villages and names the bottom 5; the demo's minhang town has 8 to 11, where a
# bottom 5 would flag over half of them. Demo choice: bottom 2, as the district's bottom 10 is kept for 33-36.
MINHANG_PARAMETERS = {"bottom_n": "2"}
ANALYSIS_ROUNDS = 3  # the minhang town's last closed rounds that get their 一村一档一分析

# What a village that lost points on an item of the minhang scorecard (schemes.MinhangScheme.default_items) writes
# as its 问题症结 and 解决方案 (synthetic, of the kind the plan asks for: "逐个解剖问题症结，并提出解决方案").
CAUSES = {
    "toilets": "部分公厕保洁不到位、管护记录缺失，仍有个别农户使用旱厕、小粪缸",
    "land": "宅基地周边和田间地头柴草、建材乱堆乱放，局部有积存垃圾",
    "houses": "部分空置房屋宅前屋后杂乱，存在私搭乱建的简易棚",
    "water": "村内河塘水面漂浮物清捞不及时，岸坡有生活垃圾",
    "facilities": "垃圾收集点破损、清运不及时，部分道路和路灯缺乏维护",
    "participation": "积分制和红黑榜落实不到位，村民参与环境整治的积极性不高",
}
MEASURES = {
    "toilets": "落实公厕专人保洁和每日巡查，结合农户改厕年内拆除剩余小粪缸",
    "land": "组织党员志愿者集中清理乱堆乱放，划定柴草堆放点，由网格长包干到户",
    "houses": "对空置房屋逐户建档、联系户主限期清理，违规搭建的简易棚依法拆除",
    "water": "与保洁公司明确河塘保洁频次，每周清捞漂浮物，岸坡垃圾日产日清",
    "facilities": "更换破损垃圾桶，督促运维公司按时清运，道路路灯纳入长效管护考核",
    "participation": "每月公示积分和红黑榜，积分超市按季度兑换，发动村民小组互评",
}


def minhang_town(district):
    """The demo's town on the minhang scheme: the district's last (the others stay on the district's scheme)."""
    return district.towns.order_by("-code").values_list("code", flat=True).first()


def _moment(day, hour, minute, now):
    """That local time of day, never later than now."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, minute))), now)


def _weekday(day, back=False):
    """The day itself on Monday–Friday; a Saturday or Sunday moves to the next Monday (back: the Friday before)."""
    if day.weekday() < 5:
        return day
    return day - timedelta(days=day.weekday() - 4) if back else day + timedelta(days=7 - day.weekday())


def _cards(rnd, clock, scheme, villages, months, assessors, quality, Scorecard, now):
    """Each assessor's scorecard of each village each month, entered on the visit's day (a working day of the
    month's second to fourth week, `clock` draws it: the scores' own random numbers stay as they were)."""
    items = scheme.items()
    cards = []
    for month in months:
        for code in villages:
            for who in assessors:
                level = min(1.0, max(0.3, quality[code] + rnd.gauss(0, 0.05)))
                points = {i["key"]: str(Decimal(round(i["max"] * min(1.0, max(0.0, level + rnd.gauss(0, 0.06))) * 2)
                                                / 2)) for i in items}
                day = _weekday(month.replace(day=clock.randint(8, 26)), back=True)
                cards.append(Scorecard(village_id=code, month=month, assessor=who, scheme=scheme.name, items=points,
                                       total=sum(Decimal(v) for v in points.values()), note="演示数据",
                                       created_at=_moment(day, clock.randint(9, 16), clock.randint(0, 59), now)))
    return cards


def load(district, stdout=None, today=None, now=None):
    from accounts.models import User
    from assessment import schemes, services
    from assessment.models import CityCheck, CityCheckScore, Scorecard, UpkeepFund
    from geo.models import Village

    today = today or timezone.localdate()
    now = now or timezone.now()
    minhang = minhang_town(district)
    schemes.set_scheme(district.code, "dazhangzhuang", DEMO_PARAMETERS)
    schemes.set_scheme(minhang, "minhang", MINHANG_PARAMETERS)
    people = {u.username: u for u in User.objects.filter(username__in=["qu_admin", "dudao"])}
    assessors = [people[n] for n in ("dudao", "qu_admin") if n in people]
    staff = people.get("qu_admin")
    villages = list(Village.objects.filter(town__district=district).order_by("code").values_list("code", "town_id"))
    if not assessors or not villages or staff is None:
        return
    rnd = random.Random(20240301)
    quality = {code: rnd.uniform(0.62, 0.95) for code, _ in villages}  # each village's usual standard
    months = [date(today.year, m, 1) for m in range(1, today.month)]
    own = [c for c, t in villages if t != minhang]
    theirs = [c for c, t in villages if t == minhang]
    clock = random.Random(20240302)  # the times: drawn apart, so the scores stay what they were
    cards = (_cards(rnd, clock, schemes.get("dazhangzhuang"), own, months, assessors, quality, Scorecard, now)
             + _cards(rnd, clock, schemes.get("minhang"), theirs, months, assessors, quality, Scorecard, now))
    # In bulk, for the load's speed (a thousand cards; submit_scorecard checks each against the scheme's template,
    # which these are built from), with the time each was entered.
    Scorecard.objects.bulk_create(cards, batch_size=2000)

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
    closed_at = {}
    for month in months:
        day = _weekday(add_months(month, 1) + timedelta(days=clock.randint(0, 2)))
        closed_at[month] = _moment(day, clock.randint(15, 17), clock.randint(0, 59), now)
        services.close_month(month, district.code, user=staff, note="月度考核关账（示例）", now=closed_at[month])

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
                # Held in the days after the month's ranking was closed; recorded that afternoon.
                held = min(today, _weekday(timezone.localdate(closed_at[month]) + timedelta(days=rnd.randint(1, 7))))
                recorded = max(_moment(held, clock.randint(14, 17), clock.randint(0, 59), now),
                               min(closed_at[month] + timedelta(minutes=30), now))
                who = "镇主要领导" if "bottom_twice" in flags else "分管领导"
                services.record_interview(staff, code, f"{month:%Y-%m}", held, who,
                                          note="约谈村支部书记，通报排名情况，提出整改要求（示例）", now=recorded)
                interviews += 1
    withheld = "市级检查低于全市平均分，予以全区通报，取消长效管护奖补（示例）"
    UpkeepFund.objects.bulk_create([
        UpkeepFund(village_id=c, year=today.year, amount=Decimal("80000"), withheld=c in notices and c == weakest,
                   note=withheld if c in notices and c == weakest else "长效管护奖补（示例）", entered_by=staff)
        for c in theirs])
    written = _analyses(district, minhang, months, cards, closed_at, clock, now,
                        User.objects.filter(username=f"demo_zhen_{minhang}").first() or staff)
    if stdout is not None:
        stdout.write(f"示例考核已加载：{len(own)} 个村（dazhangzhuang，全区排名）与 {len(theirs)} 个村"
                     f"（minhang，{minhang}）× {len(months)} 个月的现场评分表；约谈 {interviews} 次，"
                     f"通报 {len(notices)} 个村，一村一档一分析 {written} 份")


def _analyses(district, town, months, cards, closed_at, clock, now, writer):
    """一村一档一分析 of the town's last ANALYSIS_ROUNDS closed rounds: for each village of the town in the
    district's bottom third of the round (analysis.bottom_third, what the dossier asks by), the causes and measures
    named after the two items it lost most points on, written by the town's staff a week or two after the round
    closed. Returns how many were written."""
    from assessment import analysis, schemes

    names = {i["key"]: i["name"] for i in schemes.get("minhang").items()}
    tops = {i["key"]: i["max"] for i in schemes.get("minhang").items()}
    closed = set(months)
    rounds = sorted({analysis.round_of(town, m) for m in months})
    rounds = [r for r in rounds if set(analysis.round_months(town, r)) <= closed][-ANALYSIS_ROUNDS:]
    mine = {}
    for card in cards:
        if card.village_id.startswith(town):
            mine.setdefault((card.village_id, card.month), []).append(card)
    written = 0
    for first in rounds:
        period = analysis.round_months(town, first)
        label = analysis.round_label(town, first)
        after = closed_at[period[-1]]
        for code in sorted(c for c in analysis.bottom_third(district.code, first) if c.startswith(town)):
            round_cards = [c for m in period for c in mine.get((code, m), ())]
            if not round_cards:
                continue
            score = sum(c.total for c in round_cards) / len(round_cards)
            share = {k: sum(Decimal(c.items[k]) for c in round_cards) / Decimal(str(tops[k])) / len(round_cards)
                     for k in tops}
            worst = sorted(share, key=lambda k: (share[k], k))[:2]
            causes = (f"{label}平均得分 {score:.2f} 分，处于全区后三分之一。失分主要在"
                      + "、".join(f"“{names[k]}”（得分率 {share[k] * 100:.0f}%）" for k in worst) + "："
                      + "；".join(CAUSES.get(k, f"{names[k]}方面问题整改不彻底") for k in worst)
                      + "。村两委日常巡查不够，问题发现后整改滞后。（示例）")
            measures = ("一是" + MEASURES.get(worst[0], f"针对{names[worst[0]]}逐项整改") + "；二是"
                        + MEASURES.get(worst[1], f"针对{names[worst[1]]}逐项整改")
                        + "；三是村两委每周自查一次，整改情况建立台账，下一轮评估前由镇整治办复核。（示例）")
            day = _weekday(timezone.localdate(after) + timedelta(days=clock.randint(5, 12)))
            at = max(_moment(day, clock.randint(9, 16), clock.randint(0, 59), now), after)
            analysis.write(writer, code, f"{first:%Y-%m}", causes, measures, now=at)
            written += 1
    return written
