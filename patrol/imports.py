"""Bulk import of problems from a spreadsheet (.xlsx) or CSV, for the command and the API alike.

Each row goes through patrol.services.report_issue — the same rules as the API (area check, village and grid
lookup, rebound link, history) — with a deterministic client_uuid: uuid5 of the importer's area and the row's
normalised content (its id column included). Uploading the same rows again therefore creates nothing new.
Bad rows are collected with their spreadsheet row number and the reason, and can be returned as a workbook
to fix and upload again.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from core import inputs
from core.errors import DomainError
from core.spreadsheets import BadRow, cell_text, match_columns, read_table

from .models import Category, Source

NAMESPACE = uuid.UUID("6f0c1c2e-5d0a-4a57-9a3e-3b1f8d0c7a11")

# column → accepted header names (lower-case; Chinese or English)
COLUMNS = {
    "lon": ("经度", "longitude", "lon", "lng", "x"),
    "lat": ("纬度", "latitude", "lat", "y"),
    "crs": ("坐标系", "crs", "coordinate system"),
    "category": ("类别", "问题类别", "category"),
    "description": ("描述", "问题描述", "description"),
    "date": ("日期", "上报时间", "上报日期", "发现时间", "date", "reported_at"),
    "source": ("来源", "source"),
    "row_id": ("编号", "行编号", "序号", "row_id", "id"),
    "campaign": ("专项行动", "专项行动编号", "campaign"),
}
REQUIRED = ("lon", "lat", "category")
CRS_NAMES = {"wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84", "cgcs2000": "wgs84", "gcj02": "gcj02",
             "gcj-02": "gcj02", "高德": "gcj02", "腾讯": "gcj02", "火星坐标": "gcj02", "bd09": "bd09", "bd-09": "bd09",
             "百度": "bd09", "": "wgs84"}


@dataclass
class ImportResult:
    headers: list
    total: int = 0
    created: int = 0
    existing: int = 0
    created_ids: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # {"row", "reason", "values"}

    def as_json(self):
        return {"total": self.total, "created": self.created, "existing": self.existing,
                "failed": len(self.errors), "created_ids": self.created_ids,
                "errors": [{"row": e["row"], "reason": e["reason"]} for e in self.errors]}


def column_map(headers):
    found, missing = match_columns(headers, COLUMNS, REQUIRED)
    if missing:
        names = "经度、纬度、坐标系、类别、描述、日期、来源、编号"
        raise DomainError(f"缺少必需的列：{'、'.join(missing)}（可用列名：{names}）", field="file")
    return found


def _date(value, today):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(12))
    else:
        text = str(value).strip().replace("/", "-").replace(".", "-")
        try:
            dt = datetime.fromisoformat(text) if (":" in text) else datetime.combine(date.fromisoformat(
                "-".join(p.zfill(2) for p in text.split("-"))), time(12))
        except ValueError:
            raise BadRow(f"日期无法识别：{value!r}（应为 YYYY-MM-DD）") from None
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    if dt.date() > today:
        raise BadRow(f"日期不能晚于今天：{dt.date()}")
    return dt


def parse_row(values, cols, categories, sources, today, area=""):
    """A row's report_issue arguments (without the user) and its client_uuid; BadRow with the reason."""

    def get(key):
        i = cols.get(key)
        return values[i] if i is not None and i < len(values) else None

    try:
        lon, lat = inputs.lonlat(cell_text(get("lon")), cell_text(get("lat")), "geometry")
    except DomainError as exc:
        raise BadRow(f"经纬度无效：{cell_text(get('lon'))!r}, {cell_text(get('lat'))!r}（{exc.detail}）") from None
    crs_text = cell_text(get("crs")).lower()
    crs = CRS_NAMES.get(crs_text)
    if crs is None:
        raise BadRow(f"未知的坐标系：{cell_text(get('crs'))!r}（可选 wgs84、gcj02、bd09）")
    category_text = cell_text(get("category"))
    category = categories.get(category_text) or categories.get(category_text.lower())
    if category is None:
        raise BadRow(f"未知的问题类别：{category_text!r}")
    source_text = cell_text(get("source"))
    source = sources.get(source_text) or sources.get(source_text.lower()) if source_text else Source.DISTRICT_PATROL
    if source is None:
        raise BadRow(f"未知的来源：{source_text!r}（可选：{'、'.join(Source.labels)}）")
    reported_at = _date(get("date"), today)
    description = cell_text(get("description"))
    campaign_text = cell_text(get("campaign"))
    if campaign_text and not campaign_text.isdigit():
        raise BadRow(f"专项行动编号应为整数：{campaign_text!r}")
    campaign = int(campaign_text) if campaign_text else None
    row_id = cell_text(get("row_id"))
    # The importer's area and the row's whole content (its id column included): the same sheet uploaded again
    # creates nothing, while two towns' sheets numbered 1…N, or two sheets of one town, never collide.
    key = "|".join([area or "*", row_id, f"{lon:.7f}", f"{lat:.7f}", crs, category, description, source,
                    reported_at.isoformat() if reported_at else ""] + ([str(campaign)] if campaign else []))
    return {"lon": lon, "lat": lat, "crs": crs, "category": category, "source": source,
            "description": description, "reported_at": reported_at,
            "client_uuid": uuid.uuid5(NAMESPACE, key), "campaign": campaign}


def iter_import(user, headers, body, result):
    """Import row by row into `result` (an ImportResult), yielding (rows done, total) after each row: for
    progress on large files."""
    from .services import report_issue

    cols = column_map(headers)
    categories = {}
    for code, name in Category.objects.values_list("code", "name"):
        categories[code] = categories[name] = code
        for part in name.split("/"):
            categories[part] = code
    sources = {}
    for value, label in Source.choices:
        sources[value] = sources[label] = value
    sources.update({"区级": "district_patrol", "街镇": "town_self_check", "第三方": "third_party",
                    "暗访": "third_party"})
    today = timezone.localdate()
    for n, (row_number, values) in enumerate(body, 1):
        try:
            args = parse_row(values, cols, categories, sources, today, user.area_code)
            outcome = report_issue(user, **args)
        except BadRow as exc:
            result.errors.append({"row": row_number, "reason": str(exc), "values": values})
        except DomainError as exc:
            reason = exc.detail
            if exc.status_code == 409:
                reason = "该行编号或内容已由他人导入、或同一编号对应了不同内容"
            result.errors.append({"row": row_number, "reason": reason, "values": values})
        else:
            if outcome.created:
                result.created += 1
                result.created_ids.append(outcome.issue.pk)
            else:
                result.existing += 1
        yield n, len(body)


def import_rows(user, headers, body, progress=None):
    result = ImportResult(headers=headers, total=len(body))
    column_map(headers)  # a sheet without the needed columns fails before any row
    for done, total in iter_import(user, headers, body, result):
        if progress:
            progress(done, total)
    return result


def import_file(user, content, filename, progress=None):
    headers, body = read_table(content, filename)
    return import_rows(user, headers, body, progress)
