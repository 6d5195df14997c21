"""Demo black-odorous water bodies (黑臭水体动态清单, seed 004 (十二)), through waterbodies.services.

- In every town five water bodies in five of its villages, each inside its village: ponds (坑塘) as polygons of
  about 20–40 m radius and ditches (沟渠) as lines of 250–450 m, put on the list by the town's staff.
- Their year (STORIES, one of each per town): one eliminated after months of treatment; one still being treated;
  one found a few weeks ago and still 黑臭; one entered at the start of the year already eliminated, under watch;
  and a fifth that differs by town: in the first town eliminated then reported black again weeks ago (返黑返臭)
  and being treated again, in the second eliminated and reported black again days ago (still 返黑返臭), elsewhere
  eliminated.
- The rebound comes the real way: the district's inspector reports a black_water problem on the eliminated water
  body (patrol.services.report_issue; waterbodies.services.link_report, listening to the report, links the
  problem and turns the water body rebounded), and the problem is then told through the loop like the year's
  problems (demo.problems._run_loop).
- Monitoring visits (record_visit, with a photo) every five to eight weeks by the village's staff or the
  inspector, a re-test just before each elimination and a check just after a rebound; the finding follows the
  status (仍黑臭 until treated, 未见黑臭 after).
- Times: every step after the one before it, on working days in working hours, none later than yesterday.
"""
import functools
import math
import random
import uuid
from datetime import datetime, time, timedelta

from django.contrib.gis.geos import LineString, Polygon
from django.utils import timezone

from accounts.models import Role

from . import problems

STORIES = ("eliminated", "treating", "new", "kept")
FIFTH = {0: "rebound_old", 1: "rebound_new"}  # by the town's place in the district; others: "eliminated"
POND_NAMES = ("东宅塘", "西头塘", "南浜塘", "北荡", "后宅塘", "庙前塘", "老鱼塘", "竹园塘")
DITCH_NAMES = ("北横沟", "中心沟", "南排水沟", "东泾沟", "后港沟", "西引水渠", "田间灌排沟", "长浜沟")
NOTES = {
    "black_odorous": ["水体发黑，有明显异味", "水面浑浊发黑，岸边有生活垃圾", "水色灰黑，闻到臭味"],
    "treating": ["正在清淤，截污管道施工中", "控源截污已完成一半，水体仍发黑", "清淤疏浚中，水面仍有异味"],
    "clear": ["水体清澈，无异味", "水质感官良好，岸坡整洁", "未见黑臭，生态浮床长势良好"],
}


def _metres(lat):
    """Degrees per metre (lon, lat) near latitude `lat`."""
    return 1 / (111_320 * math.cos(math.radians(lat))), 1 / 110_540


def _pond(rng, village):
    lon, lat = problems._point_in(rng, village.boundary)
    dx, dy = _metres(lat)
    radius = rng.uniform(20, 40)
    ring = []
    for k in range(10):
        a = 2 * math.pi * k / 10
        r = radius * rng.uniform(0.8, 1.15)
        ring.append((lon + r * math.cos(a) * dx * 1.3, lat + r * math.sin(a) * dy))
    return Polygon([*ring, ring[0]], srid=4326)


def _ditch(rng, village):
    lon, lat = problems._point_in(rng, village.boundary)
    dx, dy = _metres(lat)
    heading = rng.uniform(0, 2 * math.pi)
    points = [(lon, lat)]
    for _ in range(4):
        heading += rng.uniform(-0.4, 0.4)
        step = rng.uniform(60, 110)
        lon, lat = lon + step * math.cos(heading) * dx, lat + step * math.sin(heading) * dy
        points.append((lon, lat))
    return LineString(points, srid=4326)


def _shape(rng, village, kind, taken):
    """A pond or ditch inside the village, at least ~100 m from the other demo water bodies."""
    for _ in range(60):
        geom = _pond(rng, village) if kind == "pond" else _ditch(rng, village)
        if village.boundary.contains(geom) and all(geom.distance(g) > 0.001 for g in taken):
            return geom
    raise RuntimeError(f"示例水体：{village.code} 内放不下一个{kind}")


def _plan(story, rng):
    """[(days ago, action, what)] of one water body, oldest first: its listing, status changes, rebound report."""
    if story == "kept":
        return [(rng.randint(335, 350), "list", "eliminated")]
    if story == "new":
        return [(rng.randint(25, 60), "list", "black_odorous")]
    listed = rng.randint(300, 345) if story.startswith("rebound") else rng.randint(230, 330)
    treat = listed - rng.randint(15, 40)
    steps = [(listed, "list", "black_odorous"), (treat, "status", "treating")]
    if story == "treating":
        return steps
    done = treat - (rng.randint(70, 100) if story.startswith("rebound") else rng.randint(90, 140))
    steps.append((done, "status", "eliminated"))
    if story == "rebound_old":
        again = rng.randint(45, 75)
        steps += [(again, "rebound", None), (again - rng.randint(3, 7), "status", "treating")]
    elif story == "rebound_new":
        steps.append((rng.randint(4, 10), "rebound", None))
    return steps


def _visits(steps, rng):
    """Monitoring visits between the listing and yesterday: every five to eight weeks, a re-test a few days before
    each elimination, a check a day or two after a rebound. [(days ago, "visit", None)]."""
    listed = steps[0][0]
    out = []
    ago = listed - rng.randint(5, 20)
    while ago >= 1:
        out.append((ago, "visit", None))
        ago -= rng.randint(35, 56)
    for ago, action, what in steps[1:]:
        if what == "eliminated":
            out.append((ago + rng.randint(2, 6), "visit", None))
        if action == "rebound" and ago > 2:
            out.append((ago - rng.randint(1, 2), "visit", None))
    return [v for v in out if 1 <= v[0] < listed]


def _weekday(day):
    """A Saturday or Sunday moves back to the Friday before (never towards today)."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def load(district, stdout=None, today=None, now=None, seed=20260412):
    from geo.models import Village
    from patrol.models import Category, Issue, Source
    from waterbodies import services
    from waterbodies.models import Finding, Status, WaterBody

    today = today or timezone.localdate()
    now = now or timezone.now()
    rng = random.Random(seed)
    inspector = problems._staff("demo_xuncha", Role.INSPECTOR, district.code, "区巡查员（示例）")
    district_staff = problems._staff("demo_qu", Role.DISTRICT, district.code, "区整治办（示例）")
    deadline_days = Category.objects.get(code=services.BLACK_WATER).default_deadline_days
    taken = []
    counts = {"bodies": 0, "visits": 0, "rebounds": 0}
    for t, town in enumerate(district.towns.order_by("code")):
        staff = problems._staff(f"demo_zhen_{town.code}", Role.TOWN, town.code, f"{town.name}整治办")
        villages = list(Village.objects.filter(town=town).order_by("code").only("code", "name", "boundary",
                                                                                 "town_id"))
        stories = [*STORIES, FIFTH.get(t, "eliminated")]
        for n, (village, story) in enumerate(zip(rng.sample(villages, min(len(villages), len(stories))), stories,
                                                 strict=False)):
            kind = "ditch" if n % 2 or story == "rebound_new" else "pond"
            geom = _shape(rng, village, kind, taken)
            taken.append(geom)
            name = village.name + rng.choice(DITCH_NAMES if kind == "ditch" else POND_NAMES)
            cun = problems._staff(f"demo_cun_{village.code}", Role.VILLAGE, village.code, f"{village.name}村干部")
            steps = _plan(story, rng)
            moments = sorted([*steps, *_visits(steps, rng)], key=lambda s: (-s[0], s[1] != "list"))
            last = None
            body = None
            for ago, action, what in moments:
                hour = {"list": rng.randint(9, 11), "status": rng.randint(14, 16), "rebound": rng.randint(9, 11)}.get(
                    action, rng.randint(9, 16))
                at = timezone.make_aware(datetime.combine(_weekday(today - timedelta(days=ago)),
                                                          time(hour, rng.randint(0, 59))))
                if last is not None and at <= last:  # the same day as the step before: after it
                    at = last + timedelta(minutes=rng.randint(20, 90))
                    if timezone.localtime(at).hour >= 17:  # or the next morning
                        at = timezone.make_aware(datetime.combine(timezone.localdate(last) + timedelta(days=1),
                                                                  time(9, rng.randint(0, 59))))
                at = min(at, now)
                last = at
                if action == "list":
                    note = ("已整治水体纳入清单长效监管（示例）" if what == "eliminated"
                            else "排查发现，纳入黑臭水体清单（示例）")
                    body, _ = services.list_water_body(
                        staff, geometry=geom.json, name=name, kind=kind, village=village.code, status=what,
                        note=note, client_uuid=uuid.UUID(int=rng.getrandbits(128)), now=at)
                    counts["bodies"] += 1
                elif action == "status":
                    note = {"treating": "启动控源截污、清淤疏浚（示例）" if body.status == Status.BLACK_ODOROUS
                            else "返黑返臭，重新启动整治（示例）",
                            "eliminated": "整治完成，监测达标，销号（示例）"}[what]
                    services.change_status(staff, body.pk, what, note=note, now=at)
                    body.status = what
                elif action == "visit":
                    clear = body.status == Status.ELIMINATED or (
                        body.status == Status.TREATING and any(a < ago and w == "eliminated" and a > ago - 7
                                                               for a, _, w in steps))
                    finding = Finding.NOT_BLACK_ODOROUS if clear else Finding.BLACK_ODOROUS
                    note = rng.choice(NOTES["clear" if clear else
                                            "treating" if body.status == Status.TREATING else "black_odorous"])
                    services.record_visit(rng.choice([cun, cun, inspector]), body.pk, finding=finding,
                                          note=f"{note}（示例）", photos=[problems._photo(rng)],
                                          client_uuid=uuid.UUID(int=rng.getrandbits(128)), at=at)
                    counts["visits"] += 1
                else:  # the rebound: a black_water problem reported on the eliminated water body
                    body.status = _rebound(body, geom, kind, at, rng, today, now, deadline_days, inspector,
                                           district_staff, staff, cun, Issue, Source, WaterBody)
                    counts["rebounds"] += 1
    if stdout is not None:
        stdout.write(f"示例黑臭水体已加载：{counts['bodies']} 处，监测 {counts['visits']} 次，"
                     f"返黑返臭 {counts['rebounds']} 处（经问题上报）")
    return counts


def _rebound(body, geom, kind, at, rng, today, now, deadline_days, inspector, district_staff, town, cun, Issue,
             Source, WaterBody):
    """The inspector reports a black_water problem on the water body's shore (a pond) or along it (a ditch, far
    from its middle); the report's listener links it and turns the water body rebounded. The problem is then told
    through the loop. Returns the water body's status after the report."""
    from patrol import services as patrol

    spot = geom.exterior_ring.coords[rng.randrange(10)] if kind == "pond" else geom.interpolate_normalized(
        rng.uniform(0.75, 0.95)).coords
    issue = patrol.report_issue(
        inspector, lon=spot[0], lat=spot[1], category="black_water", reported_at=at, source=Source.DISTRICT_PATROL,
        description=("坑塘" if kind == "pond" else "沟渠") + "水体返黑发臭，水面有异味（示例）",
        client_uuid=uuid.UUID(int=rng.getrandbits(128))).issue
    issue.refresh_from_db(fields=["water_body"])
    status = WaterBody.objects.filter(pk=body.pk).values_list("status", flat=True).get()
    if issue.water_body != body.pk or status != "rebounded":
        raise RuntimeError(f"示例水体 {body.name}：返黑返臭上报未关联（{issue.water_body}, {status}）")
    at_ = functools.partial(problems._moment, rng=rng, now=now)
    problems._run_loop(rng, issue, timezone.localdate(at), today, deadline_days, town, cun, district_staff, at_)
    return status
