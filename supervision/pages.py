"""The order list page (/orders/): every order in the user's area with its state and age."""
from django.shortcuts import render

from .models import State
from .serializers import age_days
from .services import may_issue, visible_orders


def order_list(request):
    qs = visible_orders(request.user).select_related("issuer").prefetch_related("order_problems")
    state = request.GET.get("state", "")
    if state in State.values:
        qs = qs.filter(state=state)
    orders = list(qs.order_by("state", "-issued_at", "-id")[:500])
    for o in orders:
        o.age = age_days(o)
        o.problem_ids = sorted(p.issue_id for p in o.order_problems.all())
    return render(request, "supervision/order_list.html", {
        "orders": orders, "states": State.choices, "state": state, "may_issue": may_issue(request.user),
    })
