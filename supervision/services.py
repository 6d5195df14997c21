"""Orders' rules: who issues, answers, returns and closes, the numbering, and the red-supervision shadow.

The order's shadow on its problems is patrol's red_supervision flag (set and released through
patrol.services.set_order_shadow), so every map, light and assessment reads a problem under an open order red.
"""
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from geo import scope
from geo.models import Town, Village, level_of
from patrol import services as patrol
from patrol.models import Issue, Status

from . import signals
from .models import (
    OPEN_STATES,
    AnswerPhoto,
    Order,
    OrderAction,
    OrderAnswer,
    OrderCounter,
    OrderEvent,
    OrderProblem,
    State,
)

ISSUERS = {Role.DISTRICT, Role.SUPERVISOR}
ANSWERERS = {Role.TOWN, Role.VILLAGE}


def _admin(user):
    return user.is_superuser or user.role == Role.ADMIN


def may_issue(user):
    return _admin(user) or user.role in ISSUERS


def may_answer(user, order):
    return (_admin(user) or user.role in ANSWERERS) and scope.covers(scope.of(user), order.addressee_code)


def visible_orders(user):
    """Orders whose addressee lies in the user's area (a district sees all of its towns' and villages')."""
    return Order.objects.filter(scope.code_q(scope.of(user), "addressee_code"))


def visible_order(user, order_id, lock=False):
    qs = visible_orders(user)
    if lock:
        qs = qs.select_for_update()
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise NotVisible("督办单不存在或不在您的辖区内")
    return order


def addressee(code):
    """(code, name) of a town or village; BadInput otherwise."""
    code = str(code or "").strip()
    level = level_of(code)
    model = {"town": Town, "village": Village}.get(level)
    area = model.objects.filter(code=code).first() if model else None
    if area is None:
        raise BadInput(f"督办对象应为存在的街镇（9位）或行政村（12位）代码：{code!r}", field="addressee")
    return area


def _deadline(value, now):
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise BadInput(f"整改期限应为 YYYY-MM-DD 日期：{value!r}", field="deadline") from None
    if not isinstance(value, date):
        raise BadInput("请填写新的整改期限（YYYY-MM-DD）", field="deadline")
    if value < timezone.localdate(now):
        raise BadInput("整改期限不能早于今天", field="deadline")
    return value


def _problems(user, ids, area_code, exclude_order=None):
    """The problems by id: all visible to the user, open, inside the addressee's area, under no other open order."""
    if not ids:
        raise BadInput("请至少选择一个问题", field="problems")
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise BadInput("problems 应为问题编号列表", field="problems") from None
    found = {i.pk: i for i in Issue.objects.filter(scope.place_q(scope.of(user)), pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise BadInput(f"问题不存在或不在您的辖区内：{', '.join(map(str, missing))}", field="problems")
    outside = [i.pk for i in found.values()
               if not scope.covers_place(area_code, i.town_id, i.village_id, i.grid_id)]
    if outside:
        raise BadInput(f"问题不在督办对象的辖区内：{', '.join(map(str, outside))}", field="problems")
    closed = [i.pk for i in found.values() if i.status == Status.CLOSED]
    if closed:
        raise BadInput(f"问题已销号，无需督办：{', '.join(map(str, closed))}", field="problems")
    taken = (OrderProblem.objects.filter(issue_id__in=ids, order__state__in=OPEN_STATES)
             .exclude(order_id=exclude_order).select_related("order").first())
    if taken:
        raise Conflict(f"问题 {taken.issue_id} 已在督办单 {taken.order.number} 中", field="problems")
    return [found[i] for i in ids]


def _number(district_code, year):
    counter, _ = OrderCounter.objects.get_or_create(district_code=district_code, year=year)
    counter = OrderCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"督办〔{year}〕{counter.last}号"


def _event(order, action, from_state, user, now, note="", data=None):
    return OrderEvent.objects.create(order=order, action=action, from_state=from_state, to_state=order.state,
                                     actor=user, at=now, note=note, data=data or {})


def _issue(order, user, now, problem_ids):
    """Number and issue an order (inside the caller's transaction); raise its problems' red supervision."""
    order.seq, order.number = _number(order.district_code, timezone.localdate(now).year)
    order.year = timezone.localdate(now).year
    from_state = order.state
    order.state, order.issuer, order.issued_at = State.ISSUED, user, now
    if not order.issuing_office:
        order.issuing_office = user.first_name or user.get_role_display()
    order.save()
    event = _event(order, OrderAction.ISSUE, from_state, user, now)
    patrol.set_order_shadow(problem_ids, True, actor=user, now=now, note=f"红色督办单 {order.number}",
                            data={"order": order.pk, "number": order.number})
    signals.order_issued.send(Order, order=order, event=event, user=user)
    return order


def issue_order(user, *, problems, addressee_code, deadline, requirements="", reflect=False, client_uuid=None,
                issuing_office="", now=None):
    """A district staffer or supervisor issues a new order. Idempotent by client_uuid."""
    now = now or timezone.now()
    if not may_issue(user):
        raise Forbidden("只有区级人员和督导可以签发督办单")
    if client_uuid:
        existing = Order.objects.filter(client_uuid=client_uuid).first()
        if existing:
            return existing, False
    area = addressee(addressee_code)
    if not scope.covers(scope.of(user), area.code):
        raise Forbidden("督办对象不在您的辖区内", field="addressee")
    deadline = _deadline(deadline, now)
    try:
        with transaction.atomic():
            chosen = _problems(user, problems, area.code)
            order = Order.objects.create(
                district_code=scope.district_of(area.code), addressee_code=area.code, addressee_name=area.name,
                deadline=deadline, requirements=requirements or "", reflect=bool(reflect), client_uuid=client_uuid,
                issuing_office=issuing_office,
            )
            OrderProblem.objects.bulk_create([OrderProblem(order=order, issue=i) for i in chosen])
            _issue(order, user, now, [i.pk for i in chosen])
    except IntegrityError:
        existing = client_uuid and Order.objects.filter(client_uuid=client_uuid).first()
        if not existing:
            raise
        return existing, False
    return order, True


def issue_draft(user, order_id, *, deadline, requirements=None, reflect=None, now=None):
    """Issue an order escalate_overdue drafted (a person decides; the draft itself changes nothing)."""
    now = now or timezone.now()
    if not may_issue(user):
        raise Forbidden("只有区级人员和督导可以签发督办单")
    with transaction.atomic():
        order = visible_order(user, order_id, lock=True)
        if order.state != State.DRAFT:
            raise Conflict(f"督办单当前为“{State(order.state).label}”，不能签发", state=order.state)
        ids = list(order.order_problems.values_list("issue_id", flat=True))
        open_ids = list(Issue.objects.filter(pk__in=ids).open().values_list("pk", flat=True))
        if not open_ids:
            raise Conflict("草稿中的问题均已销号，无需签发", state=order.state)
        order.order_problems.exclude(issue_id__in=open_ids).delete()
        _problems(user, open_ids, order.addressee_code, exclude_order=order.pk)
        order.deadline = _deadline(deadline, now)
        if requirements is not None:
            order.requirements = requirements
        if reflect is not None:
            order.reflect = bool(reflect)
        return _issue(order, user, now, open_ids)


def answer_order(user, order_id, *, report, similar=(), photos=(), now=None):
    """The addressee's staff answer with a report (and, for 举一反三, the similar problems they reported). Photos
    are checked and cleaned like every other (core.photos): a file that is not a sound picture is a 400 and
    nothing is written."""
    from core.photos import clean_photo
    from core.stored_photos import attach_photo

    now = now or timezone.now()
    if not (report or "").strip():
        raise BadInput("请填写整改报告", field="report")
    with transaction.atomic():
        order = visible_order(user, order_id, lock=True)
        if not may_answer(user, order):
            raise Forbidden("只有督办对象的工作人员可以反馈")
        if order.state not in (State.ISSUED, State.RETURNED):
            raise Conflict(f"督办单当前为“{State(order.state).label}”，不能反馈", state=order.state)
        photos = [clean_photo(f, field="photos") for f in photos]  # checked before anything is written
        similar_issues = []
        if similar:
            try:
                ids = sorted({int(i) for i in similar})
            except (TypeError, ValueError):
                raise BadInput("similar 应为问题编号列表", field="similar") from None
            similar_issues = list(Issue.objects.filter(scope.place_q(order.addressee_code), pk__in=ids))
            if len(similar_issues) != len(ids):
                missing = sorted(set(ids) - {i.pk for i in similar_issues})
                raise BadInput(f"举一反三问题不存在或不在督办对象辖区内：{missing}", field="similar")
        states = dict(Issue.objects.filter(orders=order).values_list("pk", "status"))
        from_state = order.state
        order.state = State.ANSWERED
        order.save(update_fields=["state"])
        event = _event(order, OrderAction.ANSWER, from_state, user, now, note=report,
                       data={"similar": [i.pk for i in similar_issues]})
        answer = OrderAnswer.objects.create(order=order, event=event, author=user, at=now, report=report,
                                            problem_states={str(k): v for k, v in states.items()})
        answer.similar.set(similar_issues)
        from .photo_checks import check_answer_photo

        for p in photos:
            attach_photo(AnswerPhoto(answer=answer), p, name=answer.pk, check=check_answer_photo)
        signals.order_answered.send(Order, order=order, event=event, user=user)
    return order


def _district_step(user, order_id, action, now):
    if not may_issue(user):
        raise Forbidden("只有区级人员和督导可以退回或办结督办单")
    order = visible_order(user, order_id, lock=True)
    if order.state != State.ANSWERED:
        raise Conflict(f"督办单当前为“{State(order.state).label}”，待督办对象反馈后才能{action.label}",
                       state=order.state)
    return order


def return_order(user, order_id, *, note="", now=None):
    now = now or timezone.now()
    if not (note or "").strip():
        raise BadInput("退回须说明理由", field="note")
    with transaction.atomic():
        order = _district_step(user, order_id, OrderAction.RETURN, now)
        order.state = State.RETURNED
        order.save(update_fields=["state"])
        event = _event(order, OrderAction.RETURN, State.ANSWERED, user, now, note=note)
        signals.order_returned.send(Order, order=order, event=event, user=user)
    return order


def close_order(user, order_id, *, note="", now=None):
    """Close an answered order and release its problems' red supervision (unless another open order holds one)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _district_step(user, order_id, OrderAction.CLOSE, now)
        order.state, order.closed_at = State.CLOSED, now
        order.save(update_fields=["state", "closed_at"])
        event = _event(order, OrderAction.CLOSE, State.ANSWERED, user, now, note=note)
        ids = set(order.order_problems.values_list("issue_id", flat=True))
        held = set(OrderProblem.objects.filter(issue_id__in=ids, order__state__in=OPEN_STATES)
                   .values_list("issue_id", flat=True))
        patrol.set_order_shadow(ids - held, False, actor=user, now=now, note=f"督办单 {order.number} 办结",
                                data={"order": order.pk, "number": order.number})
        signals.order_closed.send(Order, order=order, event=event, user=user)
    return order


def draft_for_escalated(sender, issue, event, today, days, **kwargs):
    """escalate_overdue raised a problem: put it in its town's open draft (one draft per town), for a person
    to issue. Runs inside escalate_overdue's transaction."""
    if OrderProblem.objects.filter(issue=issue, order__state__in=(State.DRAFT, *OPEN_STATES)).exists():
        return
    town = issue.town
    order = (Order.objects.select_for_update().filter(state=State.DRAFT, addressee_code=town.code, reason="overdue")
             .first())
    if order is None:
        order = Order.objects.create(
            district_code=scope.district_of(town.code), addressee_code=town.code, addressee_name=town.name,
            reason="overdue", requirements="加强核查、限期整改、举一反三", reflect=True,
        )
        _event(order, OrderAction.DRAFT, "", None, event.at, note=f"超期超过{days}天的问题自动拟稿")
    OrderProblem.objects.get_or_create(order=order, issue=issue)


def open_order_problem_ids(issue_ids):
    return set(OrderProblem.objects.filter(issue_id__in=issue_ids, order__state__in=OPEN_STATES)
               .values_list("issue_id", flat=True))


def release_guard(sender, issue, **kwargs):
    """Receiver of patrol.signals.supervision_releasing (district staff are about to release red supervision by
    hand): an open order keeps it."""
    held = (OrderProblem.objects.filter(issue_id=issue.pk, order__state__in=OPEN_STATES)
            .values_list("order__number", flat=True).first())
    return f"问题在红色督办单 {held} 中，督办单办结后自动解除" if held else None
