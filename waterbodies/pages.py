"""The list page (/water-bodies/): the area's black-odorous list with counts per status, filters, the xlsx, and —
for town and district staff — a status change per water body through the same service as the API."""
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse

from core import once
from core.errors import BadInput, DomainError
from geo import scope
from geo.models import Town

from . import listing, services
from .models import Kind, Status

SHOWN = 500


def water_list(request):
    failed = None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, request.get_full_path(), "这一变更已经提交过，未重复执行")
        raw = request.POST.get("water_body", "")
        pk = int(raw) if raw.isdigit() else None
        try:
            if pk is None:
                raise BadInput("未指定水体", field="water_body")
            change = services.change_status(request.user, pk, request.POST.get("status", ""),
                                            request.POST.get("note", ""))
            messages.success(request, f"已将“{change.water_body.name}”改为{Status(change.to_status).label}")
            return redirect(request.get_full_path())
        except DomainError as exc:
            messages.error(request, f"变更未完成：{exc.detail}")
            failed = {"pk": pk, "field": exc.field, "detail": exc.detail, "values": request.POST}
    error = None
    try:
        qs = listing.filtered(request.user, request.GET)
    except DomainError as exc:
        error, qs = exc, listing.filtered(request.user, {})
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    rows = list(listing.rows(qs)[:SHOWN])
    may_change = services.may(request.user, "status")
    for r in rows:
        r.next_statuses = [(s.value, s.label) for s in Status if s in services.TRANSITIONS[Status(r.status)]]
        r.failed = failed if failed and failed["pk"] == r.pk else None
    query = request.GET.urlencode()
    return render(request, "waterbodies/list.html", {
        "distance": f"{settings.PATROL['DUPLICATE_DISTANCE_M']:g}",
        "rows": rows, "total": total, "shown": SHOWN, "may_change": may_change, "error": error,
        "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in Status], "statuses": Status.choices,
        "kinds": Kind.choices, "query": request.GET,
        "towns": Town.objects.filter(scope.areas_q(scope.of(request.user), "town")).order_by("code"),
        "xlsx": reverse("waterbodies:list") + "?" + (query + "&" if query else "") + "export=xlsx",
    }, status=400 if failed or error else 200)
