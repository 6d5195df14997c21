"""The demo's inboxes after a year: what people read. Every notification was written by the real receivers as
the year's events were told (notifications.receivers, each at its event's moment); here the old ones are marked
read, as a person working through the year would have, so an inbox shows the last days' unread and not a year's.

- older than READ_AFTER_DAYS: read, 20 minutes to about two days after it arrived (never later than now);
- newer: about a third read, the rest waiting.

Before that, the leaders' weekly digests of the last DIGEST_WEEKS weeks are sent, each on its Monday morning
(notifications.services.weekly_digest, as the weekly job sends them): a leader's inbox holds only those.
"""
from datetime import datetime, time, timedelta

from django.db import connection
from django.utils import timezone

READ_AFTER_DAYS = 3
DIGEST_WEEKS = 6

# Raw SQL: each row's own reading delay, drawn from its id, in one UPDATE (the ORM cannot multiply an interval by
# a per-row number portably); the demo's thousands of rows would otherwise be one query each.
READ_SQL = """
UPDATE notifications_notification
SET read_at = LEAST(created + make_interval(mins => (20 + (id * 7919) %% 2860)::int), %(now)s)
WHERE read_at IS NULL AND created <= %(now)s AND (created < %(cutoff)s OR id %% 3 = 0)
"""


def settle(now=None):
    """Mark the demo's old notifications read (see the module docstring); returns how many."""
    now = now or timezone.now()
    with connection.cursor() as cur:
        cur.execute(READ_SQL, {"now": now, "cutoff": now - timedelta(days=READ_AFTER_DAYS)})
        return cur.rowcount


def digests(now=None, weeks=DIGEST_WEEKS):
    """The leaders' weekly digests of the last `weeks` weeks, each sent on its Monday at 08:30; returns how many."""
    from notifications.services import weekly_digest

    now = now or timezone.now()
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    sent = 0
    for k in range(weeks - 1, -1, -1):
        day = monday - timedelta(weeks=k)
        at = timezone.make_aware(datetime.combine(day, time(8, 30)))
        if at <= now:
            sent += weekly_digest(today=day, now=at)
    return sent
