"""问题厕所整改台账: every toilet in `problem` status per village — its kind (004 (十三) "不能用、不好用、不能常年用";
待认定 until known), why, since when, what was done — as xlsx."""
from django.utils import timezone

from core.spreadsheets import add_sheet, new_workbook, workbook_bytes

from .models import Facility, FacilityStatus, Need, OrderState, ProblemKind, WorkOrder

HEADERS = ["序号", "街镇", "行政村", "设施编码", "类型", "名称/农户", "服务运营公司", "问题类型", "问题原因",
           "问题起始时间", "工单（需求 · 接报 · 状态 · 期限）", "已做整改", "关联问题编号", "整改状态"]


def problem_toilets(user, village=None):
    qs = (Facility.objects.for_user(user).filter(kind__is_toilet=True, status=FacilityStatus.PROBLEM)
          .select_related("kind", "village", "town", "operator").order_by("town_id", "village_id", "code"))
    if village:
        qs = qs.filter(village_id=village)
    return qs


def ledger_workbook(user, village=None):
    facilities = list(problem_toilets(user, village))
    orders = {}
    for o in (WorkOrder.objects.filter(facility__in=[f.pk for f in facilities])
              .order_by("reported_at", "id").only("facility_id", "need", "state", "reported_at", "deadline",
                                                   "done_at", "done_note", "issue_id")):
        orders.setdefault(o.facility_id, []).append(o)
    from openpyxl.styles import Alignment

    wb = new_workbook()
    ws = add_sheet(wb, "问题厕所整改台账", HEADERS, widths=(6, 12, 12, 16, 10, 16, 18, 12, 30, 14, 40, 30, 12, 12))
    local = timezone.localtime
    for n, f in enumerate(facilities, 1):
        mine = [o for o in orders.get(f.pk, []) if not f.status_since or o.reported_at >= f.status_since
                or o.state != OrderState.DONE]
        listed = "\n".join(f"{Need(o.need).label} · {local(o.reported_at):%Y-%m-%d %H:%M} · "
                           f"{OrderState(o.state).label} · {local(o.deadline):%m-%d %H:%M}" for o in mine)
        done = "\n".join(f"{local(o.done_at):%Y-%m-%d} {o.done_note or Need(o.need).label}"
                         for o in mine if o.state == OrderState.DONE)
        # the inspector's problem that put it on the list first, then the scans' problems
        linked = [f.problem_issue_id] if f.problem_issue_id else []
        scanned = [o.issue_id for o in mine if o.issue_id and o.issue_id not in linked]
        issues = ", ".join(str(i) for i in [*linked, *scanned])
        status = ("已整改待销号" if mine and all(o.state == OrderState.DONE for o in mine) and not linked
                  else "整改中")
        ws.append([n, f.town.name, f.village.name, f.code, f.kind.name, f.name or f.household,
                   f.operator.name if f.operator else "",
                   ProblemKind(f.problem_kind).label if f.problem_kind else "待认定", f.status_reason,
                   local(f.status_since).strftime("%Y-%m-%d") if f.status_since else "", listed, done, issues,
                   status])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(wb)
