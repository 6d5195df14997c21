"""Writing notifications: who hears about what, the inbox rows and the queued deliveries.

Everything here runs inside the transaction of the event that causes it (signal receivers), so a notification
exists exactly when its event does; nothing here talks to the network (the worker does, from the queue).
Recipients never leave the area of the problem or order: every candidate is checked with geo.scope.
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from geo import scope

from .models import Channel, ChannelKind, Delivery, Kind, Notification, Preference


def conf(name):
    return settings.NOTIFY[name]


def _active():
    return User.objects.filter(is_active=True)


# --- recipients ------------------------------------------------------------------------------------


def responsible(issue):
    """The village (or grid) people of the problem's place; the town staff when the village has nobody."""
    users = list(_active().filter(area_code__in=[c for c in (issue.village_id, issue.grid_id) if c])
                 .exclude(role=Role.LEADER))
    return users or list(_active().filter(area_code=issue.town_id, role=Role.TOWN))


def town_staff(town_code):
    return list(_active().filter(area_code=town_code, role=Role.TOWN))


def addressee_staff(code):
    return list(_active().filter(area_code=code, role__in=(Role.TOWN, Role.VILLAGE)))


def in_issue_area(users, issue):
    return [u for u in users if scope.covers_place(scope.of(u), issue.town_id, issue.village_id, issue.grid_id)]


def in_order_area(users, order):
    return [u for u in users if scope.touches(scope.of(u), order.addressee_code)]


# --- writing -----------------------------------------------------------------------------------------


def notify(kind, text, users, *, key, issue=None, order=None, area_codes=(), now=None):
    """Inbox rows for `users` (once per user and key), and deliveries: one per configured channel attached to
    any of `area_codes` (once per event, not per recipient) and one per user channel each recipient chose."""
    now = now or timezone.now()
    users = {u.pk: u for u in users if u is not None}
    rows = [Notification(user_id=pk, kind=kind, text=text, issue=issue, order=order, key=key, created=now)
            for pk in users]
    if rows:
        # On a repeat (a daily job run twice) the existing rows come back with their ids, nothing is added.
        rows = Notification.objects.bulk_create(rows, update_conflicts=True, unique_fields=["user", "key"],
                                                update_fields=["key"])
    deliveries = []
    if area_codes:
        for channel in _channels(area_codes):
            deliveries.append(Delivery(key=f"{key}:ch{channel.pk}", kind=channel.kind, channel=channel,
                                       target=channel.target, text=text, next_at=now, created=now))
    if rows and (conf("EMAIL") or conf("SMS_BACKEND")):
        deliveries += _personal(rows, users, text, now)
    if deliveries:
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return rows


def _channels(area_codes):
    """Enabled channels of configured kinds attached to any of the areas (read each time: a channel switched
    off or deleted in the admin must never be used again, whichever process serves the next event)."""
    kinds = [ChannelKind.WECOM, ChannelKind.DINGTALK]
    if conf("EMAIL"):
        kinds.append(ChannelKind.EMAIL)
    if conf("SMS_BACKEND"):
        kinds.append(ChannelKind.SMS)
    return Channel.objects.filter(enabled=True, area_code__in=list(area_codes), kind__in=kinds)


def _personal(rows, users, text, now):
    out = []
    chosen = Preference.objects.filter(Q(email=True) | Q(sms=True), user_id__in=list(users))
    prefs = {p.user_id: p for p in chosen}
    for row in rows:
        pref = prefs.get(row.user_id)
        if pref is None:
            continue
        at = after_quiet(pref, now)
        user = users[row.user_id]
        if conf("EMAIL") and pref.email and user.email:
            out.append(Delivery(key=f"n{row.pk}:email", kind=ChannelKind.EMAIL, notification=row,
                                target=user.email, text=text, next_at=at, created=now))
        if conf("SMS_BACKEND") and pref.sms and pref.phone:
            out.append(Delivery(key=f"n{row.pk}:sms", kind=ChannelKind.SMS, notification=row,
                                target=pref.phone, text=text, next_at=at, created=now))
    return out


def after_quiet(pref, now):
    """`now`, or the end of the user's quiet period when `now` falls inside it (it may wrap past midnight)."""
    start, end = pref.quiet_start, pref.quiet_end
    if start is None or end is None or start == end:
        return now
    local = timezone.localtime(now)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return now
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def issue_area(issue):
    return scope.containing_codes(issue.town_id, issue.village_id, issue.grid_id)


def order_area(order):
    return scope.containing_codes(scope.town_of(order.addressee_code), order.addressee_code, "")


def issue_label(issue):
    return f"问题 #{issue.pk}（{issue.category.name}）"


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, notification_id, now=None):
    from patrol.errors import NotVisible

    n = Notification.objects.filter(user=user, pk=notification_id).first()
    if n is None:
        raise NotVisible("消息不存在")
    if n.read_at is None:
        n.read_at = now or timezone.now()
        n.save(update_fields=["read_at"])
    return n


# --- daily and weekly jobs ---------------------------------------------------------------------------


def deadline_reminders(today=None, now=None):
    """due_soon for open problems whose deadline is within DUE_SOON_DAYS, overdue for those past it: once per
    problem and deadline (a second run the same day adds nothing). Returns (due_soon, overdue) counts."""
    from patrol.models import Issue

    today = today or timezone.localdate()
    soon_days = conf("DUE_SOON_DAYS")
    counts = [0, 0]
    qs = Issue.objects.open().filter(deadline__isnull=False, deadline__lte=today + timedelta(days=soon_days))
    qs = qs.select_related("category", "village").exclude(status="submitted")
    for issue in qs.iterator(chunk_size=500):
        overdue = issue.deadline < today
        kind = Kind.OVERDUE if overdue else Kind.DUE_SOON
        key = f"{kind}:{issue.pk}:{issue.deadline.isoformat()}"
        if Notification.objects.filter(key=key).exists():
            continue
        if overdue:
            text = f"{issue_label(issue)}（{issue.village.name}）已超过整改期限 {issue.deadline}，请尽快整改"
        else:
            text = (f"{issue_label(issue)}（{issue.village.name}）整改期限 {issue.deadline}，"
                    f"还有 {(issue.deadline - today).days} 天")
        notify(kind, text, in_issue_area(responsible(issue), issue), key=key, issue=issue,
               area_codes=issue_area(issue), now=now)
        counts[1 if overdue else 0] += 1
    return tuple(counts)


def weekly_digest(today=None, now=None):
    """Each leader's weekly digest: long-unresolved problems and open orders in their area (once a week)."""
    from patrol.models import Issue
    from supervision.models import OPEN_STATES, Order

    today = today or timezone.localdate()
    now = now or timezone.now()
    year, week, _ = today.isocalendar()
    days = settings.PATROL["LONG_UNRESOLVED_DAYS"]
    sent = 0
    for leader in _active().filter(role=Role.LEADER).exclude(area_code=""):
        area = scope.of(leader)
        long_qs = Issue.objects.in_area(area).long_unresolved(now=now, days=days)
        n_long = long_qs.count()
        oldest = list(long_qs.order_by("reported_at").values_list("pk", flat=True)[:5])
        orders = Order.objects.filter(scope.code_q(area, "addressee_code"), state__in=OPEN_STATES)
        n_orders = orders.count()
        text = (f"{year}年第{week}周摘要：辖区内长期未销项（超过{days}天）问题 {n_long} 个"
                + (f"（最久：{'、'.join(f'#{i}' for i in oldest)}）" if oldest else "")
                + f"；在办红色督办单 {n_orders} 件。")
        notify(Kind.DIGEST, text, [leader], key=f"digest:{year}-W{week:02d}", now=now)
        sent += 1
    return sent
