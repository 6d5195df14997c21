from django.core.management.base import BaseCommand

from notifications.channels import send_queued


class Command(BaseCommand):
    help = "Send queued notifications (WeCom/DingTalk robots, e-mail, SMS). Run every minute by the timer."

    def add_arguments(self, parser):
        parser.add_argument("--retry-now", action="store_true", help="retry failed deliveries now, not after backoff")

    def handle(self, retry_now, **options):
        stats = send_queued(retry_now=retry_now)
        self.stdout.write(f"已发送 {stats['sent']} 条，失败待重试 {stats['failed']} 条，放弃 {stats['gave_up']} 条")
