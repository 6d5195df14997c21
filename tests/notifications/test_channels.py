"""Delivery beyond the inbox: robot webhooks (a local server plays the robot), e-mail, the queue and its worker."""
import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs, quote_plus, urlparse

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Role
from notifications.fake_robot import Robot
from notifications.models import Channel, Delivery, Preference
from notifications.services import after_quiet
from patrol.services import transition_issue
from tests.factories import DISTRICT, TOWN_A, TOWN_B, make_issue, make_user

V1 = "310112102201"


@pytest.fixture
def people(geography):
    return {"town_a": make_user(Role.TOWN, TOWN_A), "village": make_user(Role.VILLAGE, V1),
            "village2": make_user(Role.VILLAGE, V1 + "001"), "inspector": make_user(Role.INSPECTOR, DISTRICT)}


@pytest.fixture(autouse=True)
def robot_host(settings):
    """The fake robot listens on the loopback address, which an office would have to list to allow."""
    settings.NOTIFY = {**settings.NOTIFY, "WEBHOOK_HOSTS": [*settings.NOTIFY["WEBHOOK_HOSTS"], "127.0.0.1"]}


def assign_one(people):
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["town_a"], issue.pk, "assign")
    return issue


def test_wecom_gets_one_message_per_event_not_per_recipient(people):
    with Robot() as robot:
        call_command("notify_channel", TOWN_A, kind="wecom", target=robot.url)
        call_command("notify_channel", TOWN_B, kind="wecom", target=robot.url + "&b=1")
        issue = assign_one(people)  # two village users are told; the town's robot once; town B's never
        assert Delivery.objects.count() == 1
        call_command("send_notifications")
        call_command("send_notifications")
        assert len(robot.accepted) == 1
        path, body = robot.accepted[0]
        assert body["msgtype"] == "text" and f"#{issue.pk}" in body["text"]["content"]
        assert "b=1" not in path
    assert Delivery.objects.get().state == "sent"


def test_500_then_retry_delivers_once(people, settings):
    with Robot(script=["500"]) as robot:
        call_command("notify_channel", TOWN_A, kind="wecom", target=robot.url)
        assign_one(people)
        call_command("send_notifications")
        d = Delivery.objects.get()
        assert d.state == "pending" and d.attempts == 1 and "500" in d.last_error
        assert d.next_at > timezone.now() + timedelta(seconds=30)  # backed off
        call_command("send_notifications")  # not due yet: nothing sent
        assert len(robot.requests) == 1
        call_command("send_notifications", retry_now=True)
        call_command("send_notifications", retry_now=True)
        assert len(robot.requests) == 2 and len(robot.accepted) == 1
    d.refresh_from_db()
    assert d.state == "sent" and d.attempts == 2


def test_timeout_is_a_failed_attempt_then_retried(people, settings):
    settings.NOTIFY = {**settings.NOTIFY, "TIMEOUT_SECONDS": 0.3}
    with Robot(script=["slow"], slow_seconds=1.5) as robot:
        call_command("notify_channel", TOWN_A, kind="wecom", target=robot.url)
        assign_one(people)
        call_command("send_notifications")
        d = Delivery.objects.get()
        assert d.state == "pending" and d.attempts == 1 and "timeout" in d.last_error.lower().replace(" ", "")
        call_command("send_notifications", retry_now=True)
        assert len(robot.accepted) == 1
    d.refresh_from_db()
    assert d.state == "sent"


def test_gives_up_after_max_attempts(people, settings):
    settings.NOTIFY = {**settings.NOTIFY, "MAX_ATTEMPTS": 2}
    with Robot(default="500") as robot:
        call_command("notify_channel", TOWN_A, kind="wecom", target=robot.url)
        assign_one(people)
        call_command("send_notifications")
        call_command("send_notifications", retry_now=True)
        call_command("send_notifications", retry_now=True)
        assert len(robot.requests) == 2
    assert Delivery.objects.get().state == "failed"


def test_dingtalk_signature(people):
    secret = "SECtest0123456789"
    with Robot() as robot:
        call_command("notify_channel", TOWN_A, kind="dingtalk", target=robot.url, secret=secret)
        assign_one(people)
        call_command("send_notifications")
        path, body = robot.accepted[0]
    query = parse_qs(urlparse(path).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    assert abs(int(timestamp) - timezone.now().timestamp() * 1000) < 60_000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
                                .digest()).decode()
    assert query["sign"][0] == expected  # urlencoded on the URL, decoded here
    assert "sign=" + quote_plus(expected) in path
    assert body == {"msgtype": "text", "text": {"content": body["text"]["content"]}}


def test_channel_off_gets_nothing(people):
    with Robot() as robot:
        call_command("notify_channel", TOWN_A, kind="wecom", target=robot.url, off=True)
        assert Channel.objects.get().enabled is False
        assign_one(people)
        call_command("send_notifications")
        assert robot.requests == []
    assert not Delivery.objects.exists()


def test_email_only_when_configured_and_chosen(people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people["village"].email = "cun@example.org"
    people["village"].save()
    Preference.objects.create(user=people["village"], email=True)
    call_command("notify_channel", TOWN_A, kind="email", target="zhen@example.org")
    assign_one(people)  # NOTIFY_EMAIL is off: nothing queued
    assert not Delivery.objects.exists()
    settings.NOTIFY = {**settings.NOTIFY, "EMAIL": True}
    assign_one(people)
    assert sorted(Delivery.objects.values_list("target", flat=True)) == ["cun@example.org", "zhen@example.org"]
    call_command("send_notifications")
    assert sorted(m.to[0] for m in mail.outbox) == ["cun@example.org", "zhen@example.org"]


def test_quiet_period_defers_personal_messages(people):
    from datetime import time

    pref = Preference(user=people["village"], quiet_start=time(22, 0), quiet_end=time(7, 0))
    night = timezone.make_aware(timezone.datetime(2026, 12, 1, 23, 30))
    morning = after_quiet(pref, night)
    assert timezone.localtime(morning).hour == 7 and timezone.localtime(morning).day == 2
    noon = timezone.make_aware(timezone.datetime(2026, 12, 1, 12, 0))
    assert after_quiet(pref, noon) == noon


def test_notify_channel_refuses_bad_input(people):
    with pytest.raises(CommandError, match="街镇"):
        call_command("notify_channel", V1, kind="wecom", target="http://127.0.0.1/x")
    with pytest.raises(CommandError, match="URL"):
        call_command("notify_channel", TOWN_A, kind="dingtalk", target="not-a-url")
    with pytest.raises(CommandError):
        call_command("notify_channel", TOWN_A, kind="email", target="nobody")
    assert not Channel.objects.exists()


@pytest.mark.parametrize("target", [
    "file:///etc/passwd", "gopher://qyapi.weixin.qq.com/x", "javascript:alert(1)",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/hook", "http://[::1]/hook", "http://localhost/hook",
    "https://evil.example.com/cgi-bin/webhook/send", "https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send",
])
def test_a_robot_target_outside_the_allowed_hosts_is_refused_by_the_command_and_the_admin(people, target):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    with pytest.raises(CommandError, match="URL|主机"):
        call_command("notify_channel", TOWN_A, kind="wecom", target=target)
    admin = site._registry[Channel]
    request = RequestFactory().post("/admin/")
    request.user = make_user(Role.ADMIN, "")
    form = admin.get_form(request)(data={"area_code": TOWN_A, "kind": "wecom", "target": target, "enabled": "on"})
    assert not form.is_valid() and "target" in form.errors
    assert not Channel.objects.exists()


def test_the_robot_services_and_a_listed_gateway_are_accepted(people, settings):
    call_command("notify_channel", TOWN_A, kind="wecom",
                 target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    call_command("notify_channel", TOWN_A, kind="dingtalk", target="https://oapi.dingtalk.com/robot/send?access_token=x")
    with pytest.raises(CommandError, match="主机"):
        call_command("notify_channel", TOWN_A, kind="wecom", target="http://10.20.0.7/robot")
    settings.NOTIFY = {**settings.NOTIFY, "WEBHOOK_HOSTS": [*settings.NOTIFY["WEBHOOK_HOSTS"], "10.20.0.7"]}
    call_command("notify_channel", TOWN_A, kind="wecom", target="http://10.20.0.7/robot")
    assert Channel.objects.count() == 3


def test_robot_body_is_plain_json():
    from notifications.channels import robot_body

    assert json.loads(robot_body("你好")) == {"msgtype": "text", "text": {"content": "你好"}}
