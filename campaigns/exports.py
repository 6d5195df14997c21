"""Spreadsheets: a campaign's weekly progress, and the task list with its lights month by month."""
from core.months import parse_month
from core.spreadsheets import add_sheet, new_workbook, workbook_bytes

LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
FILL_COLOURS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}


def _fills():
    from openpyxl.styles import PatternFill

    return {k: PatternFill("solid", fgColor=c) for k, c in FILL_COLOURS.items()}


def progress_workbook(campaign, data):
    wb = new_workbook()
    fills = _fills()
    quotas = [q["name"] for q in (data["villages"][0]["quotas"] if data["villages"] else [])]
    head = ["行政村代码", "行政村"]
    for name in quotas:
        head += [f"{name} 目标", f"{name} 完成", f"{name} 亮灯"]
    ws = add_sheet(wb, data["week"], head)
    for v in data["villages"]:
        row = [v["code"], v["name"]]
        for q in v["quotas"]:
            row += [q["target"], q["done"], LIGHT_LABELS[q["light"]] if q["light"] else "不设指标"]
        ws.append(row)
        for i, q in enumerate(v["quotas"]):
            if q["light"]:
                ws.cell(ws.max_row, 5 + 3 * i).fill = fills[q["light"]]
    info = wb.create_sheet("说明")
    info.append(["专项行动", campaign.name])
    info.append(["周", f"{data['week']}（{data['start']} 至 {data['end']}）"])
    info.append(["指标折算", f"本周在集中攻坚阶段内 {data['work_days']} 天；{data['rule']}"])
    info.append(["规则", "完成数为该周内（且在专项行动期间）复核销号的该指标类别问题数；"
                         "绿灯：完成≥目标；黄灯：完成≥目标的一半；红灯：其余"])
    return workbook_bytes(wb)


def task_workbook(user, month, level, rows):
    """The task list with its lights for every month of the year up to `month` (one column per month)."""
    from geo.models import Town, Village

    from . import services
    from .models import Task

    first = parse_month(month)
    months = [f"{first.year}-{m:02d}" for m in range(1, first.month + 1)]
    by_month = {month: rows}
    for m in months[:-1]:
        by_month[m] = services.task_lights(user, m, level)
    tasks = {t.pk: t for t in Task.objects.filter(year=first.year)}
    names = dict(Town.objects.values_list("code", "name"))
    if level == "village":
        names.update(Village.objects.values_list("code", "name"))
    wb = new_workbook()
    fills = _fills()
    ws = add_sheet(wb, f"{month} 任务亮灯", ["任务", "单位", "责任部门", "责任人", "区域代码", "区域", f"{month} 计划",
                                          f"{month} 完成", *[f"{m} 亮灯" for m in months]])
    lights = {m: {(r.task, r.area): r.light for r in rs} for m, rs in by_month.items()}
    for r in rows:
        t = tasks[r.task]
        ws.append([t.name, t.unit, t.office, t.person, r.area, names.get(r.area, ""), r.planned, r.done,
                   *[LIGHT_LABELS.get(lights[m].get((r.task, r.area)), "") for m in months]])
        for i, m in enumerate(months):
            light = lights[m].get((r.task, r.area))
            if light:
                ws.cell(ws.max_row, 9 + i).fill = fills[light]
    return workbook_bytes(wb)
