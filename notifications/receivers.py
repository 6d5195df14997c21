"""Signal receivers: patrol's, supervision's and facilities' events become inbox rows and queued deliveries, inside
the event's own transaction (the signals are sent there)."""
from django.utils import timezone

from accounts.models import Role
from facilities import signals as facility_signals
from geo import scope
from patrol import signals as patrol_signals
from patrol.models import Action, IssueEvent
from supervision import signals as order_signals

from . import services as s
from .models import Kind


def connect():
    patrol_signals.issue_transitioned.connect(on_transition, dispatch_uid="notify-transition")
    patrol_signals.reinspection_drawn.connect(on_reinspection, dispatch_uid="notify-reinspection")
    order_signals.order_issued.connect(on_order_issued, dispatch_uid="notify-order-issued")
    order_signals.order_answered.connect(on_order_answered, dispatch_uid="notify-order-answered")
    order_signals.order_returned.connect(on_order_returned, dispatch_uid="notify-order-returned")
    facility_signals.work_order_opened.connect(on_work_order_opened, dispatch_uid="notify-work-order")


def _name(user):
    return user and (user.first_name or user.username) or "系统"


def on_transition(sender, issue, event, action, user, **kwargs):
    key = f"issue-event:{event.pk}"
    label = s.issue_label(issue)
    if action in (Action.ASSIGN, Action.REOPEN):
        text = f"{label}已交办给{issue.assignee}，整改期限 {issue.deadline}（{issue.village.name}）"
        # As SQL: notify resolves the recipients inside its one statement (no round trip, no ORM compile).
        s.notify(Kind.ASSIGNED, text, s.responsible_sql(issue, exclude=user), key=key, issue=issue,
                 area_codes=s.issue_area(issue), now=event.at)
    elif action == Action.SUBMIT:
        recipients = s.town_staff(issue.town_id)
        assigner = _last_actor(issue, (Action.ASSIGN, Action.REOPEN))
        if assigner is not None and assigner.role == Role.DISTRICT:
            recipients.append(assigner)
        text = f"{label}已由{_name(user)}提交整改，待复核（{issue.village.name}）"
        s.notify(Kind.TO_VERIFY, text, s.in_issue_area(recipients, issue), key=key, issue=issue,
                 area_codes=s.issue_area(issue), now=event.at)
    elif action == Action.REJECT:
        submitter = _last_actor(issue, (Action.SUBMIT,))
        note = f"：{event.note}" if event.note else ""
        text = f"{label}复核不通过，请重新整改{note}（期限 {issue.deadline}）"
        s.notify(Kind.REJECTED, text, s.in_issue_area([submitter], issue), key=key, issue=issue,
                 area_codes=s.issue_area(issue), now=event.at)


def _last_actor(issue, actions):
    event = (IssueEvent.objects.filter(issue=issue, action__in=actions, actor__isnull=False)
             .select_related("actor").order_by("-at", "-id").first())
    return event and event.actor


def on_reinspection(sender, month, samples, **kwargs):
    """One notification per inspector, supervisor and town staffer with sampled points in their area."""
    if not samples:
        return
    places = [(x.issue.town_id, x.issue.village_id, x.issue.grid_id) for x in samples]
    roles = (Role.INSPECTOR, Role.SUPERVISOR, Role.TOWN)
    for user in s._active().filter(role__in=roles).exclude(area_code=""):
        area = scope.of(user)
        n = sum(1 for p in places if scope.covers_place(area, *p))
        if n:
            s.notify(Kind.REINSPECTION, f"{month:%Y年%m月}回头看抽查已生成：您的辖区内 {n} 个已销号点位待复查",
                     [user], key=f"reinspection:{month:%Y-%m}")
    towns = sorted({p[0] for p in places})
    for town in towns:  # one robot message per town (and its district), not per person
        n = sum(1 for p in places if p[0] == town)
        s.notify(Kind.REINSPECTION, f"{month:%Y年%m月}回头看抽查已生成：本街镇 {n} 个已销号点位待复查", [],
                 key=f"reinspection:{month:%Y-%m}:{town}", area_codes=[town])


def on_order_issued(sender, order, event, user, **kwargs):
    n = order.order_problems.count()
    text = (f"红色督办单 {order.number}：{order.addressee_name} {n} 个问题，请加强核查、限期整改"
            f"{'、举一反三' if order.reflect else ''}，于 {order.deadline} 前反馈")
    s.notify(Kind.ORDER_ISSUED, text, s.in_order_area(s.addressee_staff(order.addressee_code), order),
             key=f"order-event:{event.pk}", order=order, area_codes=s.order_area(order), now=event.at)


def on_order_answered(sender, order, event, user, **kwargs):
    text = f"督办单 {order.number}（{order.addressee_name}）已反馈，请审核办结或退回"
    recipients = [order.issuer] if order.issuer_id else []
    s.notify(Kind.ORDER_ANSWERED, text, s.in_order_area(recipients, order), key=f"order-event:{event.pk}",
             order=order, area_codes=s.order_area(order), now=event.at)


def on_order_returned(sender, order, event, user, **kwargs):
    text = f"督办单 {order.number} 被退回，请继续整改：{event.note}"
    s.notify(Kind.ORDER_RETURNED, text, s.in_order_area(s.addressee_staff(order.addressee_code), order),
             key=f"order-event:{event.pk}", order=order, area_codes=s.order_area(order), now=event.at)


def on_work_order_opened(sender, order, **kwargs):
    """The service company's staff hear of a new work order in their inbox too (they work it in 设施工单)."""
    f = order.facility
    deadline = timezone.localtime(order.deadline)
    text = (f"设施工单 #{order.pk}：{f.village.name} {f.kind.name} {f.code} {order.get_need_display()}，"
            f"请于 {deadline:%m-%d %H:%M} 前处理")
    staff = s._active().filter(role=Role.OPERATOR, operator_code=order.operator_id)
    s.notify(Kind.WORK_ORDER, text, list(staff), key=f"work-order:{order.pk}", now=order.reported_at)
