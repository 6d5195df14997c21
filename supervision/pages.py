"""The order list page (/orders/): every order in the user's area with its state and age; district staff and
supervisors 签发 a draft and 退回 or 办结 an answered order here, through the same services as the API."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from core import inputs, once
from core.errors import BadInput, DomainError
from geo import scope
from patrol.models import Issue
from patrol.photo_checks import flags_for_review

from . import services
from .models import State
from .serializers import age_days
from .services import may_issue, visible_orders

STEPS = {"issue": "签发", "return": "退回", "close": "办结"}
# A match of an answer photo is another order's answer photo, or a problem photo (patrol's own address).
MATCH_IMAGES = {"answer": lambda pk: reverse("supervision:answer-photo", args=[pk])}


def _step(request):
    """One district step from the page's form; returns (order, None) or (order id, DomainError)."""
    action, raw_id = request.POST.get("action", ""), request.POST.get("order", "")
    try:
        order_id = int(raw_id)
    except ValueError:
        order_id = None
    try:
        if order_id is None or action not in STEPS:
            raise BadInput("未知的操作", field="action")
        if action == "issue":
            order = services.issue_draft(request.user, order_id, deadline=request.POST.get("deadline") or None,
                                         requirements=inputs.text(request.POST.get("requirements", ""),
                                                                  "requirements", 5000) or None)
        else:
            note = inputs.text(request.POST.get("note", ""), "note", 5000)
            step = services.return_order if action == "return" else services.close_order
            order = step(request.user, order_id, note=note)
    except DomainError as exc:
        return order_id, exc
    return order, None


def order_list(request):
    failed = None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, request.get_full_path())
        order, error = _step(request)
        if error is None:
            messages.success(request, f"已{STEPS[request.POST['action']]} {order.number}")
            return redirect(request.get_full_path())
        messages.error(request, f"操作未完成：{error.detail}")
        failed = {"order": order, "field": error.field, "detail": error.detail, "values": request.POST}
    qs = visible_orders(request.user).select_related("issuer").prefetch_related("order_problems")
    state = request.GET.get("state", "")
    if state in State.values:
        qs = qs.filter(state=state)
    orders = list(qs.order_by("state", "-issued_at", "-id")[:500])
    for o in orders:
        o.age = age_days(o)
        o.problem_ids = sorted(p.issue_id for p in o.order_problems.all())
        o.failed = failed if failed and failed["order"] == o.pk else None
    return render(request, "supervision/order_list.html", {
        "orders": orders, "states": State.choices, "state": state, "may_issue": may_issue(request.user),
    }, status=400 if failed else 200)


# Candidates for 举一反三 on the answer form: problems in the addressee's area reported since the order was issued
# (what the town or village found and reported while checking), newest first, at most this many.
SIMILAR_CHOICES = 100


def order_detail(request, pk):
    """One order: its problems, requirements, history and answers with their photos; the addressee's staff
    提交反馈 here (report, photos, 举一反三 problems chosen from their own area)."""
    try:
        order = services.visible_order(request.user, pk)
    except DomainError:
        raise Http404("督办单不存在或不在您的辖区内") from None
    may_answer = services.may_answer(request.user, order) and order.state in (State.ISSUED, State.RETURNED)
    failed = None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, "supervision:order-page", "这一反馈已经提交过，未重复提交", pk=pk)
        try:
            report = inputs.text(request.POST.get("report", ""), "report", 10000)
            order = services.answer_order(request.user, pk, report=report, similar=request.POST.getlist("similar"),
                                          photos=request.FILES.getlist("photos"))
            messages.success(request, f"已提交反馈：{order.number}")
            return redirect("supervision:order-page", pk=pk)
        except DomainError as exc:
            failed = {"field": exc.field, "detail": exc.detail, "report": request.POST.get("report", ""),
                      "similar": request.POST.getlist("similar")}
            messages.error(request, f"反馈未提交：{exc.detail}")
    similar = []
    if may_answer:
        own = set(order.order_problems.values_list("issue_id", flat=True))
        since = order.issued_at or order.created_at
        similar = [i for i in Issue.objects.for_user(request.user).filter(
            scope.place_q(order.addressee_code), reported_at__gte=since).select_related("category", "village")
            .order_by("-reported_at", "-id")[:SIMILAR_CHOICES] if i.pk not in own]
    answers = list(order.answers.select_related("author").prefetch_related("photos", "similar").order_by("at", "id"))
    # The photo checks' flags (issue 28), in the problem page's wording beside the earlier photo, for the district
    # staff and supervisors who 退回 or 办结 the order; the addressee's staff who sent the photos are told nothing.
    show_flags = may_issue(request.user)
    for a in answers:
        a.reviewed = [{"photo": p, "url": reverse("supervision:answer-photo", args=[p.pk]),
                       "flags": flags_for_review(request.user, p.flags, MATCH_IMAGES) if show_flags else []}
                      for p in a.photos.all()]
    return render(request, "supervision/order_detail.html", {
        "order": order, "problems": Issue.objects.filter(orders=order).select_related("category", "village"),
        "events": order.events.select_related("actor").order_by("at", "id"), "answers": answers,
        "may_answer": may_answer, "similar": similar, "failed": failed,
        "chosen": set(failed["similar"]) if failed else set(),
    }, status=400 if failed else 200)
