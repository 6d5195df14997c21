"""Demo campaign and task list for `make run`.

The campaign is Qukou's 村庄清洁“冬季战役” as its plan (seed 002) writes it, run by the first demo town (the
town of the `zhen_staff` account) and moved into the demo year with the plan's own lengths:

- 宣传动员 2021-12-15 — 12-22 (7 days), 集中攻坚 12-22 — 2022-02-17 (57 days), 考核验收 02-17 — 02-19 (2 days)
  become the same days of the winter that ends in the demo year (the plan's dates with its year moved);
- quotas as the plan says: “残垣断壁、废旧温棚、破旧广告等，各村每周整治不少于5处” and “各村每周拆除不少于3户”
  (危房/土坯房);
- each village works at its own pace (some ahead, some behind), so the weekly lights are mixed: the problems are
  reported tagged with the campaign and demolished through the real loop (demo.problems, `extra` plans);
- 考核验收 of every village in the acceptance phase (pass where the village kept up, else fail), then the
  campaign's 回头看 a month later (one point found come back and reopened).

The task list is a year's tasks with monthly progress reports.
"""
import random
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Role, User
from campaigns import services
from campaigns.models import PhaseKind
from geo import scope

NAME = "村庄清洁“冬季战役”（示例，依曲口乡方案）"
QUOTA_WALLS = ("残垣断壁/废旧温棚/破旧广告", ["ruined_wall", "abandoned_greenhouse", "ad_clutter"], 5)
QUOTA_HOUSES = ("危房拆除", ["dilapidated_house"], 3)
WALL_MIX = [("ruined_wall", 5), ("abandoned_greenhouse", 3), ("ad_clutter", 3)]
# The plan's phases, as (name, kind, start, end) with the plan's own dates (2021-12-15 — 2022-02-19).
PLAN_PHASES = [("宣传动员", PhaseKind.MOBILISE, date(2021, 12, 15), date(2021, 12, 22)),
               ("集中攻坚", PhaseKind.WORK, date(2021, 12, 22), date(2022, 2, 17)),
               ("考核验收", PhaseKind.ACCEPTANCE, date(2022, 2, 17), date(2022, 2, 19))]


def phases(today):
    """The plan's phases moved to the winter that ends in the demo year (same days and lengths)."""
    shift = today.year - PLAN_PHASES[-1][3].year
    if date(today.year, 2, 19) + timedelta(days=40) > today:  # too early in the year: the winter before
        shift -= 1
    move = lambda d: d.replace(year=d.year + shift)  # noqa: E731
    return [(name, kind, move(start), move(end)) for name, kind, start, end in PLAN_PHASES]


def create(district, today=None):
    """The campaign, created by the town's staff (zhen_staff) over its town; None without that account."""
    today = today or timezone.localdate()
    staff = User.objects.filter(username="zhen_staff", role=Role.TOWN).first()
    if staff is None:
        return None
    rows = phases(today)
    return services.create_campaign(staff, {
        "name": NAME, "areas": [staff.area_code], "start": rows[0][2], "end": rows[-1][3],
        "phases": [{"name": n, "kind": k, "start": s, "end": e} for n, k, s, e in rows],
        "categories": [*QUOTA_WALLS[1], *QUOTA_HOUSES[1]],
        "quotas": [{"name": n, "categories": c, "per_village_per_week": k} for n, c, k in (QUOTA_WALLS, QUOTA_HOUSES)],
    })


def plans(campaign, seed=20211215, weeks=None):
    """The campaign's reports: (day, village, (lon, lat), category, campaign id), per village and week at the
    village's pace (a third ahead of the quotas, a third about half way, a third far behind); `weeks`: only the
    first so many weeks (a smaller demo for tests)."""
    from geo.models import Village

    from .problems import _point_in, _weighted

    rng = random.Random(seed)
    villages = list(Village.objects.filter(town_id__in=campaign.areas).select_related("town").order_by("code"))
    paces = [1.15, 0.55, 0.25]
    pace = {v.code: paces[i % 3] * rng.uniform(0.9, 1.1) for i, v in enumerate(villages)}
    out = []
    work = [p for p in campaign.phases.all() if p.kind != PhaseKind.ACCEPTANCE]
    told = 0
    for phase in work:
        factor = 0.3 if phase.kind == PhaseKind.MOBILISE else 1.0
        day = phase.start
        while day < phase.end:
            monday = day - timedelta(days=day.weekday())
            days = [d for d in (monday + timedelta(days=k) for k in range(5)) if phase.start <= d < phase.end]
            told += 1
            if days and (weeks is None or told <= weeks):
                for v in villages:
                    for categories, target in ((None, QUOTA_WALLS[2]), (QUOTA_HOUSES[1], QUOTA_HOUSES[2])):
                        n = max(0, round(target * pace[v.code] * factor + rng.gauss(0, 0.6)))
                        for _ in range(n):
                            category = categories[0] if categories else _weighted(rng, WALL_MIX)
                            # found early in the week: demolished and verified within it
                            out.append((rng.choice(days[:3]), v, _point_in(rng, v.boundary), category, campaign.pk))
            day = monday + timedelta(days=7)
    return out


def finish(campaign, today=None, now=None, seed=20220217):
    """Acceptance in the acceptance phase, and the campaign's 回头看 a month after it."""
    from patrol import services as patrol

    if campaign is None:
        return
    today = today or timezone.localdate()
    now = now or timezone.now()
    rng = random.Random(seed)
    staff = User.objects.get(username="zhen_staff")
    acceptance = next(p for p in campaign.phases.all() if p.kind == PhaseKind.ACCEPTANCE)
    if acceptance.end >= today:
        return
    work = next(p for p in campaign.phases.all() if p.kind == PhaseKind.WORK)
    done = (services.campaign_issues(campaign).filter(status="closed", campaign=campaign.pk)
            .values_list("village_id", flat=True))
    weeks = max(1, (work.end - work.start).days / 7)
    counts = {}
    for code in done:
        counts[code] = counts.get(code, 0) + 1
    for v in services.campaign_villages(campaign).order_by("code"):
        per_week = counts.get(v.code, 0) / weeks
        ok = per_week >= (QUOTA_WALLS[2] + QUOTA_HOUSES[2]) * 0.5
        note = (f"平均每周整治 {per_week:.1f} 处，达到方案要求" if ok else
                f"平均每周整治 {per_week:.1f} 处，未达到每周不少于{QUOTA_WALLS[2]}处、"
                f"拆除危房{QUOTA_HOUSES[2]}户的要求")
        when = timezone.make_aware(timezone.datetime.combine(
            acceptance.start + timedelta(days=rng.randint(0, 1)), timezone.datetime.min.time())
        ) + timedelta(hours=rng.randint(9, 16), minutes=rng.randint(0, 59))
        services.record_acceptance(staff, campaign.pk, v.code, "pass" if ok else "fail", note=f"{note}（示例）",
                                   now=when)
    # 回头看: a month after the acceptance, by the district's inspector.
    inspector = User.objects.filter(username="xuncha").first()
    month = (acceptance.end + timedelta(days=20)).replace(day=1)
    if inspector is None or month > today:
        return
    samples = patrol.draw_reinspection(month, campaign=campaign.pk)
    samples.sort(key=lambda s: (s.village_id, s.issue.reported_at, str(s.issue.client_uuid)))
    reopened = False
    for k, s in enumerate(samples):
        when = timezone.make_aware(timezone.datetime.combine(
            acceptance.end + timedelta(days=25 + k % 10), timezone.datetime.min.time())) + timedelta(
            hours=9 + rng.randint(0, 7), minutes=rng.randint(0, 59))
        last = s.issue.events.order_by("-at").values_list("at", flat=True).first()
        if when > now or (last and last >= when):  # closed after the round: left for the next one
            continue
        result = "came_back" if not reopened and k >= len(samples) // 2 else "held"
        reopened = reopened or result == "came_back"
        patrol.record_reinspection(inspector, s.pk, result, note="专项行动回头看（示例）", now=when)


def load(district, stdout, seed=20261201):
    """The year's task list with monthly progress reports (the campaign is created before the problems)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    staff = User.objects.filter(role=Role.DISTRICT, area_code=district.code).order_by("id").first()
    if staff is None:
        return
    towns = list(district.towns.order_by("code").values_list("code", flat=True))
    villages = list(district.towns.values_list("villages__code", flat=True).order_by("villages__code"))
    now = timezone.now()
    for name, unit, level, areas, size in [("公厕改造", "座", "town", towns, (4, 12)),
                                           ("美丽庭院创建", "户", "village", villages, (20, 60)),
                                           ("一事一议项目", "个", "town", towns, (2, 6))]:
        task = services.create_task(staff, {
            "name": f"{name}（示例）", "year": today.year, "unit": unit, "level": level, "office": "区农业农村委",
            "targets": [{"area": a, "target": rng.randint(*size)} for a in areas]})
        for target in task.targets.all():
            town = User.objects.filter(role=Role.TOWN, area_code=scope.town_of(target.area)).first() or staff
            pace = rng.uniform(0.5, 1.15)  # some areas ahead of schedule, some far behind
            done = 0.0
            for month in range(1, today.month):
                want = target.target * month / 12 * pace
                value = round(want - done)
                if value > 0:
                    when = timezone.make_aware(timezone.datetime(today.year, month, 20, 10))
                    services.add_progress(town, task.pk, target.area, value, when.date(), note="示例填报",
                                          confirm=True, now=min(when, now))
                    done += value
    stdout.write("示例年度任务已加载 / demo task list loaded")
