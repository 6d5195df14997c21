"""The work ledger (工作台账): one row per problem, one sheet per village, as an xlsx workbook (openpyxl).

With a month, every problem reported by the month's end is listed as it stood then (status, deadline and
closing rebuilt from the history, photos uploaded by then), so a past month's ledger reads the same later.
Without one, problems are listed as they are now.
"""
import re
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.months import month_end
from core.spreadsheets import add_sheet, new_workbook, workbook_bytes
from geo import scope
from geo.models import Grid, Town, Village
from patrol.geojson import X, Y
from patrol.history import states_at_month_end
from patrol.models import Category, Issue, Photo, Source, Status

HEADERS = ["编号", "类别", "经度", "纬度", "街镇", "行政村", "网格", "来源", "上报时间", "整改期限", "状态", "销号时间",
           "用时（天）", "反弹自", "照片链接"]
WIDTHS = [8, 12, 12, 12, 12, 12, 14, 14, 17, 12, 9, 17, 10, 8, 60]
STATUS = dict(Status.choices)
SOURCE = dict(Source.choices)


def _naive(dt):
    return timezone.localtime(dt).replace(tzinfo=None, microsecond=0) if dt else None


def ledger_rows(user, village=None, town=None, month=None, base_url="/"):
    """{village_code: [row values in HEADERS order]} for the problems of a village or town visible to the user."""
    area = village or town
    qs = Issue.objects.for_user(user).filter(**({"village_id": village} if village else {"town_id": town}))
    moment = None
    if month:
        moment, _ = month_end(month)
        qs = qs.filter(reported_at__lte=moment)
    base = qs.annotate(lon=X("location"), lat=Y("location")).values_list(
        "id", "category_id", "lon", "lat", "town_id", "village_id", "grid_id", "source", "reported_at", "deadline",
        "status", "closed_at", "rebound_of_id").order_by("village_id", "reported_at", "id")
    rows = list(base)
    if month:
        states = {s.id: s for s in states_at_month_end(month, area)}
        rows = [(*r[:9], states[r[0]].deadline, states[r[0]].status, states[r[0]].closed_at, r[12])
                for r in rows if r[0] in states]
    ids = [r[0] for r in rows]
    photos = defaultdict(list)
    photo_qs = Photo.objects.filter(issue_id__in=ids).order_by("issue_id", "uploaded_at", "id")
    if moment:
        # a photo counts from its upload, or from the submission it went with when that is recorded earlier
        photo_qs = photo_qs.filter(Q(uploaded_at__lte=moment) | Q(submitted_with__at__lte=moment))
    root = base_url.rstrip("/")
    for issue_id, pk in photo_qs.values_list("issue_id", "pk"):
        photos[issue_id].append(root + reverse("patrol:photo-image", args=[pk]))
    categories = dict(Category.objects.values_list("code", "name"))
    town_code = scope.town_of(area)
    towns = dict(Town.objects.filter(code=town_code).values_list("code", "name"))
    villages = dict(Village.objects.filter(scope.code_q(town_code)).values_list("code", "name"))
    grids = dict(Grid.objects.filter(scope.code_q(town_code)).values_list("code", "name"))
    out = defaultdict(list)
    for (pk, cat, lon, lat, town_id, village_id, grid_id, source, reported, deadline, status, closed,
         rebound) in rows:
        days = round((closed - reported).total_seconds() / 86400, 1) if closed else None
        out[village_id].append([
            pk, categories.get(cat, cat), round(lon, 6), round(lat, 6), towns.get(town_id, town_id),
            villages.get(village_id, village_id), grids.get(grid_id, "") if grid_id else "", SOURCE.get(source, source),
            _naive(reported), deadline, STATUS.get(status, status), _naive(closed), days, rebound,
            "\n".join(photos.get(pk, [])),
        ])
    return out


def _sheet_title(name, code, used):
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or code
    if title in used:
        title = f"{title[:31 - len(code) - 1]}_{code}"
    used.add(title)
    return title


def _write_sheet(wb, title, rows):
    from openpyxl.styles import Alignment, PatternFill

    ws = add_sheet(wb, title, HEADERS, widths=WIDTHS)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    for values in rows:
        ws.append(values)
    n = len(rows) + 1
    for col, fmt in (("I", "yyyy-mm-dd hh:mm"), ("J", "yyyy-mm-dd"), ("L", "yyyy-mm-dd hh:mm")):
        for cell in ws[f"{col}2:{col}{n}"]:
            cell[0].number_format = fmt
    for cell in ws[f"O2:O{n}"]:
        if cell[0].value:
            cell[0].alignment = Alignment(wrap_text=True, vertical="top")
            cell[0].hyperlink = cell[0].value.split("\n")[0]
    ws.auto_filter.ref = f"A1:{ws.cell(1, len(HEADERS)).column_letter}{n}"


RESULT_HEADERS = ["行政村代码", "行政村", "月份", "考核方案", "得分", "名次", "排名范围", "亮灯", "红黑榜", "标记"]


def _write_results(wb, area, month):
    """The month's result of the ledger's villages (results.month: the same score, rank and flags as every page)."""
    from . import results

    result = results.month(area, month)
    lights = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
    lists = {"red": "红榜", "black": "黑榜", "": ""}
    ws = add_sheet(wb, "月度考核", RESULT_HEADERS, widths=[15, 12, 12, 14, 8, 6, 8, 6, 6, 60], wrap=True)
    for r in sorted(result.rows, key=lambda r: r["code"]):
        ws.append([r["code"], r["name"], result.label, r["scheme"], r["score"] if r["scored"] else r["score_text"],
                   r["rank"], "镇内" if r["rank_scope"] == "town" else "全区", lights[r["light"]], lists[r["list"]],
                   "；".join(f["label"] for f in r["flags"])])


def build_ledger(user, village=None, town=None, month=None, base_url="/"):
    """(xlsx bytes, file name): one sheet per village (for a town, every village of it, also those without
    problems)."""
    by_village = ledger_rows(user, village=village, town=town, month=month, base_url=base_url)
    villages = Village.objects.filter(code=village) if village else Village.objects.filter(town_id=town)
    wb = new_workbook()
    used = set()
    for v in villages.order_by("code"):
        _write_sheet(wb, _sheet_title(v.name, v.code, used), by_village.get(v.code, []))
    if not wb.sheetnames:
        _write_sheet(wb, "台账", [])
    if month:
        _write_results(wb, village or town, month)
    label = (Village.objects.filter(code=village).values_list("name", flat=True).first() if village
             else Town.objects.filter(code=town).values_list("name", flat=True).first()) or (village or town)
    name = f"工作台账-{label}{('-' + format(month, '%Y-%m')) if month else ''}.xlsx"
    return workbook_bytes(wb), name
