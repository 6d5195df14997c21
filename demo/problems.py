"""A year of synthetic problems for the demo district, run through the real loop (services), so history,
rebounds, overdue ones and red supervision come out as the product would record them.

Deterministic for a seed. Clearly synthetic: descriptions end with （示例）.
"""
import functools
import io
import math
import multiprocessing
import os
import random
import sys
import traceback
import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from PIL import Image

from accounts.models import Role, User
from geo.models import Village
from patrol import services
from patrol.models import Category, Issue, Source

# An after-photo comes in a little before the submission it goes with.
PHOTO_BEFORE_SUBMIT = timedelta(minutes=15)

# (category, share of reports): every one of the 20 categories, roughly the mix the seeds describe (piles, sheds
# and ruined walls dominate; 危房, 废旧温棚 and problem toilets are rarer).
MIX = [("clutter", 20), ("heaps", 8), ("shack", 10), ("ruined_wall", 8), ("dilapidated_house", 3),
       ("abandoned_greenhouse", 4), ("ad_clutter", 5), ("garbage_dumping", 7), ("dry_toilet", 5),
       ("problem_toilet", 3), ("farm_waste", 6), ("livestock_waste", 3), ("plot_disorder", 3), ("pond_debris", 3),
       ("illegal_build", 5), ("black_water", 2), ("sewage", 4), ("wires", 4), ("scrap_yard", 3), ("other", 2)]
SOURCES = [(Source.DISTRICT_PATROL, 40), (Source.TOWN_SELF_CHECK, 35), (Source.THIRD_PARTY, 10),
           (Source.PUBLIC_REPORT, 10), (Source.REINSPECTION, 5)]
TEXT = {
    "clutter": "房前屋后杂物、柴草乱堆", "shack": "田间看护窝棚", "ruined_wall": "空置房屋残垣断壁",
    "dry_toilet": "露天小粪缸", "farm_waste": "田边农药包装、废弃农膜", "illegal_build": "违规搭建简易棚",
    "black_water": "河道水体发黑发臭", "sewage": "生活污水直排沟渠", "wires": "杆线杂乱如蜘蛛网",
    "scrap_yard": "宅基地堆放回收废品", "other": "其他环境问题", "heaps": "路边柴草堆、粪堆、土堆（三大堆）",
    "dilapidated_house": "无人居住的危旧土坯房", "abandoned_greenhouse": "废弃温棚骨架、破损棚膜",
    "ad_clutter": "墙面破旧广告、乱贴乱画", "garbage_dumping": "沟边倾倒生活垃圾",
    "livestock_waste": "散养家禽、畜禽粪污未处理", "pond_debris": "河塘水面漂浮物",
    "problem_toilet": "户厕粪池渗漏、无法正常使用", "plot_disorder": "自留地乱种乱围、废旧材料围挡",
}


def _weighted(rng, pairs):
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _point_in(rng, geom):
    minx, miny, maxx, maxy = geom.extent
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy), srid=4326)
        if geom.contains(p):
            return p.x, p.y


def _photo(rng):
    buf = io.BytesIO()
    img = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
    img.putpixel((rng.randrange(64), rng.randrange(48)), (255, 255, 255))
    img.save(buf, "JPEG", quality=80)
    return SimpleUploadedFile("after.jpg", buf.getvalue(), content_type="image/jpeg")


def _staff(username, role, area, name):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, area_code=area, first_name=name)
        user.set_unusable_password()
        user.save()
    return user


def plan(district, per_village=30, seed=20261122, today=None):
    """What the demo will report: (day, village, (lon, lat), category) in report order, and the random generator
    the rest of the load draws from. Deterministic for a seed; the size of the demo is decided here."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = today - timedelta(days=365)
    villages = list(Village.objects.filter(town__district=district).select_related("town").order_by("code"))
    # A few places where problems keep coming back: the rebound hotspots district staff should find.
    hotspots = [(v, _point_in(rng, v.boundary), cat) for v, cat in
                zip(rng.sample(villages, 4), ["clutter", "shack", "farm_waste", "clutter"], strict=True)]
    plans = []
    for v in villages:
        for _ in range(max(1, int(rng.gauss(per_village, per_village / 3)))):
            plans.append((start + timedelta(days=rng.randrange(365)), v, _point_in(rng, v.boundary),
                          _weighted(rng, MIX)))
    for v, (lon, lat), category in hotspots:
        for _ in range(rng.randint(7, 10)):
            lon2, lat2 = lon + rng.uniform(-1.2e-4, 1.2e-4), lat + rng.uniform(-1e-4, 1e-4)
            if not v.boundary.contains(Point(lon2, lat2, srid=4326)):
                lon2, lat2 = lon, lat
            plans.append((start + timedelta(days=rng.randrange(330)), v, (lon2, lat2), category))
    plans.sort(key=lambda p: (p[0], p[1].code))
    return villages, plans, rng


def groups(plans, metres):
    """Split the plans into groups no problem of which can meet one of another group: whole towns, joined where
    two towns hold problems of the same category within `metres` of each other (with a margin). The services
    compare a new report only with problems of its category that near (rebounds, duplicates), so each group's
    result does not depend on the others and the groups may run side by side."""
    reach = metres * 1.2 + 5
    parent = {}

    def root(t):
        while parent.setdefault(t, t) != t:
            t = parent[t]
        return t

    cells = {}
    for p in plans:
        village, (lon, lat), category = p[1], p[2], p[3]
        x, y = lon * 111_320 * math.cos(math.radians(lat)), lat * 110_540
        cx, cy = int(x // reach), int(y // reach)
        root(village.town_id)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for town, x2, y2 in cells.get((category, cx + dx, cy + dy), ()):
                    if town != village.town_id and math.hypot(x - x2, y - y2) <= reach:
                        a, b = root(town), root(village.town_id)
                        parent[max(a, b)] = min(a, b)
        cells.setdefault((category, cx, cy), []).append((village.town_id, x, y))
    out = {}
    for n, p in enumerate(plans):
        out.setdefault(root(p[1].town_id), []).append(n)
    return [out[k] for k in sorted(out)]


def workers_wanted():
    """DEMO_WORKERS, else one per core (at most 4)."""
    wanted = os.environ.get("DEMO_WORKERS", "")
    return max(1, int(wanted)) if wanted.isdigit() else min(4, os.cpu_count() or 1)


def load(district, per_village=30, seed=20261122, today=None, log=None, workers=None, now=None, then=None,
         extra=()):
    """Report, assign, rectify, verify, reject, reopen and escalate a year of problems in the district.

    `extra`: more planned reports, (day, village, (lon, lat), category, campaign id), told with the others (a
    campaign's: reported tagged with it by the town's staff and demolished within days, see _campaign_loop).
    `then(district, today=, now=)`, when given, runs after the problems are told and before the overdue timer
    (the demo's orders: demo.orders).

    Each problem draws its own random numbers (seeded by the demo seed and its place in the plan), so its story
    is the same whichever process tells it: groups of towns that cannot affect each other (see groups) run in
    `workers` processes side by side, each on its own database connection. Inside a transaction (tests) it runs
    in this process."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    villages, plans, rng = plan(district, per_village, seed, today)
    if extra:
        plans = sorted([*plans, *extra], key=lambda p: (p[0], p[1].code))
    inspector = _staff("demo_xuncha", Role.INSPECTOR, district.code, "区巡查员（示例）")
    district_staff = _staff("demo_qu", Role.DISTRICT, district.code, "区整治办（示例）")
    towns = {v.town_id: _staff(f"demo_zhen_{v.town_id}", Role.TOWN, v.town_id, f"{v.town.name}整治办")
             for v in villages}
    cun = {v.code: _staff(f"demo_cun_{v.code}", Role.VILLAGE, v.code, f"{v.name}村干部") for v in villages}
    people = (inspector, district_staff, towns, cun)
    story = (plans, seed, today, now, people, log)
    metres = max(settings.PATROL["REBOUND_DISTANCE_M"], settings.PATROL["DUPLICATE_DISTANCE_M"])
    parts = groups(plans, metres)
    workers = min(workers or workers_wanted(), len(parts))
    if workers <= 1 or connection.in_atomic_block:
        _tell(story, range(len(plans)))
    else:
        _tell_in_parallel(story, parts, workers)
    if then is not None:
        then(district, today=today, now=now)
    services.escalate_overdue(today=today, now=now)

    at = functools.partial(_moment, rng=rng, now=now)
    for months_ago in (1, 0):
        month = (today.replace(day=1) - timedelta(days=months_ago * 28)).replace(day=1)
        samples = services.draw_reinspection(month)
        # In an order that does not depend on ids (the parallel load numbers problems in no fixed order).
        samples.sort(key=lambda s: (s.village_id, s.issue.reported_at, str(s.issue.client_uuid)))
        for s in samples[: len(samples) // 2]:
            when = at(min(today, month + timedelta(days=rng.randint(3, 20))), rng.randint(8, 17))
            result = "came_back" if rng.random() < 0.15 else "held"
            services.record_reinspection(inspector, s.pk, result, note="回头看（示例）", now=when)
    return Issue.objects.filter(town__district=district).count()


def _tell_in_parallel(story, parts, workers):
    """Run the groups in `workers` forked processes (largest groups first, each to the least loaded worker)."""
    shares = [[] for _ in range(workers)]
    for part in sorted(parts, key=len, reverse=True):
        min(shares, key=lambda s: sum(map(len, s))).append(part)
    connections.close_all()  # each process opens its own connection; none may share this one's socket
    sys.stdout.flush()  # or the children would print what is still buffered here once more
    sys.stderr.flush()
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_worker, args=(story, sorted(n for part in share for n in part)))
             for share in shares]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"示例问题生成失败 / a demo worker failed (exit codes {failed}); see the output above")


def _worker(story, indexes):
    try:
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")  # as demo_setup does for its own connection
        _tell(story, indexes)
    except BaseException:
        traceback.print_exc()
        sys.stdout.flush()
        os._exit(1)
    finally:
        connections.close_all()


def _moment(day, hour=None, *, rng, now):
    """A moment on `day` at `hour` (else a working hour drawn from rng), its minute drawn from rng; never later
    than now (a step that would lie in the future has not happened)."""
    clock = time(hour if hour is not None else rng.randint(8, 17), rng.randint(0, 59))
    return min(timezone.make_aware(datetime.combine(day, clock)), now)


def _tell(story, indexes):
    """Report the planned problems with these indexes, in plan order, and move each along the loop."""
    plans, seed, today, now, (inspector, district_staff, towns, cun), log = story
    days = {c.code: c.default_deadline_days for c in Category.objects.all()}
    for k, n in enumerate(indexes):
        day, village, (lon, lat), category = plans[n][:4]
        campaign = plans[n][4] if len(plans[n]) > 4 else None
        rng = random.Random(f"{seed}:{n}")
        at = functools.partial(_moment, rng=rng, now=now)
        if campaign is not None:
            town = towns[village.town_id]
            issue = services.report_issue(
                town, lon=lon, lat=lat, category=category, reported_at=at(day), source=Source.TOWN_SELF_CHECK,
                description=f"{TEXT[category]}（专项行动，示例）", client_uuid=uuid.UUID(int=rng.getrandbits(128)),
                campaign=campaign).issue
            _campaign_loop(rng, issue, day, today, town, cun[village.code], at)
            continue

        reporter = rng.choice([inspector, inspector, towns[village.town_id]])
        issue = services.report_issue(
            reporter, lon=lon, lat=lat, category=category, reported_at=at(day),
            source=_weighted(rng, SOURCES), description=f"{TEXT[category]}（示例）",
            client_uuid=uuid.UUID(int=rng.getrandbits(128)),
        ).issue
        _run_loop(rng, issue, day, today, days[category], towns[village.town_id], cun[village.code],
                  district_staff, at)
        if log and k % 200 == 0:
            log(f"  示例问题 {k}/{len(indexes)}" + ("" if len(indexes) == len(plans) else f"（共 {len(plans)}）"))


def _after(rng, prev, moment, now):
    """The moment a step happened: as planned, but never before the step it follows (then a few minutes to two
    hours after it); None when that lies in the future (the step has not happened yet)."""
    if moment <= prev:
        moment = prev + timedelta(minutes=rng.randint(5, 120))
    return None if moment > now else moment


def _campaign_loop(rng, issue, day, today, town, cun, at):
    """A campaign's problem: assigned the day it is found, demolished or cleared within days, verified next."""
    now = at.keywords["now"]
    steps = [("assign", town, day, 9, ""),
             ("submit", cun, day + timedelta(days=rng.randint(1, 3)), 15, "已拆除清理（示例）")]
    steps.append(("verify", town, steps[-1][2] + timedelta(days=rng.randint(0, 1)), 16, "复核通过（示例）"))
    last = issue.reported_at
    for action, who, when_day, hour, note in steps:
        if when_day > today:
            return
        when = _after(rng, last, at(when_day, hour), now)
        if when is None:
            return
        if action == "submit":
            services.add_photo(who, issue.pk, _photo(rng), "after", now=when - PHOTO_BEFORE_SUBMIT)
        services.transition_issue(who, issue.pk, action, note=note, now=when)
        last = when


def _run_loop(rng, issue, day, today, deadline_days, town, cun, district_staff, at):
    """Move one issue along the loop with plausible delays, each step after the one before; stop where now is
    reached."""
    now = at.keywords["now"]
    last = issue.reported_at
    assign_day = day + timedelta(days=rng.choice([0, 0, 1, 1, 2, 3]))
    if assign_day > today:
        return
    when = _after(rng, last, at(assign_day, 9), now)
    if when is None:
        return
    services.transition_issue(town, issue.pk, "assign", now=when)
    last = when
    # Most are fixed within the deadline; some late; a few linger for months; a few wait for an order (demo.orders)
    # or the overdue timer's red supervision.
    late = rng.random()
    if late >= 0.96:
        return
    span = deadline_days * (rng.uniform(0.2, 0.95) if late < 0.78 else rng.uniform(1.05, 2.5) if late < 0.94
                            else rng.uniform(3, 8))
    submit_day = assign_day + timedelta(days=max(1, round(span)))
    for attempt in range(3):
        if submit_day > today:
            return
        when = _after(rng, last, at(submit_day, 14), now)
        if when is None:
            return
        services.add_photo(cun, issue.pk, _photo(rng), "after", now=when - PHOTO_BEFORE_SUBMIT)
        services.transition_issue(cun, issue.pk, "submit", note="已整改（示例）", now=when)
        last = when
        check_day = submit_day + timedelta(days=rng.randint(1, 4))
        if check_day > today:
            return
        if attempt < 2 and rng.random() < 0.12:
            when = _after(rng, last, at(check_day, 10), now)
            if when is None:
                return
            services.transition_issue(town, issue.pk, "reject", note="整改不到位（示例）", now=when)
            last = when
            submit_day = check_day + timedelta(days=rng.randint(2, 7))
            continue
        verifier = district_staff if rng.random() < 0.1 else town
        when = _after(rng, last, at(check_day, 11), now)
        if when is None:
            return
        services.transition_issue(verifier, issue.pk, "verify", note="复核通过（示例）", now=when)
        return
