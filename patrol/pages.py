"""Server-rendered pages for the problem list and detail (Chinese)."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core import once
from core.errors import BadInput, DomainError, NotVisible

from . import services
from .filters import IssueFilter
from .models import Action, Category, Issue, Source, Status


def issue_list(request):
    base = Issue.objects.for_user(request.user).select_related("category", "village", "grid", "town")
    filterset = IssueFilter(request.GET, queryset=base.with_light(timezone.localdate()), request=request)
    qs = filterset.qs if filterset.is_valid() else base.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "patrol/issue_list.html", {
        "page": page, "categories": Category.objects.all(), "statuses": Status.choices, "sources": Source.choices,
        "params": request.GET, "query": query.urlencode(), "errors": None if filterset.is_valid() else filterset.errors,
    })


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
            messages.info(request, "这一操作已经提交过，未重复执行")
            return redirect("patrol:issue-detail", pk=pk)
        error = _act(request, pk, action)
        if error is None:
            messages.success(request, f"已{Action(action).label}：问题 #{pk}")
            return redirect("patrol:issue-detail", pk=pk)
        status = 400
        messages.error(request, f"操作未完成：{error.detail}")
    issue = (Issue.objects.with_light(timezone.localdate()).select_related("category", "village", "grid", "town",
                                                                           "reporter", "rebound_of").get(pk=pk))
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
        "photos": issue.photos.all(),
        "forms": forms,
        "rebounds": issue.rebounds.all(),
        "status_labels": dict(Status.choices),
        "error": error.detail if error else None,
        "default_assignee": issue.assignee or issue.village.name,
    }, status=status)


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
        services.transition_issue(request.user, pk, action, note=request.POST.get("note", ""),
                                  deadline=request.POST.get("deadline") or None,
                                  assignee=request.POST.get("assignee", ""))
    except DomainError as exc:
        return exc
    return None


def import_page(request):
    if not services.may(request.user, "report"):
        raise Http404("您的角色不能上报问题")
    return render(request, "patrol/import.html")
