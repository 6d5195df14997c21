"""Server-rendered pages for the problem list and detail (Chinese)."""
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core import inputs, once
from core.errors import BadInput, DomainError, NotVisible
from core.photo_flags import CODES
from geo import scope
from geo.models import Town, Village

from . import services
from .filters import IssueFilter
from .models import Action, Category, Issue, Light, Source, Status
from .photo_checks import flags_for_review
from .signals import issue_page_panels

# Columns the list sorts by (the `sort` parameter; a leading "-" for descending), newest first by default.
SORTS = {"id": "id", "category": "category__sort", "status": "status", "town": "town_id", "village": "village_id",
         "reported": "reported_at", "deadline": "deadline"}
EXPORT_MAX = 50_000


def _list_query(request):
    """The filter parameters of the page as IssueFilter reads them: 上报日期 至 is inclusive on the page."""
    query = request.GET.copy()
    for key in ("page", "export", "sort", "q", "reported_to"):
        query.pop(key, None)
    for key in list(query):  # an empty select ("全部") filters nothing
        values = [v for v in query.getlist(key) if v != ""]
        if values:
            query.setlist(key, values)
        else:
            query.pop(key)
    to = request.GET.get("reported_to", "")
    if to:
        query["reported_before"] = f"{inputs.day(to, 'reported_to') + timedelta(days=1):%Y-%m-%d}"
    return query


def _search(qs, text):
    text = inputs.text(text, "q", 100).strip()
    if not text:
        return qs
    number = text.lstrip("#")
    return qs.filter(pk=int(number)) if number.isdigit() and len(number) < 12 else qs.filter(
        description__icontains=text)


# The places' own geometries, which a list of problems never draws (a district's boundaries are megabytes).
PLACE_GEOMETRIES = ("village__boundary", "grid__boundary", "town__boundary", "town__office")


def issue_list(request):
    """Problems in the user's area with labelled filters, a text search (number or description), sorting by column,
    paging, and 导出 Excel of exactly the filtered rows."""
    base = (Issue.objects.for_user(request.user).select_related("category", "village", "grid", "town")
            .defer(*PLACE_GEOMETRIES))
    errors = None
    try:
        filterset = IssueFilter(_list_query(request), queryset=base.with_light(timezone.localdate()), request=request)
        qs = filterset.qs if filterset.is_valid() else base.none()
        if not filterset.is_valid():
            errors = "；".join(f"{k}：{'；'.join(v)}" for k, v in filterset.errors.items())
        qs = _search(qs, request.GET.get("q", ""))
    except BadInput as exc:
        errors, qs = exc.detail, base.none()
    sort = request.GET.get("sort", "-reported")
    key = SORTS.get(sort.lstrip("-"))
    if key is None:
        sort, key = "-reported", SORTS["reported"]
    qs = qs.order_by(("-" if sort.startswith("-") else "") + key, "-id")
    if request.GET.get("export") == "xlsx" and not errors:
        return _export(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for k in ("page", "export"):
        query.pop(k, None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    area = scope.of(request.user)
    towns = (Town.objects.filter(scope.areas_q(area, "town")).order_by("code").only("code", "name")
             if area is not None else Town.objects.none())
    villages = (Village.objects.filter(scope.areas_q(area, "village")).order_by("code").only("code", "name")
                if area is not None else Village.objects.none())
    return render(request, "patrol/issue_list.html", {
        "page": page, "categories": Category.objects.all(), "statuses": Status.choices, "sources": Source.choices,
        "params": request.GET, "query": query.urlencode(), "sort_query": sort_query.urlencode(), "sort": sort,
        "errors": errors, "towns": towns, "villages": villages[:2000],
        "lights": Light.choices,
        "columns": [("id", "编号"), ("category", "类别"), ("status", "状态"), ("town", "街镇"), ("village", "行政村"),
                    ("reported", "上报时间"), ("deadline", "整改期限")],
    }, status=400 if errors else 200)


def _export(qs):
    from core.spreadsheets import add_sheet, new_workbook, xlsx_response

    wb = new_workbook()
    ws = add_sheet(wb, "问题清单", ["编号", "类别", "状态", "灯色", "来源", "街镇", "行政村", "网格", "描述",
                                  "上报时间", "整改期限", "责任单位"])
    lights = dict(Light.choices)
    for i in qs[:EXPORT_MAX]:
        ws.append([i.pk, i.category.name, i.get_status_display(), lights.get(i.light, ""), i.get_source_display(),
                   i.town.name, i.village.name, i.grid.name if i.grid_id else "", i.description,
                   timezone.localtime(i.reported_at).strftime("%Y-%m-%d %H:%M"),
                   i.deadline.isoformat() if i.deadline else "", i.assignee])
    return xlsx_response(wb, f"问题清单-{timezone.localdate():%Y%m%d}.xlsx")


# The action forms of the problem page, each with only its own fields. An office sees its own steps first (交办,
# 复核) and the village's step (提交整改) last; village staff see 提交整改 first.
FORMS = {
    "assign": {"actions": ["assign"], "title": "交办", "fields": ["deadline", "assignee"]},
    "submit": {"actions": ["submit"], "title": "提交整改", "fields": ["note", "image"]},
    "review": {"actions": ["verify", "reject"], "title": "复核", "fields": ["note"]},
    "reopen": {"actions": ["reopen"], "title": "重新打开", "fields": ["deadline", "assignee", "note"]},
    "supervise": {"actions": ["supervise"], "title": "红色督办", "fields": ["note"]},
    "release": {"actions": ["release"], "title": "解除督办", "fields": ["note"]},
}
OFFICE_ORDER = ["assign", "review", "reopen", "supervise", "release", "submit"]
VILLAGE_ORDER = ["submit", "assign", "review", "reopen", "supervise", "release"]
BUTTONS = {"verify": "通过", "reject": "退回"}


def action_forms(user, issue):
    """The forms this user may use on this problem now, in the order they would use them."""
    allowed = set(services.allowed_actions(user, issue))
    order = VILLAGE_ORDER if user.role == "village" else OFFICE_ORDER
    forms = []
    for key in order:
        spec = FORMS[key]
        actions = [a for a in spec["actions"] if a in allowed]
        if actions:
            forms.append({"key": key, "title": spec["title"], "fields": spec["fields"],
                          "buttons": [(a, BUTTONS.get(a, Action(a).label)) for a in actions]})
    return forms


def issue_detail(request, pk):
    try:
        services.visible_issue(request.user, pk)
    except NotVisible:
        raise Http404("问题不存在或不在您的辖区内") from None
    error, status = None, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if not once.first_submit(request):
            return once.repeated(request, "patrol:issue-detail", pk=pk)
        error = _act(request, pk, action)
        if error is None:
            messages.success(request, f"已{Action(action).label}：问题 #{pk}")
            return redirect("patrol:issue-detail", pk=pk)
        status = 400
        messages.error(request, f"操作未完成：{error.detail}")
    issue = (Issue.objects.with_light(timezone.localdate()).select_related("category", "village", "grid", "town",
                                                                           "reporter", "rebound_of").get(pk=pk))
    photos = list(issue.photos.all())
    review = photo_review(request.user, photos)
    forms = action_forms(request.user, issue)
    posted = request.POST.get("action", "") if error else ""
    for form in forms:
        form["posted"] = posted in [a for a, _ in form["buttons"]]
        form["values"] = request.POST if form["posted"] else {}
        if form["posted"]:
            field = {"photos": "image", "location": None}.get(error.field, error.field)
            form["error_field"] = field if field in form["fields"] else None
            form["error"] = error.detail
    return render(request, "patrol/issue_detail.html", {
        "issue": issue,
        "events": issue.events.select_related("actor", "photo").order_by("at", "id"),
        "photos": photos,
        "review": review,
        "cite_codes": [(c, label) for c, label in CODES.items() if any(f["code"] == c for r in review
                                                                         for f in r["flags"])],
        "forms": forms,
        "rebounds": issue.rebounds.all(),
        "status_labels": dict(Status.choices),
        "error": error.detail if error else None,
        "default_assignee": issue.assignee or issue.village.name,
        "panels": [html for _, html in issue_page_panels.send(sender=Issue, request=request, issue=issue) if html],
    }, status=status)


def photo_review(user, photos):
    """The photos that carry a flag, each with its flags as this user may read them (photo_checks.flags_for_review)."""
    return [{"photo": p, "flags": flags_for_review(user, p.flags)} for p in photos if p.flags]


def _act(request, pk, action):
    """One step of the loop from the page's form: the same service calls as the API (photos first, then the
    transition); returns the DomainError or None."""
    try:
        if action == "submit":
            for image in request.FILES.getlist("image"):
                try:
                    services.add_photo(request.user, pk, image, "after")
                except BadInput as exc:
                    raise BadInput(exc.detail, field="image") from None
        cited = request.POST.getlist("cite_flags") if action == Action.REJECT else []
        services.transition_issue(request.user, pk, action, note=request.POST.get("note", ""),
                                  deadline=request.POST.get("deadline") or None,
                                  assignee=request.POST.get("assignee", ""),
                                  data=services.cited_flags(cited) if cited else None)
    except DomainError as exc:
        return exc
    return None


def import_page(request):
    if not services.may(request.user, "report"):
        raise Http404("您的角色不能上报问题")
    return render(request, "patrol/import.html")


def demolished_page(request):
    """登记已拆除 (plan 002): town or district staff record a structure already demolished, with its before and
    after photos; the problem is created closed (services.record_demolished, as the API)."""
    import uuid

    if not services.may(request.user, Action.VERIFY):
        raise Http404("只有街镇或区级人员可以登记已拆除")
    categories = Category.objects.filter(code__in=services.DEMOLITION_CATEGORIES).order_by("sort")
    failed = None
    if request.method == "POST":
        token = request.POST.get(once.FIELD, "")
        if not once.first_submit(request):
            return once.repeated(request, "patrol:issue-demolished", "这一登记已经提交过，未重复登记")
        post = request.POST
        try:
            issue, _ = services.record_demolished(
                request.user, before=request.FILES.get("before"), after=request.FILES.get("after"),
                note=post.get("note", ""), category=post.get("category", ""),
                lon=post.get("lon", ""), lat=post.get("lat", ""),
                description=post.get("description", ""),
                client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"demolished:{request.user.pk}:{token}") if token
                else uuid.uuid4())
        except DomainError as exc:
            field = {"geometry": "lon"}.get(exc.field, exc.field)
            failed = {"field": field, "detail": exc.detail, "values": post}
            messages.error(request, f"未登记：{exc.detail}")
        else:
            messages.success(request, f"已登记 #{issue.pk} {issue.category.name}（拆除即销号）")
            return redirect("patrol:issue-detail", pk=issue.pk)
    return render(request, "patrol/demolished.html", {"categories": categories, "failed": failed},
                  status=400 if failed else 200)

