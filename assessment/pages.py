"""Pages: the monthly ranking (/assessment/), the village dossier (一村一档) and the printable monthly report."""
import functools
from datetime import date

from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from geo import scope
from geo.models import Town
from patrol.errors import BadInput, DomainError, NotVisible
from patrol.geojson import feature, feature_rows
from patrol.history import parse_month
from patrol.models import Issue, IssueEvent, Photo, Source, Status

from . import maps as assessment_maps
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


def _month(request):
    value = request.GET.get("month")
    return parse_month(value) if value else assessment.last_complete_month()


def _pct(value):
    return "—" if value is None else f"{value:.0%}"


@page_errors
def assessment_page(request):
    month = _month(request)
    area = user_area(request.user)
    town = checked_town(request.user, request.GET.get("town"))
    result = assessment.assess(month, area or None, town)
    score_map = assessment_maps.score_map(result.rows)
    towns = Town.objects.filter(scope.areas_q(area, "town")).order_by("code")
    for r in result.rows:
        mt = r["metrics"]
        r["fmt"] = {k: _pct(mt[k]) for k in ("closure_rate", "on_time_rate", "rework_rate", "rebound_rate")}
    return render(request, "assessment/assessment.html", {
        "month": month, "month_value": f"{month:%Y-%m}", "in_progress": month >= timezone.localdate().replace(day=1),
        "result": result, "towns": towns, "town": town, "map": score_map,
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
    village_map = assessment_maps.village_map(village, features, lights)

    issues = (issues_qs.with_light(today).select_related("category", "grid")
              .prefetch_related(Prefetch("events", IssueEvent.objects.select_related("actor").order_by("at", "id")),
                                Prefetch("photos", Photo.objects.order_by("uploaded_at", "id")))
              .order_by("-reported_at", "-id")[:300])
    return render(request, "assessment/village_dossier.html", {
        "village": village, "year": year, "series": series, "issues": issues, "issue_count": len(features),
        "lights": lights, "map": village_map, "targets": assessment.target_progress([village.code], today),
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
