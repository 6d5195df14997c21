"""Pages for patrol plans (巡查路线): a plan on a map with a printable stop list, and monthly coverage."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import DomainError, NotVisible
from layers import maps

from . import maps as plan_maps
from . import services as planning
from . import tracks
from .api import PLANNERS


def patrols(request, pk=None):
    user = request.user
    error = None
    if request.method == "POST":
        try:
            if not (user.is_superuser or user.role in PLANNERS):
                raise NotVisible("您的角色不能制定巡查计划")
            plan = planning.make_plan(
                user, day=request.POST.get("date") or timezone.localdate(), teams=request.POST.get("teams"),
                start=[request.POST.get("lon"), request.POST.get("lat")], hours=request.POST.get("hours") or None,
                balance=request.POST.get("balance") == "1" if "balance_sent" in request.POST else None,
            )
            messages.success(request, f"已生成巡查计划：{plan.date} · {plan.teams} 组")
            return redirect("planning:patrol-detail", plan.pk)
        except DomainError as exc:
            error = exc.detail
            messages.error(request, f"未生成巡查计划：{error}")
    visible = planning.visible_plans(user)
    if pk is not None:
        try:
            plan = planning.visible_plan(user, pk)
        except NotVisible:
            raise Http404("巡查计划不存在或不在您的辖区内") from None
    else:
        plan = visible.first()
    lon, lat = plan_maps.default_start(user)
    context = {"recent": visible[:20], "plan": plan, "error": error, "today": timezone.localdate(),
               "start_lon": round(lon, 6), "start_lat": round(lat, 6), "can_plan": user.is_superuser
               or user.role in PLANNERS}
    if plan:
        context["map"], context["data"] = plan_maps.plan_map(user, plan)
    else:
        context["map"] = plan_maps.area_map(user)
    return render(request, "planning/patrols.html", context)


def coverage(request):
    try:
        first, rows = tracks.coverage(request.user, request.GET.get("month") or timezone.localdate().strftime("%Y-%m"))
    except DomainError as exc:
        raise Http404(exc.detail) from None
    m, not_visited = plan_maps.coverage_map(request.user, first, rows)
    return render(request, "planning/coverage.html", {"map": maps.map_parts(m), "month": first,
                                                    "not_visited": not_visited, "total": len(rows)})
