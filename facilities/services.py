"""Facility rules, once: public reports (merging, the problem loop), work orders, ratings and scores."""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from core import inputs
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from geo import scope
from patrol import services as patrol
from patrol.models import Category, Source

from . import signals
from .models import Facility, FacilityStatus, Need, OrderEvent, OrderPhoto, OrderState, WorkOrder
from .querysets import is_operator

NAMESPACE = uuid.UUID("0b8a5f7e-4c1d-4f0e-9a57-1e4f2d7c9b30")
NOT_FOUND = "设施编码不存在"  # the one answer for every unknown code


def conf(name):
    return settings.FACILITIES[name]


def may_see_phone(user):
    """The reporter's phone is for the company and village staff only."""
    return is_operator(user) or getattr(user, "role", "") in (Role.VILLAGE, Role.ADMIN)


# --- public reports ---------------------------------------------------------------------------------------


@dataclass
class ReportOutcome:
    order: WorkOrder
    merged: bool


def public_facility(code, lock=False):
    """The facility behind a scanned code; NotVisible with the same text for every unknown code. With `lock`,
    the facility's row (only it, not its kind's or village's) is locked for the rest of the transaction."""
    qs = Facility.objects.select_related("kind", "village").defer("village__boundary")  # the name is enough
    if lock:
        qs = qs.select_for_update(of=("self",))
    facility = qs.filter(code=code).first() if code and len(code) <= 40 else None
    if facility is None:
        raise NotVisible(NOT_FOUND)
    return facility


def _public_reporter(district_code):
    """The account public reports are filed under: one per district, which cannot log in (no password, inactive).

    patrol.services.report_issue needs a reporter who may report there; villagers have no account."""
    from django.contrib.auth.hashers import make_password

    user, _ = User.objects.get_or_create(  # get_or_create survives two first reports racing (savepoint)
        username=f"public-report-{district_code}",
        defaults={"role": Role.INSPECTOR, "area_code": district_code, "is_active": False,
                  "first_name": "群众反映（扫码）", "password": make_password(None)},
    )
    return user


def _category_for(facility):
    code = conf("REPORT_CATEGORIES").get(facility.kind_id, "")
    if code and Category.objects.filter(code=code).exists():
        return code
    return None


def report(code, need, note="", phone="", photo=None, now=None):
    """A villager's report from a scanned label: joins the open order of the same need reported within the
    merge window (merged), else opens a new order for the operator and a problem in the loop."""
    now = now or timezone.now()
    if need not in Need.values:
        raise BadInput(f"need 应为 {' | '.join(Need.values)}", field="need")
    note = (note or "").strip()
    phone = inputs.phone(phone)
    if len(note) > 500:
        raise BadInput("留言不能超过 500 字", field="note")
    if phone and not (7 <= len(phone) <= 20 and all(c.isdigit() or c in "+- " for c in phone)):
        raise BadInput("电话号码格式不正确", field="phone")
    from core.photos import clean_photo

    processed = clean_photo(photo) if photo is not None else None
    with transaction.atomic():
        # One report at a time per facility: two scans racing cannot both open an order for the same need.
        facility = public_facility(code, lock=True)
        since = now - timedelta(minutes=conf("MERGE_MINUTES"))
        order = (WorkOrder.objects.filter(facility=facility, need=need, last_reported_at__gte=since)
                 .exclude(state=OrderState.DONE).order_by("-last_reported_at").first())
        if order is not None:
            order.reports += 1
            order.last_reported_at = now
            if phone and not order.phone:
                order.phone = phone
            order.save(update_fields=["reports", "last_reported_at", "phone"])
            OrderEvent.objects.create(order=order, action="merge", at=now, note=note)
            merged = True
        else:
            order = _open_order(facility, need, note, phone, now)
            merged = False
        if processed is not None:
            _store_photo(order, OrderPhoto.Kind.REPORT, processed, None)
    return ReportOutcome(order, merged)


def _open_order(facility, need, note, phone, now):
    reopen_of = (WorkOrder.objects.filter(facility=facility, need=need, state=OrderState.DONE,
                                          done_at__gte=now - timedelta(days=conf("REOPEN_DAYS")))
                 .order_by("-done_at").first())
    order = WorkOrder.objects.create(
        facility=facility, operator_id=facility.operator_id, need=need, note=note, phone=phone, reported_at=now,
        last_reported_at=now, deadline=now + timedelta(hours=conf("DEADLINE_HOURS")[need]), reopen_of=reopen_of,
    )
    OrderEvent.objects.create(order=order, action="report", at=now, note=note)
    signals.work_order_opened.send(WorkOrder, order=order)
    fields = {"open_orders": facility.open_orders + 1}
    if need == Need.REPAIR and facility.status == FacilityStatus.IN_USE:
        from .problem_toilets import kind_named_in

        fields.update(status=FacilityStatus.PROBLEM, status_since=now,
                      status_reason=f"{Need(need).label}：{note}".rstrip("："), problem_kind=kind_named_in(note))
    Facility.objects.filter(pk=facility.pk).update(**fields)
    category = _category_for(facility)
    if category:
        label = f"[一厕一码 {facility.code}] {facility.kind.name}{Need(need).label}"
        result = patrol.report_issue(
            _public_reporter(scope.district_of(facility.town_id)), lon=facility.location.x,
            lat=facility.location.y, category=category, client_uuid=order.client_uuid, source=Source.PUBLIC_REPORT,
            description=f"{label}：{note}" if note else label, reported_at=now,
        )
        order.issue = result.issue
        order.save(update_fields=["issue"])
    return order


# --- work orders ------------------------------------------------------------------------------------------


def visible_order(user, order_id, lock=False):
    qs = WorkOrder.objects.for_user(user).select_related("facility", "facility__kind", "facility__village")
    if lock:
        qs = qs.select_for_update(of=("self",))
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise NotVisible("工单不存在或不归您处理")
    return order


def _must_be_operator(user):
    if not (is_operator(user) or user.role == Role.ADMIN or user.is_superuser):
        raise Forbidden("只有服务运营公司可以处理工单")


def accept(user, order_id, now=None):
    now = now or timezone.now()
    _must_be_operator(user)
    with transaction.atomic():
        order = visible_order(user, order_id, lock=True)
        if order.state == OrderState.ACCEPTED and order.accepted_by_id == user.pk:
            return order  # a retried accept
        if order.state != OrderState.OPEN:
            raise Conflict(f"工单状态为“{OrderState(order.state).label}”，不能接单", field="state", state=order.state)
        order.state, order.accepted_at, order.accepted_by = OrderState.ACCEPTED, now, user
        order.save(update_fields=["state", "accepted_at", "accepted_by"])
        OrderEvent.objects.create(order=order, action="accept", actor=user, at=now)
    return order


def add_after_photo(user, order_id, fileobj, now=None):
    _must_be_operator(user)
    order = visible_order(user, order_id)
    if order.state == OrderState.DONE:
        raise Conflict("工单已完成，不能再上传照片", field="state", state=order.state)
    from core.photos import clean_photo

    processed = clean_photo(fileobj)
    with transaction.atomic():
        photo, created = _store_photo(order, OrderPhoto.Kind.AFTER, processed, user)
        if created:
            OrderEvent.objects.create(order=order, action="photo", actor=user, at=now or timezone.now())
    return photo, created


def done(user, order_id, note="", now=None):
    now = now or timezone.now()
    _must_be_operator(user)
    with transaction.atomic():
        order = visible_order(user, order_id, lock=True)
        if order.state == OrderState.DONE:
            return order  # a retried done
        if order.state != OrderState.ACCEPTED:
            raise Conflict("请先接单再办结", field="state", state=order.state)
        if not order.photos.filter(kind=OrderPhoto.Kind.AFTER).exists():
            raise BadInput("办结需要至少一张处理后照片（POST photos/，字段 image）", field="image")
        order.state, order.done_at, order.done_by, order.done_note = OrderState.DONE, now, user, note or ""
        order.save(update_fields=["state", "done_at", "done_by", "done_note"])
        OrderEvent.objects.create(order=order, action="done", actor=user, at=now, note=note or "")
        facility = Facility.objects.select_for_update().get(pk=order.facility_id)
        facility.open_orders = max(0, facility.open_orders - 1)
        fields = ["open_orders"]
        still_broken = WorkOrder.objects.filter(facility=facility, need=Need.REPAIR).unfinished().exists()
        # An inspector's open problem_toilet problem on it (problem_issue) keeps it on the list until verified.
        if (order.need == Need.REPAIR and facility.status == FacilityStatus.PROBLEM and not still_broken
                and facility.problem_issue_id is None):
            facility.status, facility.status_since, facility.status_reason = FacilityStatus.IN_USE, now, ""
            facility.problem_kind = ""
            fields += ["status", "status_since", "status_reason", "problem_kind"]
        facility.save(update_fields=fields)
    return order


def escalate_overdue(now=None):
    """Mark unfinished orders past their deadline as escalated (idempotent; for a timer). Returns their ids."""
    now = now or timezone.now()
    ids = []
    for order in WorkOrder.objects.unfinished().filter(deadline__lt=now, escalated_at__isnull=True):
        with transaction.atomic():
            n = WorkOrder.objects.filter(pk=order.pk, escalated_at__isnull=True).update(escalated_at=now)
            if n:
                hours = int((now - order.deadline).total_seconds() // 3600)
                OrderEvent.objects.create(order=order, action="escalate", at=now, note=f"超期{hours}小时，督办")
                ids.append(order.pk)
    return ids


def _store_photo(order, kind, processed, user):
    """(photo, created): the same picture again for the same order and kind returns the first."""
    from core.stored_photos import attach_photo

    from .photo_checks import check_order_photo

    return attach_photo(OrderPhoto(order=order, kind=kind, uploaded_by=user), processed, name=f"{order.pk}-{kind}",
                        same=("order", "kind"), check=check_order_photo)
