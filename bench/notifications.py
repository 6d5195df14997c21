"""Notifications: what the inbox adds to a transition, and how fast the worker empties the queue.

- report → assign with the notification receivers connected, against the same with them disconnected
  (interleaved, same machine), p95 of each and the difference (target ≤ 5 ms p95 added);
- send_notifications: 1,000 queued WeCom robot messages to a local robot server (target ≤ 10 s).
"""
import time
import uuid

from bench.base import ensure_villages, percentile

N_ASSIGN = 300
N_SEND = 1000


def _people(village):
    from accounts.models import Role, User

    def user(name, role, area):
        u = User.objects.filter(username=name).first()
        if u is None:
            u = User.objects.create_user(name, password=None, role=role, area_code=area)
        return u

    return (user("bench_nt_inspector", Role.INSPECTOR, village.town_id),
            user("bench_nt_town", Role.TOWN, village.town_id), user("bench_nt_village", Role.VILLAGE, village.code),
            user("bench_nt_village2", Role.VILLAGE, village.code))


def _extra_queries(inspector, town, point):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import receivers
    from patrol import signals
    from patrol.services import report_issue, transition_issue

    counts = []
    for notify in (True, False):
        if not notify:
            signals.issue_transitioned.disconnect(dispatch_uid="notify-transition")
        try:
            issue = report_issue(inspector, lon=point.x, lat=point.y, category="dry_toilet",
                                 client_uuid=uuid.uuid4()).issue
            with CaptureQueriesContext(connection) as ctx:
                transition_issue(town, issue.pk, "assign")
            counts.append(len(ctx.captured_queries))
        finally:
            if not notify:
                receivers.connect()
    return counts[0] - counts[1]


def run(report):
    from django.db import transaction

    from geo.models import Village
    from notifications import receivers
    from notifications.channels import send_queued
    from notifications.fake_robot import Robot
    from notifications.models import Channel, Delivery, DeliveryState
    from patrol import signals
    from patrol.services import report_issue, transition_issue

    ensure_villages()
    village = Village.objects.order_by("code").first()
    inspector, town, _, _ = _people(village)
    point = village.boundary.point_on_surface
    Channel.objects.get_or_create(area_code=village.town_id, kind="wecom", target="http://127.0.0.1:9/bench",
                                  defaults={"enabled": True})
    with_ms, without_ms = [], []
    for i in range(N_ASSIGN * 2):
        notify = i % 2 == 0
        if not notify:
            signals.issue_transitioned.disconnect(dispatch_uid="notify-transition")
        try:
            issue = report_issue(inspector, lon=point.x, lat=point.y, category="dry_toilet",
                                 client_uuid=uuid.uuid4()).issue
            t = time.perf_counter()
            transition_issue(town, issue.pk, "assign")
            (with_ms if notify else without_ms).append((time.perf_counter() - t) * 1000)
        finally:
            if not notify:
                receivers.connect()
    p_with, p_without = percentile(with_ms, 95), percentile(without_ms, 95)
    report("notify", "assign p95 with inbox + queue", p_with, "ms", f"{N_ASSIGN} transitions, 2 recipients + 1 robot")
    report("notify", "assign p95 without notifications", p_without, "ms")
    report("notify", "added by notifications (p95 difference)", p_with - p_without, "ms", "target ≤ 5 ms")
    report("notify", "added by notifications (median difference)", percentile(with_ms, 50) - percentile(without_ms, 50),
           "ms")
    report("notify", "queries added to an assign", _extra_queries(inspector, town, point), "",
           "recipients, inbox insert, channels, queue insert")
    Delivery.objects.filter(channel__target="http://127.0.0.1:9/bench").delete()

    with Robot() as robot:
        channel, _ = Channel.objects.get_or_create(area_code=village.town_id, kind="wecom", target=robot.url)
        batch = str(uuid.uuid4())[:8]
        with transaction.atomic():
            Delivery.objects.bulk_create([
                Delivery(key=f"bench:{batch}:{i}", kind="wecom", channel=channel, target=robot.url,
                         text=f"基准测试消息 {i}") for i in range(N_SEND)])
        t = time.perf_counter()
        stats = send_queued()
        seconds = time.perf_counter() - t
        channel.delete()
    report("notify", f"send_notifications {N_SEND} webhook messages", seconds, "s",
           f"sent {stats['sent']}, robot accepted {len(robot.accepted)}; target ≤ 10 s")
    assert stats["sent"] == N_SEND == len(robot.accepted), stats
    Delivery.objects.filter(state=DeliveryState.SENT, key__startswith=f"bench:{batch}:").delete()
