"""Pages: the monthly ranking (/assessment/), the village dossier (一村一档) and the printable monthly report."""
import functools
import json
from datetime import date

from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from geo import scope
from geo.models import Grid, Town, Village
from layers import maps
from patrol.errors import BadInput, DomainError, NotVisible
from patrol.geojson import feature, feature_rows
from patrol.history import parse_month
from patrol.models import Category, Issue, IssueEvent, Photo, Source, Status

from . import monthly as assessment
from .api import checked_town, checked_village, user_area


def page_errors(view):
    """Domain errors on a page: 404 for what the user may not see, 400 for bad input."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotVisible as exc:
            raise Http404(exc.detail) from None
        except (BadInput, DomainError) as exc:
            return HttpResponseBadRequest(exc.detail, content_type="text/plain; charset=utf-8")

    return wrapped


def area_geojson(queryset, props=None, tolerance=0.00005):
    """Areas as a FeatureCollection (boundaries lightly simplified for the browser)."""
    props = props or {}
    features = []
    for area in queryset:
        geom = area.boundary.simplify(tolerance, preserve_topology=True)
        features.append({"type": "Feature", "geometry": json.loads(geom.geojson),
                         "properties": {"code": area.code, "name": area.name, **props.get(area.code, {})}})
    return {"type": "FeatureCollection", "features": features}


def _month(request):
    value = request.GET.get("month")
    return parse_month(value) if value else assessment.last_complete_month()


def _bounds(geoms):
    boxes = [g.extent for g in geoms if g is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _pct(value):
    return "—" if value is None else f"{value:.0%}"


@page_errors
def assessment_page(request):
    month = _month(request)
    area = user_area(request.user)
    town = checked_town(request.user, request.GET.get("town"))
    result = assessment.assess(month, area or None, town)
    codes = [r["code"] for r in result.rows]
    props = {r["code"]: {"score": r["score"], "rank": r["rank"], "town_name": r["town_name"]} for r in result.rows}
    villages = Village.objects.filter(code__in=codes)
    geojson = area_geojson(villages, props)
    m = maps.new_map(bounds=_bounds([v.boundary for v in villages]))
    maps.add_choropleth(m, geojson, "score", maps.score_color, "月度得分",
                        fields=("name", "town_name", "score", "rank"), aliases=("行政村", "街镇", "得分", "名次"),
                        opacity=0.7)
    maps.score_legend(m)
    towns = Town.objects.filter(scope.areas_q(area, "town")).order_by("code")
    for r in result.rows:
        mt = r["metrics"]
        r["fmt"] = {k: _pct(mt[k]) for k in ("closure_rate", "on_time_rate", "rework_rate", "rebound_rate")}
    return render(request, "assessment/assessment.html", {
        "month": month, "month_value": f"{month:%Y-%m}", "in_progress": month >= timezone.localdate().replace(day=1),
        "result": result, "towns": towns, "town": town, "map": maps.map_parts(m, layer_control=False),
        "definitions": assessment.METRIC_DEFINITIONS, "formula": assessment.formula_lines(),
        "tie_rules": assessment.tie_rules(), "list_scope": "街镇内" if result.list_scope == "town" else "全区",
    })


@page_errors
def village_dossier(request, code):
    village = checked_village(request.user, code)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = 0
    if not 2000 <= year <= today.year:
        raise BadInput("年份无效", field="year")
    last = 12 if year < today.year else today.month
    months = [date(year, i, 1) for i in range(1, last + 1)]
    series = assessment.village_series(village.code, months)

    issues_qs = Issue.objects.filter(village=village)
    features = [feature(r) for r in feature_rows(issues_qs, today)]
    lights = {k: sum(1 for f in features if f["properties"]["light"] == k) for k in ("red", "yellow", "green")}
    grids = Grid.objects.filter(village=village)
    m = maps.new_map(bounds=village.boundary.extent)
    maps.add_boundaries(m, area_geojson([village]), "行政村边界", color="#1f4e79", weight=2.5)
    maps.add_boundaries(m, area_geojson(grids), "网格", color="#7a7a7a", weight=1)
    icons = dict(Category.objects.values_list("code", "icon"))
    maps.add_issue_pins(m, features, icons=icons, cluster=len(features) > 200)
    maps.light_legend(m, lights, title="问题亮灯（当前）")

    issues = (issues_qs.with_light(today).select_related("category", "grid")
              .prefetch_related(Prefetch("events", IssueEvent.objects.select_related("actor").order_by("at", "id")),
                                Prefetch("photos", Photo.objects.order_by("uploaded_at", "id")))
              .order_by("-reported_at", "-id")[:300])
    return render(request, "assessment/village_dossier.html", {
        "village": village, "year": year, "series": series, "issues": issues, "issue_count": len(features),
        "lights": lights, "map": maps.map_parts(m), "targets": assessment.target_progress([village.code], today),
        "statuses": dict(Status.choices), "sources": dict(Source.choices),
    })


@page_errors
def monthly_report(request, month):
    from .report_pdf import monthly_report_pdf

    month = parse_month(month)
    town = checked_town(request.user, request.GET.get("town"))
    content = monthly_report_pdf(month, user_area(request.user) or None, town)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{month:%Y-%m}{("-" + town) if town else ""}.pdf"'
    return response
