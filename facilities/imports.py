"""Import facilities from xlsx/csv (columns code, kind, name, longitude, latitude, operator) or GeoPackage /
Shapefile (the same fields, the point geometry instead of the coordinates), for the command, admin and tests.

The rules are those of the boundary and problem imports: encodings (.cpg, DBF language driver, --encoding) and
coordinate systems (.prj, CGCS2000) as geo.importers reads them; bad rows are reported by their number with the
reason (and can be written back as a workbook) while the good rows are stored in one transaction; a facility is
keyed by its code, so importing the same file again changes nothing.
"""
import tempfile
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.spreadsheets import BadRow, UpsertResult, cell_text, match_columns, read_table
from geo import scope
from geo.lookup import locate_many

from .models import Facility, FacilityStatus, Kind, Operator

COLUMNS = {
    "code": ("code", "编码", "设施编码", "编号"),
    "kind": ("kind", "类型", "设施类型"),
    "name": ("name", "名称", "设施名称"),
    "lon": ("longitude", "lon", "lng", "经度", "x"),
    "lat": ("latitude", "lat", "纬度", "y"),
    "operator": ("operator", "服务公司", "运营公司", "服务运营公司"),
    "household": ("household", "农户", "户主"),
    "status": ("status", "状态"),
    "upkeep_days": ("upkeep_days", "管护周期", "管护周期（天）"),
}
REQUIRED = ("code", "kind", "lon", "lat")
GEO_SUFFIXES = (".gpkg", ".shp", ".zip")


class ImportRefused(DomainError):
    status_code = 400


ImportResult = UpsertResult


def read_geo(path, encoding=None, srs=None):
    """(headers, [(row number, values)]) from a GeoPackage or Shapefile, coordinates in WGS-84."""
    from geo.importers import BoundaryImportError, frame_to_wgs84, read_frame

    try:
        frame, _ = read_frame(Path(path), encoding)
        frame, _ = frame_to_wgs84(frame, srs)
    except BoundaryImportError as exc:
        raise ImportRefused(str(exc), field="file") from exc
    geometry = frame.geometry.name
    headers = [c for c in frame.columns if c != geometry] + ["longitude", "latitude"]
    body = []
    for i, (_, row) in enumerate(frame.iterrows(), 1):
        geom = row[geometry]
        if geom is None or geom.is_empty:
            lon = lat = None
        else:
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            lon, lat = point.x, point.y
        body.append((i, [row[c] for c in headers[:-2]] + [lon, lat]))
    return headers, body


def read_any(path_or_bytes, filename, encoding=None, srs=None):
    name = (filename or "").lower()
    if name.endswith(GEO_SUFFIXES):
        if isinstance(path_or_bytes, bytes | bytearray):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(filename).name
                path.write_bytes(path_or_bytes)
                return read_geo(path, encoding, srs)
        return read_geo(path_or_bytes, encoding, srs)
    content = path_or_bytes if isinstance(path_or_bytes, bytes | bytearray) else Path(path_or_bytes).read_bytes()
    return read_table(content, filename)


def column_map(headers):
    found, missing = match_columns(headers, COLUMNS, REQUIRED)
    if missing:
        raise ImportRefused(f"缺少必需的列：{', '.join(missing)}（应有 code, kind, name, longitude, latitude, "
                            "operator）", field="file")
    return found


STATUS_NAMES = {**{v: v for v in FacilityStatus.values}, **{label: v for v, label in FacilityStatus.choices},
                "": FacilityStatus.IN_USE, "正常": FacilityStatus.IN_USE, "问题": FacilityStatus.PROBLEM}


def _parse(values, cols, kinds, operators):
    def get(key):
        i = cols.get(key)
        return values[i] if i is not None and i < len(values) else None

    code = cell_text(get("code"))
    if not code or len(code) > 40 or not all(c.isalnum() and c.isascii() or c in "_.-" for c in code):
        raise BadRow(f"编码无效：{code!r}（字母、数字、_ . -，最多 40 位）")
    kind_text = cell_text(get("kind"))
    kind = kinds.get(kind_text) or kinds.get(kind_text.lower())
    if kind is None:
        raise BadRow(f"未知的设施类型：{kind_text!r}（可选：{'、'.join(sorted({k for k in kinds if k.isascii()}))}）")
    try:
        lon, lat = float(cell_text(get("lon"))), float(cell_text(get("lat")))
    except ValueError:
        raise BadRow(f"经纬度应为数字：{cell_text(get('lon'))!r}, {cell_text(get('lat'))!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadRow(f"经纬度超出范围：{lon}, {lat}")
    operator_text = cell_text(get("operator"))
    operator = operators.get(operator_text) if operator_text else None
    if operator_text and operator is None:
        raise BadRow(f"未知的服务运营公司：{operator_text!r}（先用 add_operator 添加）")
    status = STATUS_NAMES.get(cell_text(get("status")))
    if status is None:
        raise BadRow(f"未知的状态：{cell_text(get('status'))!r}（可选：{'、'.join(FacilityStatus.labels)}）")
    upkeep = cell_text(get("upkeep_days"))
    if upkeep and not upkeep.isdigit():
        raise BadRow(f"管护周期应为天数：{upkeep!r}")
    name = cell_text(get("name"))[:100]
    return {"code": code, "kind_id": kind, "name": name, "lon": lon, "lat": lat, "operator_id": operator,
            "household": cell_text(get("household"))[:60], "status": status,
            "upkeep_days": int(upkeep) if upkeep else None}


FIELDS = ("kind_id", "name", "operator_id", "household", "status", "upkeep_days", "town_id", "village_id", "grid_id")


def import_rows(user, headers, body):
    cols = column_map(headers)
    kinds = {}
    for code, name in Kind.objects.values_list("code", "name"):
        kinds[code] = kinds[name] = code
    operators = {}
    for code, name in Operator.objects.values_list("code", "name"):
        operators[code] = operators[name] = code
    result = ImportResult(headers=list(headers), total=len(body))
    parsed, seen = [], {}
    for row_number, values in body:
        try:
            row = _parse(values, cols, kinds, operators)
            if row["code"] in seen:
                raise BadRow(f"编码 {row['code']} 与第 {seen[row['code']]} 行重复")
            seen[row["code"]] = row_number
            parsed.append((row_number, values, row))
        except BadRow as exc:
            result.errors.append({"row": row_number, "reason": str(exc), "values": values})
    found = locate_many([r["lon"] for _, _, r in parsed], [r["lat"] for _, _, r in parsed])
    area = scope.of(user)
    existing = {f.code: f for f in Facility.objects.filter(code__in=[r["code"] for _, _, r in parsed])}
    towns = dict(_towns([v for v, _ in found if v]))
    new, changed, now = [], [], timezone.now()
    for (row_number, values, row), (village, grid) in zip(parsed, found, strict=True):
        if village is None:
            result.errors.append({"row": row_number, "reason": "该位置不在任何行政村内", "values": values})
            continue
        town = towns[village]
        if not scope.covers_place(area, town, village, grid or ""):
            result.errors.append({"row": row_number, "reason": "该位置不在您的辖区内", "values": values})
            continue
        old = existing.get(row["code"])
        if old is not None and not scope.covers_place(area, old.town_id, old.village_id, old.grid_id or ""):
            result.errors.append({"row": row_number, "reason": "该编码的设施已属其他辖区", "values": values})
            continue
        row.update(town_id=town, village_id=village, grid_id=grid)
        location = Point(row.pop("lon"), row.pop("lat"), srid=4326)
        if old is None:
            since = now if row["status"] != FacilityStatus.IN_USE else None
            new.append(Facility(code=row["code"], location=location, status_since=since,
                                **{k: row[k] for k in FIELDS}))
            continue
        same = all(getattr(old, k) == row[k] for k in FIELDS) and old.location.equals_exact(location, 1e-9)
        if same:
            result.unchanged += 1
            continue
        if old.status != row["status"]:
            old.status_since = now
        for k in FIELDS:
            setattr(old, k, row[k])
        old.location = location
        changed.append(old)
    with transaction.atomic():
        Facility.objects.bulk_create(new, batch_size=2000)
        Facility.objects.bulk_update(changed, [*FIELDS, "location", "status_since"], batch_size=2000)
    result.created, result.updated = len(new), len(changed)
    return result


def _towns(villages):
    from geo.models import Village

    return Village.objects.filter(code__in=set(villages)).values_list("code", "town_id")


def import_file(user, source, filename, encoding=None, srs=None):
    headers, body = read_any(source, filename, encoding, srs)
    return import_rows(user, headers, body)

