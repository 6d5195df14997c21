"""Spreadsheets in and out, for every app: reading an uploaded table, matching its columns, the bad rows as a
workbook to fix, writing a workbook and handing it to the browser.

openpyxl is imported where a workbook is read or written, not when a URLconf imports this module.
"""
import csv
import io
import math
from dataclasses import dataclass, field
from datetime import datetime

from .downloads import download
from .errors import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # project default: far above any county's household or problem table
XLSX_MAX_RATIO = 100  # a zip bomb packs thousands to one; an ordinary xlsx 5–20


def check_xlsx(content):
    """Before openpyxl reads a byte: a zip (not just 'PK'), no DOCTYPE in its XML, not expanding past
    XLSX_MAX_UNCOMPRESSED or XLSX_MAX_RATIO. DomainError (field `file`) naming the problem."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > XLSX_MAX_UNCOMPRESSED or total > XLSX_MAX_RATIO * max(len(content), 1):
                raise DomainError(f"xlsx 文件解压后过大（{total // (1024 * 1024)} MB，上限 "
                                  f"{XLSX_MAX_UNCOMPRESSED // (1024 * 1024)} MB）", field="file")
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with z.open(info) as f:
                        head = f.read(4096)
                    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                        raise DomainError("xlsx 文件不能包含 DOCTYPE 或实体声明", field="file")
    except zipfile.BadZipFile:
        raise DomainError("文件不是有效的 xlsx（不是 zip 压缩包）", field="file") from None


def read_table(content, filename):
    """(headers, [(row_number, [values])]) from xlsx or csv bytes (CSV in UTF-8, with or without BOM, or GBK)."""
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        from openpyxl import load_workbook

        check_xlsx(content)
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken or hostile file; each is the file's fault
            raise DomainError(f"无法读取 xlsx 文件：{type(exc).__name__}", field="file") from None
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        headers = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        body = [(i, list(r)) for i, r in enumerate(rows, 2) if any(v not in (None, "") for v in r)]
        wb.close()
        return headers, body
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("无法识别文件编码（应为 UTF-8 或 GBK）", field="file")
    reader = csv.reader(io.StringIO(text))
    headers = [h.strip() for h in next(reader, [])]
    body = [(i, r) for i, r in enumerate(reader, 2) if any(v.strip() for v in r)]
    return headers, body


class BadRow(Exception):
    """A row of an import that cannot be taken; its message is the reason shown next to the row number."""


def match_columns(headers, columns, required):
    """{key: column index} for the headers that name a column ({key: [accepted names]}), and the first
    names of the required ones that are missing."""
    lowered = [str(h).strip().lower() for h in headers]
    found = {}
    for key, names in columns.items():
        for i, h in enumerate(lowered):
            if h in names:
                found[key] = i
                break
    return found, [columns[k][0] for k in required if k not in found]


def cell_text(value):
    """A cell as stripped text: empty for None or NaN (empty cells of GeoPackage/Shapefile rows), a whole float
    such as 12.0 as 12."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class UpsertResult:
    """The outcome of an import that creates or updates rows by their code (households, facilities …)."""

    headers: list
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # {"row", "reason", "values"}

    def as_json(self):
        return {"total": self.total, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "failed": len(self.errors), "errors": [{"row": e["row"], "reason": e["reason"]} for e in self.errors]}


def new_workbook():
    """An empty workbook (no sheet yet: add them with add_sheet)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def add_sheet(wb, title, headers, widths=None, freeze="A2", wrap=False):
    """A sheet with a bold header row, frozen below it; `widths` are column widths from A on, `wrap` wraps the
    header cells."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, width in enumerate(widths or (), 1):
        if width:
            ws.column_dimensions[get_column_letter(i)].width = width
    if freeze:
        ws.freeze_panes = freeze
    return ws


# What a spreadsheet program reads as the start of a formula when the text is typed (or edited) in a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(ws):
    """Every text cell of a sheet written as text: openpyxl writes a string that starts with '=' as a live formula
    (a name like =HYPERLINK(…) or =cmd|… would run when the file is opened); here it stays a string, and those
    starting like a formula get the quote prefix, so editing the cell keeps it text."""
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True


def workbook_bytes(wb):
    """The workbook as xlsx bytes; every export goes through here, so no text cell leaves as a formula."""
    for ws in wb.worksheets:
        as_text(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def errors_workbook(result):
    """The bad rows of an import (`result.headers`, `result.errors`: [{"row", "reason", "values"}]) as an xlsx:
    the original columns plus 原行号 and 错误原因, to fix and upload again."""
    headers, errors = result.headers, result.errors
    wb = new_workbook()
    ws = add_sheet(wb, "错误行", [*headers, "原行号", "错误原因"])
    for e in errors:
        values = [v if not isinstance(v, datetime) or v.tzinfo is None else v.replace(tzinfo=None)
                  for v in e["values"]]
        values += [None] * (len(headers) - len(values))
        ws.append([*values[:len(headers)], e["row"], e["reason"]])
    return workbook_bytes(wb)


def xlsx_response(content, filename):
    """An xlsx download (content: bytes, or a workbook)."""
    if not isinstance(content, bytes | bytearray):
        content = workbook_bytes(content)
    return download(content, XLSX, filename)
