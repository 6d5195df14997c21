"""Attaching a channel (used by notify_channel and tests; the admin edits Channel rows directly)."""
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from geo.models import level_of

from .models import Channel, ChannelKind


def attach_channel(area_code, kind, target, secret="", enabled=True):
    from geo.models import area_exists

    if level_of(area_code) not in ("town", "district") or not area_exists(area_code):
        raise ValidationError(f"区域代码应为存在的街镇（9位）或区（6位）：{area_code!r}")
    if kind not in ChannelKind.values:
        raise ValidationError(f"未知渠道 {kind!r}，可选：{', '.join(ChannelKind.values)}")
    if kind in (ChannelKind.WECOM, ChannelKind.DINGTALK):
        parts = urlparse(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(f"机器人地址应为 http(s) URL：{target!r}")
    elif kind == ChannelKind.EMAIL:
        validate_email(target)
    elif not target.isdigit():
        raise ValidationError(f"手机号应为数字：{target!r}")
    channel, created = Channel.objects.update_or_create(
        area_code=area_code, kind=kind, target=target, defaults={"secret": secret, "enabled": enabled})
    return channel, created
