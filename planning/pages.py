"""Pages for patrol plans (巡查路线): a plan on a map with a printable stop list, and monthly coverage."""
import json

from django.contrib.gis.db.models.functions import PointOnSurface
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from geo.models import Village, area_by_code
from layers import maps
from patrol.errors import DomainError, NotVisible

from . import services as planning
from . import tracks
from .api import PLANNERS

PALETTE = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"]


def _villages_geojson(user, extra=None):
    features = []
    for v in Village.objects.filter(planning.village_scope(user)).order_by("code"):
        props = {"name": v.name, "code": v.code}
        props.update((extra or {}).get(v.code, {}))
        features.append({"type": "Feature", "geometry": json.loads(v.boundary.simplify(0.0001).geojson),
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _default_start(user):
    area = area_by_code(user.area_code) if user.area_code else None
    if area is None:
        village = Village.objects.annotate(pt=PointOnSurface("boundary")).order_by("code").first()
        return (village.pt.x, village.pt.y) if village else (121.40, 31.05)
    pt = area.boundary.point_on_surface
    return pt.x, pt.y


def _runs(coords, legs):
    """[(source, coordinates)]: the line cut where its legs change between roads and straight-line estimates."""
    if not legs:
        return [("roads", coords)]
    runs = []
    for leg in legs:
        first, last = leg["points"]
        if runs and runs[-1][0] == leg["source"]:
            runs[-1][1].extend(coords[first + 1:last + 1])
        else:
            runs.append((leg["source"], list(coords[first:last + 1])))
    return runs


def _plan_map(user, plan):
    data = planning.plan_dict(plan)
    coords = [c for r in data["routes"] for c in r["coordinates"]] + [data["start"]]
    coords += [[s["lon"], s["lat"]] for r in data["routes"] for s in r["stops"]]
    coords += [[s["lon"], s["lat"]] for s in data["dropped"]]
    lons, lats = zip(*coords, strict=True)
    m = maps.new_map(bounds=(min(lons), min(lats), max(lons), max(lats)))
    maps.add_boundaries(m, _villages_geojson(user), "行政村", color="#888888", weight=1)
    routes = []
    for r in data["routes"]:
        if not r["coordinates"]:
            continue
        label = f"第{r['team']}组 {r['distance_m'] / 1000:.1f} 公里 {r['duration_s'] / 3600:.1f} 小时"
        for source, coords in _runs(r["coordinates"], r["legs"]):
            estimated = source == "estimate"
            routes.append({"team": r["team"], "coordinates": coords, "color": PALETTE[(r["team"] - 1) % len(PALETTE)],
                           "label": label + ("（虚线：直线估算路段）" if estimated else ""),
                           "dash": "8 8" if estimated else None})
    maps.add_routes(m, routes)
    stops = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
              "properties": {"name": f"{s['team']}-{s['seq']} {s['label']}（{s['arrival'][11:16]}）",
                             "code": "；".join(s["reasons"])}}
             for r in data["routes"] for s in r["stops"]]
    stops.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": data["start"]},
                  "properties": {"name": "出发点", "code": ""}})
    maps.add_boundaries(m, {"type": "FeatureCollection", "features": stops}, "计划点位", fields=("name", "code"),
                        aliases=("点位", "理由"))
    if data["dropped"]:
        dropped = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                    "properties": {"name": f"未安排：{s['label']}", "code": "；".join(s["reasons"])}}
                   for s in data["dropped"]]
        maps.add_boundaries(m, {"type": "FeatureCollection", "features": dropped}, "未安排的候选点",
                            fields=("name", "code"), aliases=("点位", "理由"), show=False)
    maps.add_legend(m, "巡查组", [(PALETTE[(r["team"] - 1) % len(PALETTE)], f"第{r['team']}组", f"team{r['team']}",
                                  len(r["stops"])) for r in data["routes"]])
    return maps.map_parts(m), data


def patrols(request, pk=None):
    user = request.user
    error = None
    if request.method == "POST":
        try:
            if not (user.is_superuser or user.role in PLANNERS):
                raise NotVisible("您的角色不能制定巡查计划")
            plan = planning.make_plan(
                user, day=request.POST.get("date") or timezone.localdate(), teams=request.POST.get("teams"),
                start=[request.POST.get("lon"), request.POST.get("lat")], hours=request.POST.get("hours") or None,
                balance=request.POST.get("balance") == "1" if "balance_sent" in request.POST else None,
            )
            return redirect("planning:patrol-detail", plan.pk)
        except DomainError as exc:
            error = exc.detail
    visible = planning.visible_plans(user)
    if pk is not None:
        try:
            plan = planning.visible_plan(user, pk)
        except NotVisible:
            raise Http404("巡查计划不存在或不在您的辖区内") from None
    else:
        plan = visible.first()
    lon, lat = _default_start(user)
    context = {"recent": visible[:20], "plan": plan, "error": error, "today": timezone.localdate(),
               "start_lon": round(lon, 6), "start_lat": round(lat, 6), "can_plan": user.is_superuser
               or user.role in PLANNERS}
    if plan:
        context["map"], context["data"] = _plan_map(user, plan)
    else:
        lon, lat = _default_start(user)
        m = maps.new_map(bounds=(lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05))
        maps.add_boundaries(m, _villages_geojson(user), "行政村", color="#888888", weight=1)
        context["map"] = maps.map_parts(m)
    return render(request, "planning/patrols.html", context)


def coverage(request):
    try:
        first, rows = tracks.coverage(request.user, request.GET.get("month") or timezone.localdate().strftime("%Y-%m"))
    except DomainError as exc:
        raise Http404(exc.detail) from None
    extra = {r["code"]: {"visited": r["visited"], "visits": r["visits"], "last_day": r["last_day"] or "—"}
             for r in rows}
    geo = _villages_geojson(request.user, extra)
    if rows:
        xs = [c for r in rows for c in r["boundary"].extent[0::2]]
        ys = [c for r in rows for c in r["boundary"].extent[1::2]]
        m = maps.new_map(bounds=(min(xs), min(ys), max(xs), max(ys)))
    else:
        m = maps.new_map()
    maps.add_choropleth(m, geo, "visited", {True: "#1a9641", False: "#d7191c"}, "本月巡查覆盖",
                        fields=("name", "visits", "last_day"), aliases=("行政村", "轨迹数", "最近巡查"))
    not_visited = [r for r in rows if not r["visited"]]
    maps.add_legend(m, f"{first:%Y年%m月}巡查覆盖", [("#1a9641", "已巡查", "visited", len(rows) - len(not_visited)),
                                                  ("#d7191c", "未巡查", "not_visited", len(not_visited))])
    return render(request, "planning/coverage.html", {"map": maps.map_parts(m), "month": first,
                                                    "not_visited": not_visited, "total": len(rows)})
