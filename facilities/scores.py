"""Monthly scores of the service companies: order figures plus the township's and the villages' ratings.

score = W_TOWN × town_score + W_VILLAGE × (mean of the villages' ratings), weights in settings (渠口: 60 / 40).
town_score is the mean of the township ratings in the viewer's area (one town rates a company once a month).
A company without a township rating or without any village rating for the month has no score yet (None).
"""
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Forbidden, NotVisible
from core.months import current_month, month_bounds, parse_month
from core.spreadsheets import add_sheet, new_workbook, workbook_bytes
from geo import scope

from .models import Facility, Operator, OrderState, Rating, WorkOrder
from .querysets import is_operator
from .services import conf


def _month(value):
    return parse_month(value) if value else current_month()


def _q2(value):
    return None if value is None else float(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def rate(user, operator_code, month, score, now=None):
    """Town staff rate a company for their town, village staff for their village (re-rating replaces). `now`: when
    it was rated (default: now)."""
    first = _month(month)
    area = scope.of(user)
    if user.role == Role.TOWN and area and len(area) == 9:
        level, code = "town", area
    elif user.role == Role.VILLAGE and area and len(area) >= 12:
        level, code = "village", scope.village_of(area)
    else:
        raise Forbidden("只有街镇（乡）和村的工作人员可以给服务公司评分")
    try:
        score = Decimal(str(inputs.number(score, "score", 0, 100)))  # finite: Decimal("NaN") would not compare
    except BadInput:
        raise BadInput("得分应为 0 到 100 之间的数字（最多两位小数）", field="score") from None
    if score != score.quantize(Decimal("0.01")):
        raise BadInput("得分应为 0 到 100 之间的数字（最多两位小数）", field="score")
    if first > timezone.localdate():
        raise BadInput("不能给未来的月份评分", field="month")
    operator = Operator.objects.filter(code=operator_code).first()
    column = "town_id" if level == "town" else "village_id"
    if operator is None or not Facility.objects.filter(operator=operator, **{column: code}).exists():
        raise NotVisible("该服务公司不存在或未在您的辖区运营设施", field="operator")
    with transaction.atomic():
        rating, _ = Rating.objects.update_or_create(
            operator=operator, month=first, area_code=code,
            defaults={"level": level, "score": score, "rated_by": user, "rated_at": now or timezone.now()},
        )
    return rating


def may_rate(user):
    """Whether the person rates companies (town staff for their town, village staff for their village)."""
    area = scope.of(user) or ""
    return (user.role == Role.TOWN and len(area) == 9) or (user.role == Role.VILLAGE and len(area) >= 12)


def own_ratings(user, month):
    """{operator code: score} the caller's unit gave for a month (what the 评分 form shows as already given)."""
    if not may_rate(user):
        return {}
    area = scope.of(user)
    code = area if user.role == Role.TOWN else scope.village_of(area)
    return dict(Rating.objects.filter(month=_month(month), area_code=code).values_list("operator_id", "score"))


def scores(user, month):
    """One row per company the viewer deals with: orders, on-time and reopen rates, ratings, weighted score."""
    first = _month(month)
    start, end = month_bounds(first)
    now = timezone.now()
    if is_operator(user):
        operators = Operator.objects.filter(code=user.operator_code)
        order_scope, rating_scope = Q(), Q()
    else:
        area = scope.of(user)
        operators = Operator.objects.filter(pk__in=Facility.objects.for_user(user).values("operator_id"))
        order_scope = scope.place_q(area, prefix="facility__")
        # Ratings of the viewer's area: its towns' and villages' (a village's staff also see their town's).
        rating_scope = scope.areas_q(area, "town", "area_code") & Q(level="town") | (
            scope.areas_q(area, "village", "area_code") & Q(level="village"))
    orders = (WorkOrder.objects.filter(order_scope, operator__in=operators, reported_at__gte=start, reported_at__lt=end)
              .values("operator_id").annotate(
                  n=Count("id"),
                  on_time=Count("id", filter=Q(state=OrderState.DONE, done_at__lte=F("deadline"))),
                  decided=Count("id", filter=Q(state=OrderState.DONE) | Q(deadline__lt=now))))
    done = (WorkOrder.objects.filter(order_scope, operator__in=operators, state=OrderState.DONE,
                                     done_at__gte=start, done_at__lt=end)
            .values("operator_id").annotate(n=Count("id"), reopened=Count("id", filter=Q(reopens__isnull=False),
                                                                          distinct=True)))
    ratings = (Rating.objects.filter(rating_scope, operator__in=operators, month=first)
               .values("operator_id", "level").annotate(mean=Avg("score")))
    by_orders = {r["operator_id"]: r for r in orders}
    by_done = {r["operator_id"]: r for r in done}
    by_rating = {(r["operator_id"], r["level"]): r["mean"] for r in ratings}
    w_town, w_village = conf("SCORE_WEIGHT_TOWN"), conf("SCORE_WEIGHT_VILLAGE")
    rows = []
    for op in operators.order_by("code"):
        o, d = by_orders.get(op.code, {}), by_done.get(op.code, {})
        town, village = by_rating.get((op.code, "town")), by_rating.get((op.code, "village"))
        score = None
        if town is not None and village is not None:
            score = Decimal(str(w_town)) * town + Decimal(str(w_village)) * village
        rows.append({
            "operator": op.code, "name": op.name, "orders": o.get("n", 0),
            "on_time_rate": _q2(o["on_time"] / o["decided"]) if o.get("decided") else None,
            "reopen_rate": _q2(d["reopened"] / d["n"]) if d.get("n") else None,
            "town_score": _q2(town), "village_score": _q2(village), "score": _q2(score),
        })
    return {"month": f"{first:%Y-%m}", "weights": {"town": w_town, "village": w_village}, "results": rows}


def scores_workbook(data):
    wb = new_workbook()
    w = data["weights"]
    ws = add_sheet(wb, f"{data['month']}服务公司考核", ["公司代码", "公司名称", "工单数", "按时办结率", "返工率",
                   f"乡（街镇）评分×{w['town']:g}", f"村评分（平均）×{w['village']:g}", "综合得分"], freeze=None)
    for r in data["results"]:
        ws.append([r["operator"], r["name"], r["orders"], r["on_time_rate"], r["reopen_rate"], r["town_score"],
                   r["village_score"], r["score"]])
    return workbook_bytes(wb)

