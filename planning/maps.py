"""The maps of patrol planning, built on layers.maps: a plan's routes and stops, the area before a plan, coverage."""

from django.contrib.gis.db.models.functions import PointOnSurface

from geo.models import Village, area_by_code
from layers import maps

from . import services as planning

PALETTE = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"]


def villages_geojson(user, extra=None):
    villages = Village.objects.filter(planning.village_scope(user)).order_by("code")
    return maps.area_geojson(villages, extra, tolerance=0.0001)


def default_start(user):
    area = area_by_code(user.area_code) if user.area_code else None
    if area is None:
        village = Village.objects.annotate(pt=PointOnSurface("boundary")).order_by("code").first()
        return (village.pt.x, village.pt.y) if village else (121.40, 31.05)
    pt = area.boundary.point_on_surface
    return pt.x, pt.y


def maps_bounds(user):
    from layers import queries

    return queries.scope_bounds(user)


def _runs(coords, legs):
    """[(source, coordinates)]: the line cut where its legs change between roads and straight-line estimates
    (those are drawn dashed)."""
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


def plan_map(user, plan):
    data = planning.plan_dict(plan)
    coords = [c for r in data["routes"] for c in r["coordinates"]] + [data["start"]]
    coords += [[s["lon"], s["lat"]] for r in data["routes"] for s in r["stops"]]
    coords += [[s["lon"], s["lat"]] for s in data["dropped"]]
    lons, lats = zip(*coords, strict=True)
    m = maps.new_map(bounds=(min(lons), min(lats), max(lons), max(lats)), user=user)
    maps.add_boundaries(m, villages_geojson(user), "行政村", color="#888888", weight=1)
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
    stops = [{"lon": s["lon"], "lat": s["lat"], "number": s["seq"], "team": r["team"],
              "color": PALETTE[(r["team"] - 1) % len(PALETTE)],
              "label": f"第{s['team']}组第{s['seq']}站 {s['label']}（{s['arrival'][11:16]}）"
                       + (f"：{'；'.join(s['reasons'])}" if s["reasons"] else "")}
             for r in data["routes"] for s in r["stops"]]
    maps.add_stops(m, stops, start=data["start"])
    if data["dropped"]:
        dropped = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                    "properties": {"name": f"未安排：{s['label']}", "code": "；".join(s["reasons"])}}
                   for s in data["dropped"]]
        maps.add_boundaries(m, {"type": "FeatureCollection", "features": dropped}, "未安排的候选点",
                            fields=("name", "code"), aliases=("点位", "理由"), show=False)
    maps.legend_section(m, "巡查组（圆圈内为到访顺序）", [
        {"color": PALETTE[(r["team"] - 1) % len(PALETTE)], "label": f"第{r['team']}组", "key": f"team{r['team']}",
         "count": len(r["stops"]), "line": True} for r in data["routes"]], key="teams", unit="个点位",
        note="▶ 出发点；实线沿道路，虚线为直线估算路段。")
    return maps.map_parts(m), data


def area_map(user):
    """The planner's villages around the default start, before any plan exists."""
    lon, lat = default_start(user)
    m = maps.new_map(bounds=(lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05), user=user)
    maps.add_boundaries(m, villages_geojson(user), "行政村", color="#888888", weight=1)
    return maps.map_parts(m)


def coverage_map(user, first, rows):
    """The month's coverage: villages green where a track passed, red where none did."""
    extra = {r["code"]: {"visited": r["visited"], "visits": r["visits"], "last_day": r["last_day"] or "—"}
             for r in rows}
    geo = villages_geojson(user, extra)
    if rows:
        xs = [c for r in rows for c in r["boundary"].extent[0::2]]
        ys = [c for r in rows for c in r["boundary"].extent[1::2]]
        m = maps.new_map(bounds=(min(xs), min(ys), max(xs), max(ys)), user=user)
    else:
        m = maps.new_map(bounds=maps_bounds(user), user=user)
    maps.add_choropleth(m, geo, "visited", {True: "#1a9641", False: "#d7191c"}, "本月巡查覆盖",
                        fields=("name", "visits", "last_day"), aliases=("行政村", "轨迹数", "最近巡查"))
    not_visited = [r for r in rows if not r["visited"]]
    maps.add_legend(m, f"{first:%Y年%m月}巡查覆盖", [("#1a9641", "已巡查", "visited", len(rows) - len(not_visited)),
                                                  ("#d7191c", "未巡查", "not_visited", len(not_visited))])
    return m, not_visited
