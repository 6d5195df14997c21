"""Attaching a channel (notify_channel) and the one check of a channel's target (that command and the admin)."""
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from geo.models import level_of

from .models import Channel, ChannelKind


def attach_channel(area_code, kind, target, secret="", enabled=True):
    from geo.models import area_exists

    if level_of(area_code) not in ("town", "district") or not area_exists(area_code):
        raise ValidationError(f"区域代码应为存在的街镇（9位）或区（6位）：{area_code!r}")
    check_target(kind, target)
    channel, created = Channel.objects.update_or_create(
        area_code=area_code, kind=kind, target=target, defaults={"secret": secret, "enabled": enabled})
    return channel, created


def check_target(kind, target):
    """A ValidationError unless `target` is something this kind of channel may send to: a robot webhook is an
    http(s) URL to one of NOTIFY["WEBHOOK_HOSTS"] (no file:, gopher:, javascript:, no credentials in the URL, no
    private or loopback address that the setting does not list), an e-mail an address, an SMS a phone number."""
    if kind not in ChannelKind.values:
        raise ValidationError(f"未知渠道 {kind!r}，可选：{', '.join(ChannelKind.values)}")
    if kind in (ChannelKind.WECOM, ChannelKind.DINGTALK):
        try:
            parts = urlparse(target)
            host = (parts.hostname or "").lower()
        except ValueError:
            parts, host = None, ""
        if parts is None or parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
            raise ValidationError(f"机器人地址应为 http(s) URL：{target!r}")
        allowed = settings.NOTIFY["WEBHOOK_HOSTS"]
        if host not in allowed:
            raise ValidationError(f"机器人地址的主机 {host} 不在允许的主机中"
                                  f"（NOTIFY_WEBHOOK_HOSTS：{'、'.join(allowed)}）")
    elif kind == ChannelKind.EMAIL:
        validate_email(target)
    elif not (target.isascii() and target.isdigit()):
        raise ValidationError(f"手机号应为数字：{target!r}")
