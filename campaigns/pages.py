"""Pages (Chinese): campaigns (map of villages by quota progress, table, 验收), the campaign form (new, edit), the
year's tasks (挂图作战 of task lights, the task list, 下达任务, 填报进度 with a confirm step). Every POST calls the
service the API calls and shows its BadInput next to the field it names."""
import json
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import once
from core.errors import BadInput, DomainError, NotVisible
from core.months import parse_month
from core.pdf import pdf_response
from geo import scope
from geo.models import Town, Village
from layers import maps, queries
from patrol.photo_checks import flags_for_review

from . import forms, report, services
from .models import Task, TaskLevel

# Where the photo of a match from this app's flows is shown (patrol.photo_checks.flags_for_review).
MATCH_IMAGES = {"acceptance": lambda pk: reverse("campaigns:acceptance-photo", args=[pk]),
                "task_progress": lambda pk: reverse("campaigns:progress-photo", args=[pk])}


def _reviewed(user, photos, url_name):
    """Evidence photos as a reviewer sees them: each with its address and its trust-check flags (issue 28), in the
    problem page's wording (templates/patrol/_photo_flags.html)."""
    return [{"photo": p, "url": reverse(url_name, args=[p.pk]), "flags": flags_for_review(user, p.flags, MATCH_IMAGES)}
            for p in photos]


def _photo_file(photo):
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


def acceptance_photo(request, pk):
    """An acceptance photo's picture (cleaned, EXIF-free), for people who see its campaign and village."""
    try:
        return _photo_file(services.acceptance_photo(request.user, pk))
    except NotVisible:
        raise Http404("照片不存在或不在您的辖区内") from None


def progress_photo(request, pk):
    """A task progress report's picture, for people whose area holds the report's area."""
    try:
        return _photo_file(services.progress_photo(request.user, pk))
    except NotVisible:
        raise Http404("照片不存在或不在您的辖区内") from None


def _fc(rows, props):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(g), "properties": {"code": c, "name": n, **props.get(c, {})}}
        for c, n, g in rows]}


def campaign_list(request):
    campaigns = services.visible_campaigns(request.user)
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns,
                                                            "may_plan": services.may_plan(request.user)})


def _visible(user, pk):
    try:
        return services.visible_campaign(user, pk)
    except NotVisible:
        raise Http404("专项行动不存在或不在您的辖区内") from None


def campaign_form(request, pk=None):
    """/campaigns/new/ and /campaigns/<id>/edit/: the campaign's form over services.create_campaign and
    services.update_campaign (the API's POST and PATCH)."""
    user = request.user
    if not services.may_plan(user):
        raise PermissionDenied("只有区、街镇工作人员可以创建或修改专项行动")
    campaign = _visible(user, pk) if pk is not None else None
    if campaign is not None and not services.may_edit(user, campaign):
        raise PermissionDenied("专项行动范围超出您的辖区，不能修改")
    started = campaign is not None and services.started(campaign)
    form = forms.CampaignForm(request.POST if request.method == "POST" else None, user=user, campaign=campaign,
                              started=started)
    if request.method == "POST":
        if not once.first_submit(request):
            messages.info(request, "这一表单已经提交过，未重复保存")
            return redirect("campaigns:campaign-page", pk=pk) if pk else redirect("campaigns:campaign-list")
        if form.is_valid():
            try:
                if campaign is None:
                    campaign = services.create_campaign(user, form.service_data())
                    messages.success(request, f"已创建专项行动“{campaign.name}”")
                else:
                    campaign = services.update_campaign(user, campaign.pk, form.service_data())
                    messages.success(request, f"已保存专项行动“{campaign.name}”")
                return redirect("campaigns:campaign-page", pk=campaign.pk)
            except DomainError as exc:
                form.service_error(exc)
        messages.error(request, "未保存：请按提示修改标出的项目")
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign, "started": started},
                  status=400 if request.method == "POST" else 200)


def _accept(request, campaign):
    """One village's 验收 from the page: (village code, None) or (village code, the form with its errors)."""
    code = request.POST.get("village", "")
    form = forms.AcceptanceForm(request.POST, auto_id=f"v{code}-%s")
    if not form.is_valid():
        return code, form
    try:
        row, created = services.record_acceptance(request.user, campaign.pk, code, form.cleaned_data["result"],
                                                  form.cleaned_data["note"], photos=request.FILES.getlist("photos"))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        return code, form
    verb = "已验收" if created else "验收结果未变（未重复记录）"
    messages.success(request, f"{verb} {row.village.name}：{row.get_result_display()}")
    return code, None


def campaign_page(request, pk):
    campaign = _visible(request.user, pk)
    area = scope.of(request.user)
    failed = None
    # 验收 through htmx answers the tables and the message only (the map is not built again); without
    # JavaScript the form posts and the page reloads.
    partial = request.method == "POST" and request.headers.get("HX-Request") == "true"
    if request.method == "POST":
        if not services.may_plan(request.user):
            raise PermissionDenied("只有区、街镇工作人员可以记录考核验收")
        if not once.first_submit(request):
            messages.info(request, "这一验收已经提交过，未重复记录")
            if not partial:
                return redirect(request.get_full_path())
        else:
            code, form = _accept(request, campaign)
            if form is None and not partial:
                return redirect(request.get_full_path())
            if form is not None:
                failed = (code, form)
                messages.error(request, "验收未记录：" + "；".join(e for errs in form.errors.values() for e in errs))
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
        if v["acceptance"] is not None:
            v["acceptance_photos"] = _reviewed(request.user, v["acceptance"].photos.all(), "campaigns:acceptance-photo")
        light = services.village_light(v["quotas"]) if data["work_days"] else "none"
        props[v["code"]] = {"light": light, "light_label": maps.LIGHT_LABELS.get(light, "本周不设指标"),
                            "progress": "；".join(f'{q["name"]} {q["done"]}/{q["target"]}' for q in v["quotas"])}
    m = None if partial else _campaign_map(request, campaign, area, data, props)
    weeks = []
    day = services.week_monday(campaign.start)
    while day <= campaign.end:
        weeks.append(f"{day:%G-W%V}")
        day += timezone.timedelta(days=7)
    phase = services.phase_on(campaign, timezone.localdate())
    accepting = phase is not None and phase.kind == "acceptance" and services.may_plan(request.user)
    if accepting:
        for v in data["villages"]:
            if failed and failed[0] == v["code"]:
                v["form"] = failed[1]
            else:
                v["form"] = forms.AcceptanceForm(auto_id=f"v{v['code']}-%s", initial={"result": "pass"})
    template = "campaigns/_campaign_tables_htmx.html" if partial else "campaigns/campaign_page.html"
    return render(request, template, {
        "map": m and maps.map_parts(m), "campaign": campaign, "data": data, "weeks": weeks, "error": error,
        "quota_names": [q.name for q in services.quotas_for_week(campaign, monday)],
        "phase": phase, "accepting": accepting, "may_edit": services.may_edit(request.user, campaign),
        "ranking": services.campaign_ranking(campaign, area),
        "accepted": [v for v in data["villages"] if v["acceptance"] is not None],
    }, status=400 if failed else 200)


def _campaign_map(request, campaign, area, data, props):
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
    return m


def campaign_report(request, pk):
    campaign = services.visible_campaign(request.user, pk)
    pdf = report.campaign_report_pdf(campaign, scope.of(request.user))
    return pdf_response(pdf, f"campaign-{campaign.pk}.pdf")


def _progress_areas(user, task, names):
    area = scope.of(user)
    return [(t.area, names.get(t.area, t.area)) for t in task.targets.all() if scope.covers(area, t.area)]


def _area_names():
    names = dict(Town.objects.values_list("code", "name"))
    names.update(Village.objects.values_list("code", "name"))
    return names


def task_map(request):
    """/tasks/: 挂图作战 of tasks (towns coloured by their worst task light at a month's end, a task × area
    table) and the year's task list: district and town staff 下达 a task and 填报进度 per task, with a confirm
    step (the first POST shows what would be stored, the second, 确认, stores it)."""
    user = request.user
    task_form, failed = None, None
    if request.method == "POST":
        if not services.may_plan(user):
            raise PermissionDenied("只有区、街镇工作人员可以下达任务和填报进度")
        action = request.POST.get("action")
        if action == "create":
            if not once.first_submit(request):
                return once.repeated(request, request.get_full_path(), "这一任务已经提交过，未重复下达")
            task_form = forms.TaskForm(request.POST, user=user)
            if task_form.is_valid():
                try:
                    task = services.create_task(user, task_form.service_data())
                    messages.success(request, f"已下达年度任务“{task.name}”（{task.year} 年）")
                    return redirect(request.get_full_path())
                except DomainError as exc:
                    task_form.service_error(exc)
            messages.error(request, "任务未下达：请按提示修改标出的项目")
        elif action in ("preview", "store"):
            answer = _progress_step(request, action)
            if not isinstance(answer, tuple):
                return answer
            failed = answer
            messages.error(request, "进度未填报：请按提示修改标出的项目")
        else:
            messages.error(request, "未知的操作")
            return redirect(request.get_full_path())
    context = _task_map_context(request)
    if services.may_plan(user):
        context["task_form"] = task_form or forms.TaskForm(user=user)
        names = _area_names()
        for t in context["tasks"]:
            if t.category_id:
                continue
            if failed and failed[0] == t.pk:
                t.form = failed[1]
            else:
                t.form = forms.ProgressForm(areas=_progress_areas(user, t, names), auto_id=f"task{t.pk}-%s")
    return render(request, "campaigns/task_map.html", context, status=400 if request.method == "POST" else 200)


def _progress_step(request, action):
    """填报进度: 'preview' answers the confirm page, 'store' stores (after 确认); a refused one answers
    (task id, the form with the error next to its field) for the page to show."""
    user = request.user
    try:
        task = services.visible_tasks(user).get(pk=int(request.POST.get("task", "")))
    except (ValueError, Task.DoesNotExist):
        raise Http404("任务不存在或不在您的辖区内") from None
    names = _area_names()
    form = forms.ProgressForm(request.POST, areas=_progress_areas(user, task, names), auto_id=f"task{task.pk}-%s")
    if action == "store" and not once.first_submit(request):
        messages.info(request, "这一进度已经提交过，未重复填报")
        return redirect(request.get_full_path())
    if not form.is_valid():
        return task.pk, form
    d = form.cleaned_data
    try:
        if action == "preview":
            preview = services.preview_progress(user, task.pk, d["area"], d["value"], d["date"])
            return render(request, "campaigns/task_progress_confirm.html", {
                "p": preview, "area_name": names.get(preview.target.area, preview.target.area), "note": d["note"],
                "client_uuid": uuid.uuid4(), "back": request.get_full_path()})
        client_uuid = request.POST.get("client_uuid") or None
        try:
            client_uuid = client_uuid and uuid.UUID(client_uuid)
        except ValueError:
            client_uuid = None
        row, _ = services.add_progress(user, task.pk, d["area"], d["value"], d["date"], note=d["note"], confirm=True,
                                       client_uuid=client_uuid)
    except DomainError as exc:
        form.service_error(exc)
        return task.pk, form
    messages.success(request, f"已填报进度：{task.name} {names.get(row.area, row.area)} {row.value:g}{task.unit}"
                              f"（{row.date:%Y-%m-%d}）")
    return redirect(request.get_full_path())


def _task_map_context(request):
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
    listed = list(services.visible_tasks(user, first.year).select_related("category"))
    done = services.progress_totals(listed)
    area = scope.of(user)
    all_names = _area_names()
    reports = services.progress_reports(user, first.year)
    for r in reports:
        r.area_name = all_names.get(r.area, r.area)
        r.reviewed = _reviewed(user, r.photos.all(), "campaigns:progress-photo")
    for t in listed:
        t.rows = [{"area": all_names.get(x.area, x.area), "target": x.target, "done": done.get((t.pk, x.area), 0)}
                  for x in t.targets.all() if scope.touches(area, x.area)]
    return {
        "map": maps.map_parts(m), "month": month, "level": level, "table": table[:2000], "total": len(table),
        "counts": counts, "error": error, "light_rule": services.task_light_rule(),
        "months": [f"{first.year}-{k:02d}" for k in range(1, 13)],
        "month_index": first.month - 1, "problem_map": reverse("layers:battle-map"), "tasks": listed,
        "year": first.year, "levels": dict(TaskLevel.choices), "reports": reports,
    }
