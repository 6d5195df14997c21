"""Pages (Chinese): campaigns (map of villages by quota progress, table), the task lights map (挂图作战)."""
import json

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.errors import BadInput, DomainError
from core.months import parse_month
from core.pdf import pdf_response
from geo import scope
from geo.models import Town, Village
from layers import maps, queries

from . import report, services
from .models import Task


def _fc(rows, props):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(g), "properties": {"code": c, "name": n, **props.get(c, {})}}
        for c, n, g in rows]}


def campaign_list(request):
    campaigns = services.visible_campaigns(request.user)
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns})


def campaign_page(request, pk):
    campaign = services.visible_campaign(request.user, pk)
    area = scope.of(request.user)
    error = None
    try:
        week = request.GET.get("week")
        monday = services.parse_week(week) if week else services.default_week(campaign)
        data = services.week_progress(campaign, monday, area)
    except BadInput as exc:
        error = exc.detail
        monday = services.default_week(campaign)
        data = services.week_progress(campaign, monday, area)
    results = services.acceptance_results(campaign, area)
    props = {}
    for v in data["villages"]:
        v["acceptance"] = results.get(v["code"])
        light = services.village_light(v["quotas"]) if data["work_days"] else "none"
        props[v["code"]] = {"light": light, "light_label": maps.LIGHT_LABELS.get(light, "本周不设指标"),
                            "progress": "；".join(f'{q["name"]} {q["done"]}/{q["target"]}' for q in v["quotas"])}
    rows = queries.area_features(services.campaign_villages(campaign, area), queries.PAGE_SIMPLIFY_DEG,
                                 queries.PAGE_PRECISION)
    # The map opens on the campaign's villages (where the work is), not on the whole area.
    m = maps.new_map(bounds=maps.geojson_bounds(_fc(rows, props)) or queries.scope_bounds(request.user),
                     user=request.user)
    layer = maps.add_choropleth(m, _fc(rows, props), "light", maps.LIGHT_COLORS, f"指标完成（{data['week']}）",
                                fields=("name", "light_label", "progress"), aliases=("行政村", "亮灯", "完成/目标"))
    maps.legend_section(m, f"视图内行政村每周指标（{data['week']}）", [
        {"color": maps.LIGHT_COLORS[k], "label": label, "key": f"area-{k}",
         "count": sum(1 for p in props.values() if p["light"] == k)}
        for k, label in (("red", "红灯（完成不到目标一半）"), ("yellow", "黄灯（完成过半未达标）"),
                         ("green", "绿灯（达到目标）"))], key="areas", unit="个村")
    maps.add_live_area_counts(m, layer)
    weeks = []
    day = services.week_monday(campaign.start)
    while day <= campaign.end:
        weeks.append(f"{day:%G-W%V}")
        day += timezone.timedelta(days=7)
    phase = services.phase_on(campaign, timezone.localdate())
    return render(request, "campaigns/campaign_page.html", {
        "map": maps.map_parts(m), "campaign": campaign, "data": data, "weeks": weeks, "error": error,
        "quota_names": [q.name for q in services.quotas_for_week(campaign, monday)],
        "phase": phase,
        "villages": Village.objects.filter(code__in=[v["code"] for v in data["villages"]]).order_by("code"),
        "accepting": phase is not None and phase.kind == "acceptance",
        "ranking": services.campaign_ranking(campaign, area),
    })


def campaign_report(request, pk):
    campaign = services.visible_campaign(request.user, pk)
    pdf = report.campaign_report_pdf(campaign, scope.of(request.user))
    return pdf_response(pdf, f"campaign-{campaign.pk}.pdf")


def task_map(request):
    """挂图作战 of tasks: towns coloured by their worst task light at a month's end, a task × area table."""
    user = request.user
    today = timezone.localdate()
    month = request.GET.get("month") or f"{today:%Y-%m}"
    level = request.GET.get("level") or "town"
    error = None
    try:
        rows = services.task_lights(user, month, level)
    except DomainError as exc:
        error, month, level = exc.detail, f"{today:%Y-%m}", "town"
        rows = services.task_lights(user, month, level)
    first = parse_month(month)
    town_rows = rows if level == "town" else services.task_lights(user, month, "town")
    worst = {}
    for r in town_rows:
        worst.setdefault(r.area, []).append(r.light)
    props = {code: {"light": services.worst(ls), "light_label": maps.LIGHT_LABELS[services.worst(ls)],
                    "tasks": len(ls)} for code, ls in worst.items()}
    no_task = {"light": None, "light_label": "无任务", "tasks": 0}  # every town has the tooltip's fields
    props = {code: props.get(code, no_task) for code in Town.objects.values_list("code", flat=True)}
    m = maps.new_map(bounds=queries.scope_bounds(user), user=user)
    towns = queries.area_features(queries.scope_areas(user, Town), queries.PAGE_SIMPLIFY_DEG, queries.PAGE_PRECISION)
    layer = maps.add_choropleth(m, _fc(towns, props), "light", maps.LIGHT_COLORS, f"街镇任务亮灯（{month}）",
                                fields=("name", "light_label", "tasks"), aliases=("街镇", "最差亮灯", "任务数"))
    maps.legend_section(m, f"视图内街镇任务亮灯（{month}，取最差一项）", [
        {"color": maps.LIGHT_COLORS[k], "label": maps.LIGHT_LABELS[k], "key": f"area-{k}",
         "count": sum(1 for p in props.values() if p["light"] == k)} for k in ("red", "yellow", "green")],
        key="areas", unit="个街镇")
    maps.add_live_area_counts(m, layer)
    tasks = {t.pk: t for t in Task.objects.filter(year=first.year)}
    names = dict(Town.objects.values_list("code", "name"))
    if level == "village":
        names.update(queries.scope_areas(user, Village).values_list("code", "name"))
    table = [{"task": tasks[r.task], "area": r.area, "area_name": names.get(r.area, r.area), "planned": r.planned,
              "done": r.done, "light": r.light, "light_label": maps.LIGHT_LABELS[r.light]} for r in rows]
    counts = {k: sum(1 for r in rows if r.light == k) for k in ("red", "yellow", "green")}
    return render(request, "campaigns/task_map.html", {
        "map": maps.map_parts(m), "month": month, "level": level, "table": table[:2000], "total": len(table),
        "counts": counts, "error": error, "light_rule": services.task_light_rule(),
        "months": [f"{first.year}-{k:02d}" for k in range(1, 13)],
        "month_index": first.month - 1, "problem_map": reverse("layers:battle-map"),
    })
