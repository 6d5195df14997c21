"""Import households from a spreadsheet (.xlsx) or CSV: for the command `import_households`, the admin and tests.

Columns `code, village, group, address, longitude, latitude, head, phone, members, resident` (resident 是/否;
Chinese headers work too). The same style as the problem import (patrol.imports): bad rows are collected with
their row number and reason, and can be written to a workbook to fix; idempotent by household code, so the same
file twice changes nothing. A row whose point lies outside its village, or whose code repeats an earlier row of
the file, is a bad row (the earlier row still imports). All good rows go in one transaction.
"""

from django.contrib.gis.geos import Point
from django.db import transaction

from core import inputs
from core.errors import DomainError
from core.spreadsheets import BadRow, UpsertResult, cell_text, match_columns, read_table
from geo import scope
from geo.lookup import locate
from geo.models import Village

from .models import Household, HouseholdStatus
from .services import is_manager

COLUMNS = {
    "code": ("code", "户编号", "编号"),
    "village": ("village", "行政村", "村", "村代码"),
    "group": ("group", "村民小组", "小组", "组"),
    "address": ("address", "门牌", "地址", "门牌号"),
    "lon": ("longitude", "经度", "lon", "lng"),
    "lat": ("latitude", "纬度", "lat"),
    "head": ("head", "户主", "户主姓名"),
    "phone": ("phone", "电话", "联系电话"),
    "members": ("members", "人口", "人口数", "家庭人口"),
    "resident": ("resident", "本村居民", "是否本村居民"),
}
REQUIRED = ("code", "village", "group", "lon", "lat", "head")
YES = {"是", "yes", "y", "true", "1", "本村"}
NO = {"否", "no", "n", "false", "0", "非本村"}
FIELDS = ("village_id", "town_id", "grid_id", "group", "address", "head", "phone", "members", "resident")


ImportResult = UpsertResult


def column_map(headers, village=None):
    """The columns found; with a `village` (an import through a village's page) the village column may be left
    out, and a row without one is that village's."""
    required = tuple(c for c in REQUIRED if c != "village") if village else REQUIRED
    found, missing = match_columns(headers, COLUMNS, required)
    if missing:
        raise DomainError(f"缺少必需的列：{', '.join(missing)}（列：{', '.join(v[0] for v in COLUMNS.values())}）",
                          field="file")
    return found


def parse_row(values, cols, villages, default_village=None):
    def get(key):
        i = cols.get(key)
        return cell_text(values[i]) if i is not None and i < len(values) else ""

    code = get("code")
    if not code or len(code) > 40 or "/" in code:
        raise BadRow(f"户编号无效：{code!r}")
    village_text = get("village") or default_village or ""
    village = villages.get(village_text)
    if village is None:
        raise BadRow(f"行政村不存在或不在您的辖区内：{village_text!r}")
    try:
        lon, lat = float(get("lon")), float(get("lat"))
    except ValueError:
        raise BadRow(f"经纬度应为数字：{get('lon')!r}, {get('lat')!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadRow(f"经纬度超出范围：{lon}, {lat}")
    found = locate(lon, lat)
    if found["village"] is None or found["village"].code != village.code:
        raise BadRow(f"门口位置不在 {village.name}（{village.code}）范围内")
    head, group = get("head"), get("group")
    if not head:
        raise BadRow("户主不能为空")
    if not group:
        raise BadRow("村民小组不能为空")
    members_text = get("members") or "1"
    if not members_text.isdigit() or not 1 <= int(members_text) <= 100:
        raise BadRow(f"人口数应为 1–100 的整数：{members_text!r}")
    resident_text = get("resident").lower()
    if resident_text in YES or resident_text == "":
        resident = True
    elif resident_text in NO:
        resident = False
    else:
        raise BadRow(f"本村居民应为“是”或“否”：{get('resident')!r}")
    grid = found["grid"]
    try:
        phone = inputs.phone(get("phone"))
    except DomainError as exc:
        raise BadRow(str(exc.detail)) from None
    return code, {"village_id": village.code, "town_id": village.town_id, "grid_id": grid.code if grid else None,
                  "group": group[:40], "address": get("address")[:200], "head": head[:40], "phone": phone,
                  "members": int(members_text), "resident": resident, "location": Point(lon, lat, srid=4326)}


def import_rows(user, headers, body, village=None):
    if not is_manager(user):
        raise DomainError("您的角色不能导入农户", field="user")
    cols = column_map(headers, village)
    area = scope.of(user)
    villages = {}
    for v in Village.objects.filter(scope.areas_q(area, "village")):
        if scope.covers_place(area, v.town_id, v.code, None):
            villages[v.code] = villages[v.name] = v
    result = ImportResult(headers=headers, total=len(body))
    seen = {}
    with transaction.atomic():
        for row_number, values in body:
            try:
                code, fields = parse_row(values, cols, villages, village)
                if code in seen:
                    raise BadRow(f"户编号 {code} 与第 {seen[code]} 行重复")
                seen[code] = row_number
                _save(code, fields, area, result)
            except BadRow as exc:
                result.errors.append({"row": row_number, "reason": str(exc), "values": values})
    return result


def _save(code, fields, area, result):
    existing = Household.objects.select_for_update().filter(code=code).first()
    if existing is None:
        Household.objects.create(code=code, status=HouseholdStatus.ACTIVE, **fields)
        result.created += 1
        return
    if not scope.covers_place(area, existing.town_id, existing.village_id, None):
        raise BadRow(f"户编号 {code} 已属于其他村")
    same = all(getattr(existing, f) == fields[f] for f in FIELDS) and (
        existing.location.equals_exact(fields["location"], 1e-9))
    if same:
        result.unchanged += 1
        return
    for f, value in fields.items():
        setattr(existing, f, value)
    existing.save()
    result.updated += 1


def import_file(user, content, filename, village=None):
    """`village`: the code of the village whose page imports the file; rows without a village are its own."""
    headers, body = read_table(content, filename)
    return import_rows(user, headers, body, village)
