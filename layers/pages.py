"""Map pages (Chinese): the battle map (挂图作战) and the rebound heatmap with hot spots.

Pages only assemble layers from layers.maps; the map never embeds individual problems (pins come from the
bbox-filtered list API for the visible area), so its weight does not grow with their number.
"""
from datetime import UTC, datetime
from urllib.parse import urlencode

import numpy as np
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.errors import BadInput, Forbidden
from core.months import last_months, parse_month
from geo import scope
from patrol.models import Category, Source, Status

from . import emerging, hotspots, maps, queries, signals, tiletoken

FILTER_KEYS = ("town", "category", "source", "status")
# Above this many villages the overview shows towns (a superuser over many districts).
MAX_VILLAGES_DRAWN = 800


def _filter_query(get):
    """The page's problem filters as a QueryDict (also the query string the browser layers use)."""
    q = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        for value in get.getlist(key):
            if value:
                q.appendlist(key, value)
    return q


def _icons():
    return dict(Category.objects.values_list("code", "icon"))


def _names():
    return dict(Category.objects.values_list("code", "name"))


def battle_map(request):
    user = request.user
    this_month = f"{timezone.localdate():%Y-%m}"
    month = request.GET.get("month") or this_month
    query = _filter_query(request.GET)
    error = None
    try:
        parse_month(month)
        counts = queries.light_counts(queries.filtered_issues(user, query))
    except BadInput as exc:
        error, month, query = exc.detail, this_month, QueryDict(mutable=True)
        counts = queries.light_counts(queries.filtered_issues(user, query))
    villages = queries.scope_areas(user, queries.Village)
    level = "village" if villages.count() <= MAX_VILLAGES_DRAWN else "town"
    bounds = queries.scope_bounds(user)
    # About a pixel of the opening view: a district keeps ~100 m detail, many districts get coarser outlines.
    simplify = max(queries.PAGE_SIMPLIFY_DEG, (bounds[2] - bounds[0]) / 700)
    areas = queries.area_lights(user, month, level, query, simplify=simplify, precision=queries.PAGE_PRECISION)
    issue_list = reverse("patrol:issue-list")
    for f in areas["features"]:
        p = f["properties"]
        p["light_label"] = maps.LIGHT_LABELS[p["light"]]
        p["detail"] = f'<a href="{issue_list}?{level}={p["code"]}">问题清单</a>'
    month_totals = {k: sum(1 for f in areas["features"] if f["properties"]["light"] == k) for k in queries.LIGHTS}

    m = maps.new_map(bounds=bounds, user=user)
    level_name = "行政村" if level == "village" else "街镇"
    fields = ("name", "light_label", "red", "yellow", "green")
    aliases = (level_name, f"{month} 月末亮灯", "红灯问题", "黄灯问题", "绿灯问题")
    if level == "village":
        # Drawn first, so that a click inside a village reaches the village (the choropleth above it).
        towns = queries.area_features(queries.scope_areas(user, queries.Town), simplify, queries.PAGE_PRECISION)
        maps.add_boundaries(m, _fc(towns), "街镇界", color="#1f4e79", weight=2.5)
    lights = maps.add_choropleth(m, areas, "light", maps.LIGHT_COLORS, f"{level_name}亮灯（{month}）",
                                 fields=fields, aliases=aliases, popup_fields=(*fields, "detail"),
                                 popup_aliases=(*aliases, "详情"))
    params = query.urlencode()
    maps.add_live_pins(m, reverse("patrol:issues"), params, icons=_icons(), names=_names())
    maps.area_light_legend(m, f"视图内{level_name}亮灯（{month} 月末）", level_name, month_totals)
    maps.add_live_area_counts(m, lights)
    maps.pin_legend(m, Category.objects.values_list("code", "name", "icon"), counts)
    maps.add_live_counts(m, reverse("layers:issue-counts"), params)
    signals.battle_map_drawn.send(battle_map, m=m, request=request)  # layers of higher apps (facilities …)
    return render(request, "layers/battle_map.html", {
        "map": maps.map_parts(m), "month": month, "level_name": level_name, "month_totals": month_totals,
        "counts": counts, "error": error, "params": query, "towns": queries.scope_areas(user, queries.Town),
        "categories": Category.objects.all(), "sources": Source.choices, "statuses": Status.choices,
        "selected_sources": query.getlist("source"), "selected_statuses": query.getlist("status"),
        "layer_switch": _layer_switch(request, month), "vector_tiles": _vector_tiles(request, query),
    })


def _vector_tiles(request, query):
    """The problem tiles' URL for GIS software (QGIS, OpenLayers): a short-lived token and the page's filters."""
    token, expires = tiletoken.issue(request.user)
    url = request.build_absolute_uri(tiletoken.url_template(token)).replace("%7B", "{").replace("%7D", "}")
    extra = query.urlencode()
    return {"url": f"{url}&{extra}" if extra else url,
            "expires": timezone.localtime(datetime.fromtimestamp(expires, tz=UTC))}


def _layer_switch(request, month):
    """Other apps' light pages (task lights …), answered to signals.battle_map_switch: (label, url) pairs."""
    answers = (answer for _, answer in signals.battle_map_switch.send(battle_map, request=request) if answer)
    return [(label, f"{reverse(url_name)}?{urlencode({'month': month})}") for label, url_name in answers]


def _fc(rows):
    import json

    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(g), "properties": {"code": c, "name": n}} for c, n, g in rows]}


def heatmap(request):
    user = request.user
    if scope.of(user) is None:
        raise Forbidden("您的账号没有辖区，不能查看热力图和热点")
    this_month = f"{timezone.localdate():%Y-%m}"
    kind = request.GET.get("kind", "rebound")
    category = request.GET.get("category", "")
    month = request.GET.get("month") or this_month
    error = None
    try:
        parse_month(month)
        if kind not in ("all", "rebound"):
            raise BadInput("kind 应为 all 或 rebound", field="kind")
        cell_m = int(request.GET.get("cell_m", 500))
        if not 100 <= cell_m <= 20_000:
            raise BadInput("网格大小应在 100 与 20000 米之间", field="cell_m")
    except (BadInput, ValueError) as exc:
        error = getattr(exc, "detail", str(exc))
        kind, month, cell_m, category = "rebound", this_month, 500, ""
    months = [f"{m:%Y-%m}" for m in last_months(month)]
    base = {"kind": kind, **({"category": category} if category else {})}
    window = queries.kind_params({**base, "from": months[0], "to": months[-1]})
    qs = queries.filtered_issues(user, window)
    area = user.area_code or None
    cells, counts, z, p, classes = hotspots.hotspots(qs, area, cell_m)
    e_cells, _, _, _, _, _, _, categories = emerging.emerging(
        queries.filtered_issues(user, queries.kind_params(base)), area, parse_month(month), 12, cell_m)
    by_cell = dict(zip(zip(e_cells.q.tolist(), e_cells.r.tolist(), strict=True), categories.tolist(), strict=True))
    cell_emerging = np.array([by_cell.get(k, "none") for k in zip(cells.q.tolist(), cells.r.tolist(), strict=True)],
                             dtype=object)
    # Only cells that say something are drawn: the page stays small over large areas.
    keep = (classes != "not_significant") | (cell_emerging != "none")
    shown = hotspots.Cells(cells.grid, cells.q[keep], cells.r[keep])
    fc = hotspots.feature_collection(shown, {"count": counts[keep], "gi_z": z[keep].round(3),
                                             "class": classes[keep], "emerging": cell_emerging[keep]})
    class_counts = {k: int((classes == k).sum()) for k in hotspots.CLASSES}
    emerging_counts = {k: int((categories == k).sum()) for k in emerging.CATEGORIES if (categories == k).any()}

    m = maps.new_map(bounds=queries.scope_bounds(user), user=user)
    month_points = queries.heat_points(queries.filtered_issues(
        user, queries.kind_params({**base, "from": month, "to": month})))
    heat = maps.add_heatmap(m, month_points, name="热力图（当月）",
                            max=max([pt[2] for pt in month_points], default=1))
    maps.add_hotspot_cells(m, fc, name=f"热点网格（{months[0]}至{months[-1]}，{cell_m}米）")
    towns = queries.area_features(queries.scope_areas(user, queries.Town), queries.PAGE_SIMPLIFY_DEG,
                                  queries.PAGE_PRECISION)
    maps.add_boundaries(m, _fc(towns), "街镇界", color="#1f4e79", weight=2)
    maps.hotspot_legend(m, class_counts)
    maps.add_heat_slider(m, heat, reverse("layers:heatmap-api"), months, months.index(month), urlencode(base))
    return render(request, "layers/heatmap.html", {
        "map": maps.map_parts(m), "kind": kind, "category": category, "month": month, "months": months,
        "cell_m": cell_m, "categories": Category.objects.all(), "error": error, "class_counts": class_counts,
        "class_labels": maps.HOTSPOT_LABELS, "emerging_counts": [
            (maps.EMERGING_LABELS[k], k, n) for k, n in emerging_counts.items() if k != "none"],
        "total": int(counts.sum()),
    })
