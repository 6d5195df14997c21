"""The order list page (/orders/): every order in the user's area with its state and age; district staff and
supervisors 签发 a draft and 退回 or 办结 an answered order here, through the same services as the API."""
from django.contrib import messages
from django.shortcuts import redirect, render

from core import inputs, once
from core.errors import BadInput, DomainError

from . import services
from .models import State
from .serializers import age_days
from .services import may_issue, visible_orders

STEPS = {"issue": "签发", "return": "退回", "close": "办结"}


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
            messages.info(request, "这一操作已经提交过，未重复执行")
            return redirect(request.get_full_path())
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
