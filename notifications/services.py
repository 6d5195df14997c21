"""Writing notifications: who hears about what, the inbox rows and the queued deliveries.

Everything here runs inside the transaction of the event that causes it (signal receivers), so a notification
exists exactly when its event does; nothing here talks to the network (the worker does, from the queue).
Recipients never leave the area of the problem or order: every candidate is checked with geo.scope.
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from geo import scope

from .models import ChannelKind, Delivery, Kind, Notification, Preference


def conf(name):
    return settings.NOTIFY[name]


def _active():
    return User.objects.filter(is_active=True)


# --- recipients ------------------------------------------------------------------------------------


# The village (or grid) people of the problem's place, the town staff when the village has nobody, and only
# those whose area holds the problem (geo.scope) — as SQL for notify's one statement (positional parameters).
RESPONSIBLE_SQL = """
SELECT u.id FROM accounts_user u
WHERE u.is_active AND u.id IS DISTINCT FROM %s AND {covering} AND (
    (u.area_code = ANY(%s) AND u.role <> 'leader')
    OR (u.area_code = %s AND u.role = 'town' AND NOT EXISTS (
        SELECT 1 FROM accounts_user v WHERE v.is_active AND v.area_code = ANY(%s) AND v.role <> 'leader')))
"""


def responsible_sql(issue, exclude=None):
    """(sql, params) selecting the ids of the people responsible for a problem (see RESPONSIBLE_SQL), without
    `exclude` (the person who acted): notify() resolves them inside its own statement, no query of their own."""
    covering, covering_params = scope.people_covering_sql(issue.town_id, issue.village_id, issue.grid_id, "u")
    local = [c for c in (issue.village_id, issue.grid_id) if c]
    return (RESPONSIBLE_SQL.format(covering=covering),
            [getattr(exclude, "pk", None), *covering_params, local, issue.town_id, local])


def town_staff(town_code):
    return list(_active().filter(area_code=town_code, role=Role.TOWN))


def addressee_staff(code):
    return list(_active().filter(area_code=code, role__in=(Role.TOWN, Role.VILLAGE)))


def in_issue_area(users, issue):
    return [u for u in users if scope.covers_place(scope.of(u), issue.town_id, issue.village_id, issue.grid_id)]


def in_order_area(users, order):
    return [u for u in users if scope.touches(scope.of(u), order.addressee_code)]


# --- writing -----------------------------------------------------------------------------------------


# Raw SQL: the inbox rows (for recipients given as ids, or as a queryset compiled by the ORM) and the channel
# deliveries in one statement, i.e. one round trip inside the event's transaction; the ORM cannot insert from a
# SELECT nor chain two INSERTs. On a repeat (a daily job run twice) the existing inbox rows come back, nothing is
# added; a channel's message is queued once per event (its key).
NOTIFY_SQL = """
WITH inbox AS (
    INSERT INTO notifications_notification (user_id, kind, text, issue_id, order_id, key, created)
    SELECT DISTINCT r.id, %s, %s, %s::bigint, %s::bigint, %s, %s::timestamptz FROM ({recipients}) r (id)
    ON CONFLICT (user_id, key) DO UPDATE SET key = EXCLUDED.key
    RETURNING id, user_id
), queued AS (
    INSERT INTO notifications_delivery (key, kind, channel_id, target, text, state, attempts, next_at, last_error,
                                        created)
    SELECT %s || ':ch' || c.id, c.kind, c.id, c.target, %s, 'pending', 0, %s, '', %s
    FROM notifications_channel c
    WHERE c.enabled AND c.area_code = ANY(%s) AND c.kind = ANY(%s)
    ON CONFLICT (key) DO NOTHING
)
SELECT id, user_id FROM inbox
"""


def notify(kind, text, users, *, key, issue=None, order=None, area_codes=(), now=None):
    """Inbox rows for `users` (once per user and key), and deliveries: one per configured channel attached to
    any of `area_codes` (once per event, not per recipient) and one per user channel each recipient chose.
    `users` is a list of users or (sql, params) selecting their ids. Returns [(notification id, user id)]."""
    now = now or timezone.now()
    if isinstance(users, tuple):
        recipients, params = users
    else:
        recipients, params = "SELECT unnest(%s::bigint[])", [sorted({u.pk for u in users if u is not None})]
    kinds = _channel_kinds() if area_codes else []
    with connection.cursor() as cur:
        cur.execute(NOTIFY_SQL.format(recipients=recipients), [
            kind, text, issue.pk if issue else None, order.pk if order else None, key, now, *params,
            key, text, now, now, list(area_codes), kinds])
        rows = cur.fetchall()
    if rows and (conf("EMAIL") or conf("SMS_BACKEND")):
        personal = _personal(rows, text, now)
        if personal:
            Delivery.objects.bulk_create(personal, ignore_conflicts=True)
    return rows


def _channel_kinds():
    """Channel kinds in use: robots always, mail and SMS only when configured. Channels are read by each
    notify (a channel switched off or deleted in the admin is never used again, whichever process serves)."""
    kinds = [ChannelKind.WECOM, ChannelKind.DINGTALK]
    if conf("EMAIL"):
        kinds.append(ChannelKind.EMAIL)
    if conf("SMS_BACKEND"):
        kinds.append(ChannelKind.SMS)
    return [str(k) for k in kinds]


def _personal(rows, text, now):
    """Deliveries to the recipients' own e-mail and phone, as each chose (rows: [(notification id, user id)])."""
    out = []
    ids = [user_id for _, user_id in rows]
    prefs = {p.user_id: p for p in Preference.objects.filter(Q(email=True) | Q(sms=True), user_id__in=ids)}
    emails = dict(User.objects.filter(pk__in=list(prefs)).values_list("pk", "email")) if prefs else {}
    for notification_id, user_id in rows:
        pref = prefs.get(user_id)
        if pref is None:
            continue
        at = after_quiet(pref, now)
        if conf("EMAIL") and pref.email and emails.get(user_id):
            out.append(Delivery(key=f"n{notification_id}:email", kind=ChannelKind.EMAIL,
                                notification_id=notification_id, target=emails[user_id], text=text, next_at=at,
                                created=now))
        if conf("SMS_BACKEND") and pref.sms and pref.phone:
            out.append(Delivery(key=f"n{notification_id}:sms", kind=ChannelKind.SMS,
                                notification_id=notification_id, target=pref.phone, text=text, next_at=at,
                                created=now))
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
    from core.errors import NotVisible

    n = Notification.objects.filter(user=user, pk=notification_id).first()
    if n is None:
        raise NotVisible("消息不存在")
    if n.read_at is None:
        n.read_at = now or timezone.now()
        n.save(update_fields=["read_at"])
    return n


def mark_all_read(user, kind=None, now=None):
    """Marks the user's unread notifications (of one kind, when given) read; returns how many were unread."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.update(read_at=now or timezone.now())


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
        notify(kind, text, responsible_sql(issue), key=key, issue=issue,
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
