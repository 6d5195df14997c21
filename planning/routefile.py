"""Route planning for a GeoJSON file of stops (the plan_route command): no area, no saved plan.

Input: a FeatureCollection of Point features, optional properties `priority` (default 1) and `service_min`.
Output: a FeatureCollection with one LineString per team (`team`, `distance_m`, `duration_s`, `legs` with
`source: roads | estimate`) and every stop as a Point with `stop` (its index in the input), `team` and `seq`
(`team` null when the plan leaves it out), `arrival_s`; its `properties` say the matrix (roads, mixed or
haversine) and how many legs were estimated from straight lines.
With one team and no hour limit every stop is visited: a travelling-salesman tour. `seconds` is the total wall time,
matrix included (planning.planner).
"""
import json
import time
from pathlib import Path

from django.conf import settings

from core.errors import BadInput

from . import planner


def read_stops(path):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"找不到点位文件：{path}", field="stops") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"点位文件不是有效的 GeoJSON：{exc}", field="stops") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise BadInput("点位文件应为含 Point 要素的 FeatureCollection", field="stops")
    stops = []
    for i, f in enumerate(features):
        geom = (f or {}).get("geometry") or {}
        c = geom.get("coordinates")
        if geom.get("type") != "Point" or not isinstance(c, list) or len(c) < 2:
            raise BadInput(f"第 {i} 个要素不是点（Point）", field="stops")
        try:
            lon, lat = float(c[0]), float(c[1])
            props = f.get("properties") or {}
            priority = int(props.get("priority", 1))
            service = props.get("service_min")
            service = None if service is None else float(service)
        except (TypeError, ValueError):
            raise BadInput(f"第 {i} 个要素的坐标或属性无效", field="stops") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadInput(f"第 {i} 个要素的坐标超出范围", field="stops")
        if priority < 0 or (service is not None and service < 0):
            raise BadInput(f"第 {i} 个要素的 priority/service_min 不能为负", field="stops")
        stops.append((lon, lat, priority, service))
    limit = settings.PATROL["PLAN_MAX_STOPS"]
    if len(stops) > limit:
        raise BadInput(f"点位过多（{len(stops)}，上限 {limit}）", field="stops")
    return stops


def plan_file(stops_path, start, out_path, teams=1, hours=None, speed_kmh=None, service_min=None, seconds=None,
              seed=0, balance=None):
    started = time.monotonic()
    p = settings.PATROL
    stops = read_stops(stops_path)
    if teams < 1 or teams > p["PLAN_MAX_TEAMS"]:
        raise BadInput(f"--teams 应在 1 到 {p['PLAN_MAX_TEAMS']} 之间", field="teams")
    if hours is not None and not (0 < hours <= 24):
        raise BadInput("--hours 应在 0 到 24 之间", field="hours")
    if speed_kmh is not None and not (0 < speed_kmh <= 200):
        raise BadInput("--speed-kmh 应为正数", field="speed_kmh")
    lon, lat = start
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadInput("--start 坐标超出范围", field="start")
    default_service = p["PLAN_SERVICE_MIN"] if service_min is None else service_min
    points = [(lon, lat)] + [(s[0], s[1]) for s in stops]
    planned = planner.plan(
        points, service_s=[60 * (s[3] if s[3] is not None else default_service) for s in stops],
        priority=[s[2] for s in stops], teams=teams, max_duration_s=hours * 3600 if hours else None,
        seconds=seconds or p["PLAN_SOLVER_SECONDS"], speed_kmh=speed_kmh, seed=seed, balance=balance,
        started=started,
    )
    result = planned.result
    features, placed, total = [], {}, 0
    for line in planned.lines:
        route = line.route
        for seq, v in enumerate(route.visits, start=1):
            placed[v.stop] = (route.team, seq, round(v.arrival_s, 1))
        if route.visits:
            total += line.distance_m
            legs = [{**leg, "from": leg["from"] - 1 if leg["from"] else None,
                     "to": leg["to"] - 1 if leg["to"] else None} for leg in line.legs]  # stop indices, None: start
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line.coords},
                             "properties": {"team": route.team, "distance_m": round(line.distance_m),
                                            "duration_s": round(route.duration_s, 1), "legs": legs}})
    for i, s in enumerate(stops):
        team, seq, arrival = placed.get(i, (None, None, None))
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [s[0], s[1]]},
                         "properties": {"stop": i, "team": team, "seq": seq, "arrival_s": arrival,
                                        "priority": s[2]}})
    out = {"type": "FeatureCollection", "features": features,
           "properties": {"matrix": planned.source, "legs": planned.legs, "estimated_legs": planned.estimated_legs,
                          "collected": result.collected, "feasible": result.feasible,
                          "balanced": result.balanced}}
    Path(out_path).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return {"stops": len(stops), "visited": len(placed), "teams": teams, "matrix": planned.source,
            "distance_m": round(total), "legs": planned.legs, "estimated_legs": planned.estimated_legs,
            "seconds": round(time.monotonic() - started, 2)}
