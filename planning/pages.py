"""Pages for patrol plans (巡查路线): a plan on a map with a printable stop list, and monthly coverage."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import inputs, once
from core.errors import BadInput, DomainError, NotVisible
from layers import maps

from . import maps as plan_maps
from . import services as planning
from . import tracks
from .api import PLANNERS


def patrols(request, pk=None):
    user = request.user
    failed = None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, "planning:patrols", "这一巡查计划已经提交过，未重复生成")
        try:
            if not (user.is_superuser or user.role in PLANNERS):
                raise NotVisible("您的角色不能制定巡查计划")
            town = request.POST.get("start_town", "")
            start = (planning.start_of_town(user, town) if town
                     else [request.POST.get("lon"), request.POST.get("lat")])
            plan = planning.make_plan(
                user, day=request.POST.get("date") or timezone.localdate(), teams=request.POST.get("teams"),
                start=start, hours=request.POST.get("hours") or None,
                balance=request.POST.get("balance") == "1" if "balance_sent" in request.POST else None,
            )
            messages.success(request, f"已生成巡查计划：{plan.date} · {plan.teams} 组")
            return redirect("planning:patrol-detail", plan.pk)
        except DomainError as exc:
            failed = {"form": "plan", "field": exc.field, "detail": exc.detail, "values": request.POST}
            messages.error(request, f"未生成巡查计划：{exc.detail}")
    return _patrols_page(request, pk, failed)


def upload_track(request):
    """上传轨迹 (GPX) on the patrol page: the same service as POST /api/patrols/tracks/; then the month's coverage."""
    if request.method != "POST":
        return redirect("planning:patrols")
    if not once.first_submit(request):
        return once.repeated(request, "planning:coverage-page", "这一轨迹已经上传过，未重复上传")
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise BadInput("请选择 GPX 轨迹文件", field="file")
        limit = planning.conf("GPX_MAX_BYTES")
        if upload.size > limit:
            raise BadInput(f"GPX 文件过大（上限 {limit // (1024 * 1024)} MB）", field="file")
        plan_id = request.POST.get("plan") or None
        if plan_id is not None:
            plan_id = int(inputs.number(plan_id, "plan", 1, 2**31 - 1, integer=True))
        track, summary = tracks.upload_track(request.user, upload.read(), plan_id)
    except DomainError as exc:
        messages.error(request, f"轨迹未上传：{exc.detail}")
        failed = {"form": "track", "field": exc.field or "file", "detail": exc.detail, "values": request.POST}
        return _patrols_page(request, None, failed)
    messages.success(request, f"已上传轨迹：{track.day:%Y-%m-%d}，途经 {len(summary['villages'])} 个行政村，"
                              f"里程 {summary['distance_m'] / 1000:.1f} 公里")
    return redirect(reverse("planning:coverage-page") + f"?month={track.day:%Y-%m}")


def _patrols_page(request, pk, failed):
    user = request.user
    visible = planning.visible_plans(user)
    if pk is not None:
        try:
            plan = planning.visible_plan(user, pk)
        except NotVisible:
            raise Http404("巡查计划不存在或不在您的辖区内") from None
    else:
        plan = visible.first()
    lon, lat = plan_maps.default_start(user)
    places = planning.start_places(user)
    values = failed["values"] if failed else {}
    chosen = values.get("start_town", places[0]["code"] if places and not failed else "")
    context = {"recent": visible[:20], "plan": plan, "failed": failed, "today": timezone.localdate(),
               "start_lon": values.get("lon", round(lon, 6)), "start_lat": values.get("lat", round(lat, 6)),
               "places": places, "chosen_town": chosen,
               "plan_fields": ["date", "teams", "hours", "start_town", "start"],
               "can_plan": user.is_superuser or user.role in PLANNERS}
    if plan:
        context["map"], context["data"] = plan_maps.plan_map(user, plan)
    else:
        context["map"] = plan_maps.area_map(user)
    return render(request, "planning/patrols.html", context, status=400 if failed else 200)


def coverage(request):
    try:
        first, rows = tracks.coverage(request.user, request.GET.get("month") or timezone.localdate().strftime("%Y-%m"))
    except DomainError as exc:
        raise Http404(exc.detail) from None
    m, not_visited = plan_maps.coverage_map(request.user, first, rows)
    return render(request, "planning/coverage.html", {"map": maps.map_parts(m), "month": first,
                                                    "not_visited": not_visited, "total": len(rows)})
