"""Server-rendered pages for the problem list and detail (Chinese)."""
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import DomainError, NotVisible

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


def issue_detail(request, pk):
    try:
        services.visible_issue(request.user, pk)
    except NotVisible:
        raise Http404("问题不存在或不在您的辖区内") from None
    error = None
    if request.method == "POST":
        error = _act(request, pk)
        if error is None:
            return redirect("patrol:issue-detail", pk=pk)
    issue = (Issue.objects.with_light(timezone.localdate()).select_related("category", "village", "grid", "town",
                                                                           "reporter", "rebound_of").get(pk=pk))
    return render(request, "patrol/issue_detail.html", {
        "issue": issue,
        "events": issue.events.select_related("actor", "photo").order_by("at", "id"),
        "photos": issue.photos.all(),
        "allowed": [(a, Action(a).label) for a in services.allowed_actions(request.user, issue)],
        "rebounds": issue.rebounds.all(),
        "status_labels": dict(Status.choices),
        "error": error,
    }, status=400 if error else 200)


def _act(request, pk):
    """One step of the loop from the page's form (the same service the API uses); returns an error or None."""
    action = request.POST.get("action", "")
    try:
        if action == "submit" and request.FILES.get("image"):
            services.add_photo(request.user, pk, request.FILES["image"], "after")
        services.transition_issue(request.user, pk, action, note=request.POST.get("note", ""),
                                  deadline=request.POST.get("deadline") or None,
                                  assignee=request.POST.get("assignee", ""))
    except DomainError as exc:
        return exc.detail
    return None


def import_page(request):
    if not services.may(request.user, "report"):
        raise Http404("您的角色不能上报问题")
    return render(request, "patrol/import.html")
