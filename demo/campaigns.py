"""Demo campaign and task list for `make run`: a winter campaign over the demo district (dates shaped like
Qukou's 冬季战役, moved to end four weeks from today) and a year's task list with monthly progress reports."""
import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, User
from campaigns import services
from campaigns.models import PhaseKind
from geo import scope


def load(district, stdout, seed=20261201):
    rng = random.Random(seed)
    today = timezone.localdate()
    staff = User.objects.filter(role=Role.DISTRICT, area_code=district.code).order_by("id").first()
    if staff is None:
        return
    start, end = today - timedelta(days=63), today + timedelta(days=28)
    services.create_campaign(staff, {
        "name": "冬季战役（示例）", "areas": [district.code], "start": start, "end": end,
        "phases": [
            {"name": "宣传动员", "kind": PhaseKind.MOBILISE, "start": start, "end": start + timedelta(days=7)},
            {"name": "集中攻坚", "kind": PhaseKind.WORK, "start": start + timedelta(days=7),
             "end": end - timedelta(days=2)},
            {"name": "考核验收", "kind": PhaseKind.ACCEPTANCE, "start": end - timedelta(days=2), "end": end},
        ],
        "quotas": [
            {"name": "残垣断壁/废旧温棚/破旧广告", "categories": ["ruined_wall", "abandoned_greenhouse", "ad_clutter"],
             "per_village_per_week": 2},
            {"name": "乱堆乱放/柴草堆", "categories": ["clutter", "heaps"], "per_village_per_week": 3},
        ],
    })
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
    stdout.write("示例专项行动与年度任务已加载 / demo campaign and task list loaded")
