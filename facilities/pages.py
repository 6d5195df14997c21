"""Pages for signed-in users: the company's phone list of work orders, and the monthly company scores."""
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.errors import BadInput

from . import scores
from .api import _orders
from .querysets import is_operator
from .serializers import order_json


class _Query:
    """request-like access to GET for api._orders."""

    def __init__(self, request):
        self.user = request.user
        self.query_params = request.GET


def workorders(request):
    error = None
    try:
        orders = list(_orders(_Query(request))[:200])
    except BadInput as exc:
        error, orders = exc.detail, []
    now = timezone.now()
    return render(request, "facilities/workorders.html", {
        "orders": [order_json(request.user, o, photos=list(o.photos.all()), now=now) for o in orders],
        "error": error, "api": reverse("facilities:workorders"),
        # the photo checks' flags are for whoever reviews the 完成, not for the company that sent the photo
        "show_flags": not is_operator(request.user),
        "deadline_hours": settings.FACILITIES["DEADLINE_HOURS"],
    })


def score_page(request):
    error = None
    try:
        data = scores.scores(request.user, request.GET.get("month"))
    except BadInput as exc:
        error, data = exc.detail, scores.scores(request.user, None)
    xlsx = reverse("facilities:scores") + f"?month={data['month']}&export=xlsx"
    return render(request, "facilities/scores.html", {"data": data, "error": error, "xlsx": xlsx})
