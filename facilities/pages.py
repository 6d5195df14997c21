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


# The plan's sentence behind the 60 / 40 weights (seed 002, 渠口乡), shown when the settings keep them.
WEIGHTS_SOURCE = ("工作方案 002：“由乡、村两级采取各占比60%和40%的方式每月对二泉公司的服务质量进行考核打分”")


def score_page(request):
    """The month's company scores; town staff 评分 for their town (乡, 60 %) and village staff for their village
    (村, 40 %) here, through scores.rate as the API does. Others read only."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from core import once
    from core.errors import DomainError

    from .forms import RatingForm

    error, failed = None, None
    if request.method == "POST":
        if not once.first_submit(request):
            messages.info(request, "这一评分已经提交过，未重复提交")
            return redirect(request.get_full_path())
        form = RatingForm(request.POST, key=request.POST.get("operator", ""))
        if form.is_valid():
            d = form.cleaned_data
            try:
                rating = scores.rate(request.user, d["operator"], d["month"], d["score"])
                messages.success(request, f"已评分：{rating.operator.name} {rating.month:%Y-%m} "
                                          f"{rating.get_level_display()}评分 {rating.score.normalize():f} 分")
                return redirect(request.get_full_path())
            except DomainError as exc:
                form.put_error(exc)
        failed = form
        messages.error(request, "评分未保存：" + ("；".join(form.non_field_errors()) or "请按提示修改"))
    try:
        data = scores.scores(request.user, request.GET.get("month"))
    except BadInput as exc:
        error, data = exc.detail, scores.scores(request.user, None)
    may_rate = scores.may_rate(request.user)
    given = scores.own_ratings(request.user, data["month"]) if may_rate else {}
    for r in data["results"]:
        r["given"] = given.get(r["operator"])
        r["form"] = None
        if may_rate:
            r["form"] = (failed if failed is not None and failed.data.get("operator") == r["operator"] else
                         RatingForm(initial={"operator": r["operator"], "month": data["month"]}, key=r["operator"]))
    w = data["weights"]
    xlsx = reverse("facilities:scores") + f"?month={data['month']}&export=xlsx"
    return render(request, "facilities/scores.html", {
        "data": data, "error": error, "xlsx": xlsx, "may_rate": may_rate,
        "level": "街镇（乡）" if request.user.role == "town" else "村",
        "weights_source": WEIGHTS_SOURCE if (w["town"], w["village"]) == (0.6, 0.4) else "本单位设置",
    }, status=400 if failed is not None else 200)
