from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from notifications.models import ChannelKind
from notifications.setup import attach_channel


class Command(BaseCommand):
    help = "Attach a delivery channel (WeCom/DingTalk robot webhook, e-mail, SMS) to a town or district."

    def add_arguments(self, parser):
        parser.add_argument("area_code", help="town (9 digits) or district (6 digits) code")
        parser.add_argument("--kind", required=True, choices=ChannelKind.values)
        parser.add_argument("--target", required=True, help="webhook URL, e-mail address or phone number")
        parser.add_argument("--secret", default="", help="DingTalk robot signing secret (加签)")
        parser.add_argument("--off", action="store_true", help="keep it, but switched off")

    def handle(self, area_code, kind, target, secret, off, **options):
        try:
            channel, created = attach_channel(area_code, kind, target, secret, enabled=not off)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        state = "启用" if channel.enabled else "停用"
        self.stdout.write(f"{'已添加' if created else '已更新'}渠道 {channel}（{state}）")
