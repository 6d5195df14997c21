"""GPX 1.1 (http://www.topografix.com/GPX/1/1): plans out to phones, tracks back in.

Out: one waypoint per planned stop, one route (rte) and one track (trk, the line along the roads) per team,
which navigation apps (OsmAnd, Organic Maps, 两步路, 六只脚 …) open. In: the track points of a GPX 1.0 or 1.1 file;
a file that is not such GPX is refused with a message saying what is wrong (never a half-read track).
"""
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from django.conf import settings

from core import inputs
from core.errors import BadInput

NS = "http://www.topografix.com/GPX/1/1"
NS10 = "http://www.topografix.com/GPX/1/0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def _pt(parent, tag, lon, lat):
    return _sub(parent, tag, lat=f"{lat:.7f}", lon=f"{lon:.7f}")


def _source_note(matrix, legs):
    """Where the times come from, and how many legs are straight-line estimates."""
    estimated = sum(1 for leg in legs if leg.get("source") == "estimate")
    if matrix == "haversine" or (legs and estimated == len(legs)):
        return f"行程时间来源：直线距离×绕行系数（全部 {len(legs)} 段为直线估算）"
    if estimated:
        return f"行程时间来源：路网，其中 {estimated}/{len(legs)} 段为直线估算（路网不连通或点位离路网过远）"
    return f"行程时间来源：路网（{len(legs)} 段均走路网）"


def write_plan(plan):
    """The plan as GPX 1.1 bytes (UTF-8)."""
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{NS}}}gpx", {"version": "1.1", "creator": "农村人居环境巡查",
                                       f"{{{XSI}}}schemaLocation": f"{NS} {NS}/gpx.xsd"})
    meta = _sub(root, "metadata")
    _sub(meta, "name", f"巡查计划 #{plan.pk} {plan.date.isoformat()}")
    _sub(meta, "desc", _source_note(plan.matrix, [leg for r in plan.routes.all() for leg in r.legs]))
    _sub(meta, "time", plan.created_at.isoformat().replace("+00:00", "Z"))
    stops = list(plan.stops.filter(team__isnull=False).order_by("team", "seq"))
    for s in stops:
        w = _pt(root, "wpt", s.location.x, s.location.y)
        _sub(w, "name", f"{s.team}-{s.seq} {s.label}")
        _sub(w, "desc", "；".join(s.reasons))
        _sub(w, "type", s.get_kind_display())
    by_team = {}
    for s in stops:
        by_team.setdefault(s.team, []).append(s)
    for route in plan.routes.all():
        rte = _sub(root, "rte")
        _sub(rte, "name", f"第{route.team}组")
        _sub(rte, "desc", _source_note(plan.matrix, route.legs))
        _sub(rte, "number", route.team)
        p = _pt(rte, "rtept", plan.start.x, plan.start.y)
        _sub(p, "name", "出发点")
        for s in by_team.get(route.team, []):
            p = _pt(rte, "rtept", s.location.x, s.location.y)
            _sub(p, "name", f"{s.team}-{s.seq} {s.label}")
        p = _pt(rte, "rtept", plan.start.x, plan.start.y)
        _sub(p, "name", "返回出发点")
    for route in plan.routes.all():
        if route.geom is None:
            continue
        trk = _sub(root, "trk")
        _sub(trk, "name", f"第{route.team}组路线")
        _sub(trk, "desc", _source_note(plan.matrix, route.legs))
        _sub(trk, "number", route.team)
        seg = _sub(trk, "trkseg")
        for lon, lat in route.geom.coords:
            _pt(seg, "trkpt", lon, lat)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@dataclass
class GpxTrack:
    name: str = ""
    segments: list = field(default_factory=list)  # [[(lon, lat), ...], ...]
    times: list = field(default_factory=list)  # datetimes of the points that had one

    @property
    def points(self):
        return sum(len(s) for s in self.segments)


def _time(text):
    """A point's time, or None when it is none or lies outside core.inputs.YEARS (a receiver's 0001 or 9999)."""
    try:
        found = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if inputs.YEARS[0] <= found.year <= inputs.YEARS[1] else None


def read_track(data):
    """Parse GPX bytes into a GpxTrack; BadInput (field `file`) when it is not usable GPX."""
    limit = settings.PATROL["GPX_MAX_BYTES"]
    if len(data) > limit:
        raise BadInput(f"GPX 文件过大（上限 {limit // (1024 * 1024)} MB）", field="file")
    try:
        # defusedxml: no DTD, no entity expansion (billion laughs), no external entities, anywhere in the file.
        root = safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise BadInput("GPX 文件不能包含 DOCTYPE 或实体声明", field="file") from None
    except ET.ParseError as exc:
        raise BadInput(f"GPX 文件损坏，无法解析：{exc}", field="file") from None
    except (ValueError, LookupError):  # expat: a multi-byte (UTF-7) or unknown declared encoding
        raise BadInput("GPX 文件的编码不受支持（应为 UTF-8 或 UTF-16）", field="file") from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if root.tag.split("}")[-1] != "gpx" or ns not in ("", NS, NS10):
        raise BadInput("不是 GPX 文件（根元素应为 GPX 1.0/1.1 的 gpx）", field="file")
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    track = GpxTrack()
    name = root.find(f"{q('trk')}/{q('name')}")
    if name is None:
        name = root.find(f"{q('metadata')}/{q('name')}")
    track.name = (name.text or "").strip()[:200] if name is not None else ""
    segments = [seg.findall(q("trkpt")) for seg in root.iter(q("trkseg"))]
    if not any(segments):
        segments = [rte.findall(q("rtept")) for rte in root.iter(q("rte"))]
    max_points = settings.PATROL["GPX_MAX_POINTS"]
    for pts in segments:
        coords = []
        for pt in pts:
            try:
                lon, lat = inputs.lonlat(pt.get("lon"), pt.get("lat"), "file")
            except BadInput as exc:
                raise BadInput(f"GPX 轨迹点坐标无效或超出范围：{exc.detail}", field="file") from None
            coords.append((lon, lat))
            t = pt.find(q("time"))
            if t is not None and t.text and (when := _time(t.text)):
                track.times.append(when)
        if coords:
            track.segments.append(coords)
    if track.points == 0:
        raise BadInput("GPX 文件中没有轨迹点（trkpt）", field="file")
    if track.points > max_points:
        raise BadInput(f"GPX 轨迹点过多（{track.points}，上限 {max_points}）", field="file")
    return track
