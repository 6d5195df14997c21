"""Server-rendered pages for the problem list and detail (Chinese)."""
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import DomainError, NotVisible
from core.photo_flags import CODES

from . import services
from .filters import IssueFilter
from .models import Action, Category, Issue, Source, Status
from .serializers import photo_flags_for


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
    photos = list(issue.photos.all())
    review = photo_review(request.user, photos)
    return render(request, "patrol/issue_detail.html", {
        "issue": issue,
        "events": issue.events.select_related("actor", "photo").order_by("at", "id"),
        "photos": photos,
        "review": review,
        "cite_codes": [(c, label) for c, label in CODES.items() if any(f["code"] == c for r in review
                                                                         for f in r["flags"])],
        "allowed": [(a, Action(a).label) for a in services.allowed_actions(request.user, issue)],
        "rebounds": issue.rebounds.all(),
        "status_labels": dict(Status.choices),
        "error": error,
    }, status=400 if error else 200)


def photo_review(user, photos):
    """The photos that carry a flag, each with its flags as this user may read them (serializers.photo_flags_for)
    and, for a match they may see, its time in local time."""
    from django.utils.dateparse import parse_datetime

    out = []
    for p in photos:
        if not p.flags:
            continue
        flags = []
        for f in photo_flags_for(user, p.flags):
            at = (f["match"] or {}).get("at")
            flags.append(f | {"label": CODES.get(f["code"], f["code"]), "at_local": at and parse_datetime(at)})
        out.append({"photo": p, "flags": flags})
    return out


def _act(request, pk):
    """One step of the loop from the page's form (the same service the API uses); returns an error or None."""
    action = request.POST.get("action", "")
    try:
        if action == "submit" and request.FILES.get("image"):
            services.add_photo(request.user, pk, request.FILES["image"], "after")
        cited = request.POST.getlist("cite_flags") if action == Action.REJECT else []
        services.transition_issue(request.user, pk, action, note=request.POST.get("note", ""),
                                  deadline=request.POST.get("deadline") or None,
                                  assignee=request.POST.get("assignee", ""),
                                  data=services.cited_flags(cited) if cited else None)
    except DomainError as exc:
        return exc.detail
    return None


def import_page(request):
    if not services.may(request.user, "report"):
        raise Http404("您的角色不能上报问题")
    return render(request, "patrol/import.html")
