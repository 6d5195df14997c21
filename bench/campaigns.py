"""Campaign and task-light benchmarks (issue 12): a campaign's weekly progress for 10,000 villages and 3 quotas
over 1 million problems (target ≤ 3 s), and a month's task lights for 10,000 villages and 10 tasks (≤ 2 s).

The campaign spans every generated district over the problems' 18 months (bench.data's categories, so the
quotas use those); the tasks are made once (8 with manual reports, about three per village and task, bulk-loaded
with SQL; 2 linked to a problem category) and reused on later runs.
"""
import time
from datetime import date, timedelta

N_ISSUES = 1_000_000
TASKS = 10
LINKED = ("dry_toilet", "sewage")


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t, result


# Raw SQL: three reports per village and manual task, generated in the database (300,000 rows in seconds).
PROGRESS_SQL = """
INSERT INTO campaigns_taskprogress (task_id, area, value, date, note, entered_by_id, entered_at)
SELECT t.task_id, t.area, 1 + floor(random() * t.target / 4), d::date, 'bench', %(user)s, d + interval '10 hours'
FROM campaigns_tasktarget t
JOIN campaigns_task k ON k.id = t.task_id AND k.category_id IS NULL AND k.name LIKE 'bench:%%'
CROSS JOIN LATERAL (SELECT make_date(k.year, 1, 1) + floor(random() * 330)::int AS d FROM generate_series(1, 3)) s
"""


def _ensure_tasks(user, year):
    from django.db import connection, transaction

    from campaigns.models import Task, TaskTarget
    from geo.models import Village

    if Task.objects.filter(name__startswith="bench:", year=year).count() == TASKS:
        return
    with transaction.atomic():
        Task.objects.filter(name__startswith="bench:").delete()
        codes = list(Village.objects.values_list("code", flat=True))
        for i in range(TASKS):
            category = LINKED[i - (TASKS - len(LINKED))] if i >= TASKS - len(LINKED) else None
            task = Task.objects.create(name=f"bench:任务{i + 1}", year=year, unit="个", level="village",
                                       category_id=category, created_by=user)
            TaskTarget.objects.bulk_create([TaskTarget(task=task, area=c, target=12 + int(c[-3:]) % 8)
                                            for c in codes], batch_size=5000)
        with connection.cursor() as cur:
            cur.execute(PROGRESS_SQL, {"user": user.pk})


def run(report):
    from bench.base import ensure_villages
    from bench.data import ensure_issues

    ensure_villages(10_000)
    ensure_issues(N_ISSUES)
    measure(report)


def measure(report):
    """The timings, on whatever villages and problems the bench database holds."""
    from django.utils import timezone

    from bench.base import bench_admin
    from campaigns import services
    from campaigns.models import Campaign, Quota, TaskProgress, TaskTarget
    from geo.models import District
    from patrol.models import Issue

    user, _ = bench_admin()
    today = timezone.localdate()

    # The bench campaign is made once and kept: its quota history is a record table (append-only, no DELETE).
    districts = list(District.objects.values_list("code", flat=True))
    campaign, made = Campaign.objects.get_or_create(
        name="bench:campaign", defaults={"areas": districts, "start": today - timedelta(days=540), "end": today,
                                         "created_by": user})
    if made:
        Quota.objects.bulk_create([
            Quota(campaign=campaign, name="残垣断壁/乱搭乱建/废品收购",
                  categories=["ruined_wall", "illegal_build", "scrap_yard"], per_village_per_week=5, sort=0),
            Quota(campaign=campaign, name="窝棚", categories=["shack"], per_village_per_week=3, sort=1),
            Quota(campaign=campaign, name="乱堆乱放/农业废弃物", categories=["clutter", "farm_waste"],
                  per_village_per_week=2, sort=2),
        ])
    monday = services.week_monday(today - timedelta(days=14))
    seconds, data = _timed(services.week_progress, campaign, monday)
    done = sum(q["done"] for v in data["villages"] for q in v["quotas"])
    report("campaigns", f"progress {data['week']}: {len(data['villages']):,} villages × 3 quotas", seconds, "s",
           f"target ≤ 3 s; {Issue.objects.count():,} problems; {done:,} closures counted")
    seconds, data = _timed(services.week_progress, campaign, monday)
    report("campaigns", "progress, same week again", seconds, "s", "target ≤ 3 s")

    year = today.year
    _ensure_tasks(user, year)
    month = f"{date(year, max(1, today.month - 1), 1):%Y-%m}"
    targets, reports = TaskTarget.objects.filter(task__year=year).count(), TaskProgress.objects.count()
    seconds, rows = _timed(services.task_lights, user, month, "village")
    lights = {k: sum(1 for r in rows if r.light == k) for k in ("green", "yellow", "red")}
    report("campaigns", f"task lights {month}, level=village: {len(rows):,} rows", seconds, "s",
           f"target ≤ 2 s; {targets:,} targets, {reports:,} reports, 2 tasks from closed problems; {lights}")
    seconds, rows = _timed(services.task_lights, user, month, "town")
    report("campaigns", f"task lights {month}, level=town: {len(rows):,} rows", seconds, "s", "target ≤ 2 s")
