"""Patrol plans: candidate stops with priorities, then routes for several teams (planning.planner), saved.

Candidate stops for a day in the planner's area, each reason adding its weight (settings.PATROL["PRIORITY_*"]):
- problems overdue or under red supervision (PRIORITY_RED);
- problems awaiting on-site verification, status 待复核 (PRIORITY_VERIFY);
- the month's re-inspection sample (回头看) not yet recorded (PRIORITY_REINSPECTION);
- rebound hotspots (PRIORITY_HOTSPOT): recent rebounds (rebound_of set, reported in the last
  HOTSPOT_WINDOW_DAYS days) clustered with ST_ClusterDBSCAN (eps HOTSPOT_EPS_M metres in the local UTM zone);
  each cluster of at least HOTSPOT_MIN_REBOUNDS rebounds becomes a stop at its centroid. A patrol needs a
  place to drive to, which the map's Gi* hot spots (layers.hotspots: classes of hexagonal cells) do not give;
- villages no uploaded track passed through for NOT_VISITED_DAYS days (PRIORITY_NOT_VISITED);
- villages at the bottom of the last ranking (PRIORITY_BOTTOM_RANK), from `bottom_villages`.
Stop keys: "issue:<id>", "village:<code>", "hotspot:<n>"; a bare number is an issue id.
"""
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import LineString, Point
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessment import results as assessment
from core import inputs
from core.errors import BadInput, NotVisible
from core.months import current_month, local_start
from geo import scope
from geo.lookup import locate
from geo.models import Village
from patrol.models import Issue, ReinspectionSample

from . import planner
from .models import PatrolPlan, PatrolRoute, PatrolStop, Track


def conf(name):
    return settings.PATROL[name]


@dataclass
class Candidate:
    key: str
    kind: str
    label: str
    lon: float
    lat: float
    priority: int = 0
    reasons: list = field(default_factory=list)
    issue_id: int | None = None
    village_id: str | None = None
    must: bool = False

    def as_dict(self):
        return {"key": self.key, "kind": self.kind, "label": self.label, "lon": self.lon, "lat": self.lat,
                "priority": self.priority, "reasons": self.reasons, "issue": self.issue_id,
                "village": self.village_id}


def village_scope(user):
    """Q for the villages a person plans for (a grid's staff: their own village)."""
    return scope.areas_q(scope.of(user), "village")


def visible_plans(user):
    return PatrolPlan.objects.filter(scope.code_q(scope.of(user), "area_code"))


def bottom_villages(area, n):
    """Codes of the n villages ranked last in the latest complete month's assessment of `area` (ties included)."""
    return [row["code"] for row in assessment.bottom(area or "", n)]


def _utm_srid(lon):
    return 32600 + int(math.floor((lon + 180) / 6)) % 60 + 1


def rebound_hotspots(issue_ids, eps_m, min_count):
    """[(lon, lat, count)] of DBSCAN clusters of the given (rebound) issues with at least min_count members."""
    if len(issue_ids) < min_count:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT avg(ST_X(location)) FROM patrol_issue WHERE id = ANY(%s)", [list(issue_ids)])
        srid = _utm_srid(cur.fetchone()[0])
        # Raw SQL: ST_ClusterDBSCAN is a window function, which the ORM cannot express; metres via a UTM zone.
        cur.execute(
            """SELECT ST_X(ST_Centroid(ST_Collect(location))), ST_Y(ST_Centroid(ST_Collect(location))), count(*)
               FROM (SELECT location, ST_ClusterDBSCAN(ST_Transform(location, %s), eps := %s, minpoints := %s)
                                      OVER () AS cid
                     FROM patrol_issue WHERE id = ANY(%s)) c
               WHERE cid IS NOT NULL GROUP BY cid HAVING count(*) >= %s ORDER BY count(*) DESC, 1, 2""",
            [srid, float(eps_m), int(min_count), list(issue_ids), int(min_count)],
        )
        return [(x, y, n) for x, y, n in cur.fetchall()]


def candidate_stops(user, day):
    """{key: Candidate} for the user's area on `day`, priorities summed over reasons."""
    day = inputs.day(day, "date")
    found = {}

    def add(key, kind, label, lon, lat, weight, reason, issue_id=None, village_id=None):
        c = found.get(key)
        if c is None:
            c = found[key] = Candidate(key, kind, label, lon, lat, issue_id=issue_id, village_id=village_id)
        c.priority += weight
        c.reasons.append(reason)

    issues = Issue.objects.for_user(user).select_related("category", "village")

    def issue_stop(issue, weight, reason):
        add(f"issue:{issue.pk}", "issue", f"{issue.village.name} {issue.category.name} #{issue.pk}",
            issue.location.x, issue.location.y, weight, reason, issue.pk, issue.village_id)

    for issue in issues.open().filter(Q(red_supervision=True) | Q(deadline__lt=day)):
        issue_stop(issue, conf("PRIORITY_RED"), "红色督办" if issue.red_supervision else "超期未整改")
    for issue in issues.filter(status="submitted"):
        issue_stop(issue, conf("PRIORITY_VERIFY"), "待现场复核")
    sample = ReinspectionSample.objects.filter(month=current_month(day), result="",
                                               issue__in=issues.values("pk")).select_related("issue")
    visible = {i.pk: i for i in issues.filter(pk__in=sample.values("issue_id"))}
    for s in sample:
        issue_stop(visible[s.issue_id], conf("PRIORITY_REINSPECTION"), "本月回头看抽查")

    since = local_start(day - timedelta(days=conf("HOTSPOT_WINDOW_DAYS")))
    rebounds = list(issues.filter(rebound_of__isnull=False, reported_at__gte=since,
                                  reported_at__lt=local_start(day + timedelta(days=1)))
                    .values_list("pk", flat=True))
    for k, (lon, lat, n) in enumerate(
            rebound_hotspots(rebounds, conf("HOTSPOT_EPS_M"), conf("HOTSPOT_MIN_REBOUNDS")), start=1):
        add(f"hotspot:{k}", "hotspot", f"反弹聚集点 {k}（{n} 处反弹）", lon, lat, conf("PRIORITY_HOTSPOT"),
            f"近{conf('HOTSPOT_WINDOW_DAYS')}天反弹 {n} 处")

    villages = Village.objects.filter(village_scope(user))
    recent = Track.villages.through.objects.filter(
        track__day__gt=day - timedelta(days=conf("NOT_VISITED_DAYS")), track__day__lte=day).values("village_id")
    for v in villages.exclude(code__in=recent).annotate(pt=PointOnSurface("boundary")):
        add(f"village:{v.code}", "village", v.name, v.pt.x, v.pt.y, conf("PRIORITY_NOT_VISITED"),
            f"{conf('NOT_VISITED_DAYS')}天以上未巡查", village_id=v.code)
    bottom = bottom_villages(user.area_code, conf("BOTTOM_VILLAGES"))
    for v in villages.filter(code__in=bottom).annotate(pt=PointOnSurface("boundary")):
        add(f"village:{v.code}", "village", v.name, v.pt.x, v.pt.y, conf("PRIORITY_BOTTOM_RANK"),
            "上期考核排名靠后", village_id=v.code)
    return found


def _resolve(user, ids, field_name, candidates):
    """Candidates named by ids (keys or issue ids) — forced ones that were no candidate get PRIORITY_MUST."""
    if not isinstance(ids, list | tuple):
        raise BadInput(f"{field_name} 应为点位编号列表", field=field_name)
    out = []
    for raw in ids:
        key = f"issue:{raw}" if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()) else str(raw)
        if key in candidates:
            out.append(candidates[key])
            continue
        kind, _, ident = key.partition(":")
        if kind == "issue" and ident.isdigit():
            issue = Issue.objects.for_user(user).select_related("category", "village").filter(pk=int(ident)).first()
            if issue:
                out.append(Candidate(key, "issue", f"{issue.village.name} {issue.category.name} #{issue.pk}",
                                     issue.location.x, issue.location.y, conf("PRIORITY_MUST"), ["指定点位"],
                                     issue.pk, issue.village_id))
                continue
        if kind == "village":
            v = (Village.objects.filter(village_scope(user), code=ident).annotate(pt=PointOnSurface("boundary"))
                 .first())
            if v:
                out.append(Candidate(key, "village", v.name, v.pt.x, v.pt.y, conf("PRIORITY_MUST"), ["指定点位"],
                                     village_id=v.code))
                continue
        raise BadInput(f"{field_name} 中的点位 {raw!r} 不存在或不在您的辖区内", field=field_name)
    return out


def _number(value, field_name, low, high, integer=False, default=None):
    if value is None:
        if default is None:
            raise BadInput(f"缺少 {field_name}", field=field_name)
        value = default
    return inputs.number(value, field_name, low, high, integer=integer)


def _start(user, start):
    if not (isinstance(start, list | tuple) and len(start) == 2):
        raise BadInput("start 应为 [经度, 纬度]", field="start")
    lon, lat = inputs.lonlat(start[0], start[1], "start")
    found = locate(lon, lat)
    village, grid = found["village"], found["grid"]
    grid_code = grid.code if grid else ""
    if village is None or not scope.covers_place(scope.of(user), village.town_id, village.code, grid_code):
        raise BadInput("出发点 start 不在您的辖区内", field="start")
    return lon, lat


def make_plan(user, *, day, teams, start, hours=None, stops="auto", must=(), exclude=(), service_min=None,
              speed_kmh=None, seconds=None, day_start=None, balance=None):
    """Choose, route and save a plan; returns the PatrolPlan. BadInput names the field that is wrong.

    `seconds`: total wall time of matrix, solver and lines; `balance` (default: on for more than one team) keeps
    the teams' days similar (planning.solver)."""
    day = inputs.day(day, "date")
    teams = _number(teams, "teams", 1, conf("PLAN_MAX_TEAMS"), integer=True)
    lon, lat = _start(user, start)
    hours = _number(hours, "hours", 0.5, 24, default=conf("PLAN_HOURS"))
    service_min = _number(service_min, "service_min", 0, 240, default=conf("PLAN_SERVICE_MIN"))
    speed_kmh = _number(speed_kmh, "speed_kmh", 1, 120, default=conf("PLAN_SPEED_KMH"))
    seconds = _number(seconds, "seconds", 0.1, conf("PLAN_MAX_SECONDS"), default=conf("PLAN_SOLVER_SECONDS"))
    if balance is not None and not isinstance(balance, bool):
        raise BadInput("balance 应为 true 或 false", field="balance")
    if day_start is None:
        day_start = time.fromisoformat(conf("PLAN_DAY_START"))
    elif isinstance(day_start, str):
        try:
            day_start = time.fromisoformat(day_start)
        except ValueError:
            raise BadInput("day_start 应为 HH:MM", field="day_start") from None

    candidates = candidate_stops(user, day)
    if stops == "auto" or stops is None:
        chosen = list(candidates.values())
    else:
        chosen = _resolve(user, stops, "stops", candidates)
    forced = _resolve(user, list(must or []), "must", candidates)
    dropped = {c.key for c in _resolve(user, list(exclude or []), "exclude", candidates)}
    both = dropped & {c.key for c in forced}
    if both:
        raise BadInput(f"点位 {sorted(both)[0]} 不能同时为必到和排除", field="exclude")
    by_key = {c.key: c for c in chosen}
    for c in forced:
        by_key.setdefault(c.key, c).must = True
    chosen = [c for c in by_key.values() if c.key not in dropped]
    if len(chosen) > conf("PLAN_MAX_STOPS"):
        raise BadInput(f"点位过多（{len(chosen)}，上限 {conf('PLAN_MAX_STOPS')}），请缩小范围或指定 stops",
                       field="stops")

    points = [(lon, lat)] + [(c.lon, c.lat) for c in chosen]
    planned = planner.plan(
        points, service_s=[service_min * 60] * len(chosen), priority=[max(1, c.priority) for c in chosen],
        required=[c.must for c in chosen], teams=teams, max_duration_s=hours * 3600, seconds=seconds,
        speed_kmh=speed_kmh, balance=balance,
    )
    result = planned.result
    if not result.feasible:
        raise BadInput("必到点位（must）无法在工作时长内走完，请增加组数或工作时长", field="must")

    base = timezone.make_aware(datetime.combine(day, day_start))
    with transaction.atomic():
        plan = PatrolPlan.objects.create(
            date=day, area_code=user.area_code, created_by=user, teams=teams, start=Point(lon, lat, srid=4326),
            hours=hours, day_start=day_start, service_min=service_min, speed_kmh=speed_kmh, matrix=planned.source,
            priority_total=sum(c.priority for c in chosen), priority_collected=result.collected,
            solve_seconds=round(result.seconds, 3),
            params={"stops": stops if stops == "auto" else list(stops), "must": list(must or []),
                    "exclude": list(exclude or []), "seconds": seconds,
                    "balance": teams > 1 if balance is None else balance, "balanced": result.balanced},
        )
        placed = {}
        for route in result.routes:
            for seq, v in enumerate(route.visits, start=1):
                placed[v.stop] = (route.team, seq, base + timedelta(seconds=v.arrival_s),
                                  base + timedelta(seconds=v.departure_s))
        PatrolStop.objects.bulk_create([
            PatrolStop(plan=plan, key=c.key, kind=c.kind, label=c.label[:200], reasons=c.reasons,
                       priority=c.priority, location=Point(c.lon, c.lat, srid=4326), issue_id=c.issue_id,
                       village_id=c.village_id, must=c.must, team=placed.get(i, (None,) * 4)[0],
                       seq=placed.get(i, (None,) * 4)[1], arrival=placed.get(i, (None,) * 4)[2],
                       departure=placed.get(i, (None,) * 4)[3])
            for i, c in enumerate(chosen)
        ])
        keys = ["start"] + [c.key for c in chosen]
        for line in planned.lines:
            legs = [{**leg, "from": keys[leg["from"]], "to": keys[leg["to"]]} for leg in line.legs]
            PatrolRoute.objects.create(plan=plan, team=line.team, distance_m=line.distance_m,
                                       duration_s=line.route.duration_s, legs=legs,
                                       geom=LineString(line.coords, srid=4326) if len(line.coords) >= 2 else None)
    return plan


# --- output ----------------------------------------------------------------------------------------------


def stop_dict(s):
    return {
        "key": s.key, "kind": s.kind, "label": s.label, "reasons": s.reasons, "priority": s.priority,
        "lon": s.location.x, "lat": s.location.y, "issue": s.issue_id, "village": s.village_id, "must": s.must,
        "team": s.team, "seq": s.seq,
        "arrival": timezone.localtime(s.arrival).isoformat() if s.arrival else None,
        "departure": timezone.localtime(s.departure).isoformat() if s.departure else None,
        "visited": s.visited_by_id is not None,
    }


def plan_dict(plan):
    stops = list(plan.stops.all())
    routes = []
    for r in plan.routes.all():
        mine = sorted((s for s in stops if s.team == r.team), key=lambda s: s.seq)
        routes.append({
            "team": r.team, "distance_m": round(r.distance_m), "duration_s": round(r.duration_s),
            "return": timezone.localtime(timezone.make_aware(datetime.combine(plan.date, plan.day_start))
                                         + timedelta(seconds=r.duration_s)).isoformat(),
            "stops": [stop_dict(s) for s in mine],
            "coordinates": [list(c) for c in r.geom.coords] if r.geom else [],
            "legs": r.legs,
        })
    return {
        "id": plan.pk, "date": plan.date.isoformat(), "area": plan.area_code, "teams": plan.teams,
        "start": [plan.start.x, plan.start.y], "hours": plan.hours, "day_start": plan.day_start.strftime("%H:%M"),
        "service_min": plan.service_min, "speed_kmh": plan.speed_kmh, "matrix": plan.matrix,
        "matrix_label": matrix_label(plan.matrix),
        "legs": sum(len(r["legs"]) for r in routes),
        "estimated_legs": sum(1 for r in routes for leg in r["legs"] if leg["source"] == "estimate"),
        "balance": plan.params.get("balance", False), "balanced": plan.params.get("balanced"),
        "priority": {"total": plan.priority_total, "collected": plan.priority_collected},
        "solve_seconds": plan.solve_seconds,
        "routes": routes,
        "dropped": [stop_dict(s) for s in stops if s.team is None],
        "links": {"gpx": reverse("planning:plan-gpx", args=[plan.pk]),
                  "geojson": reverse("planning:plan-geojson", args=[plan.pk]),
                  "page": reverse("planning:patrol-detail", args=[plan.pk])},
    }


MATRIX_LABELS = {"roads": "路网", "mixed": "路网，部分路段为直线估算", "haversine": "直线距离×绕行系数"}


def matrix_label(source):
    """What the travel times come from, in words; "路网" only when every leg went by road."""
    return MATRIX_LABELS.get(source, MATRIX_LABELS["haversine"])


def plan_geojson(plan):
    features = []
    for r in plan.routes.all():
        if r.geom is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                         "coordinates": [list(c) for c in r.geom.coords]},
                         "properties": {"team": r.team, "distance_m": round(r.distance_m),
                                        "duration_s": round(r.duration_s), "legs": r.legs}})
    for s in plan.stops.all():
        props = stop_dict(s)
        props.pop("lon")
        props.pop("lat")
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.location.x,
                                                                                          s.location.y]},
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def start_places(user):
    """[{code, label, lon, lat, office}] the patrol page offers as start: each town of the person's area at its
    office (镇政府) where the admin set it, else at a point inside the town, labelled as such."""
    from geo.models import Town

    rows = []
    towns = Town.objects.filter(scope.areas_q(scope.of(user), "town")).annotate(inside=PointOnSurface("boundary"))
    for t in towns.order_by("code"):
        pt = t.office or t.inside
        label = f"镇政府：{t.name}" if t.office else f"{t.name}（未登记镇政府位置，取镇域内一点）"
        rows.append({"code": t.code, "label": label, "lon": round(pt.x, 6), "lat": round(pt.y, 6),
                     "office": t.office is not None})
    return rows


def start_of_town(user, code):
    """[lon, lat] of the start place of a town in the person's area; BadInput naming `start_town` otherwise."""
    for row in start_places(user):
        if row["code"] == code:
            return [row["lon"], row["lat"]]
    raise BadInput("出发点的街镇不存在或不在您的辖区内", field="start_town")


def day_plan(user, day):
    """The latest plan of `day` for a person in the field (the phone's 今日巡查计划), as a light dict, or None.

    A plan of the person's area or of an area inside it counts; so does a plan of an area that contains theirs
    (a village cadre sees the town's plan), but then only the stops that lie in their own area are shown."""
    from geo.models import area_by_code

    area = scope.of(user)
    if area is None:
        return None
    plan = PatrolPlan.objects.filter(date=day).filter(
        scope.code_q(area, "area_code") | Q(area_code__in=scope.enclosing(area))).order_by("-id").first()
    if plan is None:
        return None
    stops = plan.stops.filter(team__isnull=False).order_by("team", "seq")
    if not scope.covers(area, plan.area_code):
        mine = area_by_code(area)
        stops = stops.filter(location__within=mine.boundary) if mine else stops.none()
    routes = {}
    for s in stops:
        routes.setdefault(s.team, []).append({
            "seq": s.seq, "label": s.label, "lon": round(s.location.x, 6), "lat": round(s.location.y, 6),
            "issue": s.issue_id, "must": s.must, "visited": s.visited_by_id is not None,
            "arrival": timezone.localtime(s.arrival).strftime("%H:%M") if s.arrival else None})
    return {"id": plan.pk, "date": plan.date.isoformat(), "teams": plan.teams,
            "day_start": plan.day_start.strftime("%H:%M"),
            "routes": [{"team": team, "stops": rows} for team, rows in sorted(routes.items())],
            "page": reverse("planning:patrol-detail", args=[plan.pk])}


def visible_plan(user, plan_id):
    plan = PatrolPlan.objects.filter(pk=plan_id).first()
    if plan is None or not scope.covers(scope.of(user), plan.area_code):
        raise NotVisible("巡查计划不存在或不在您的辖区内")
    return plan
