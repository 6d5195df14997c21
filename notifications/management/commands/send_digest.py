from datetime import date

from django.core.management.base import BaseCommand, CommandError

from notifications.services import weekly_digest


class Command(BaseCommand):
    help = "Weekly: each leader's digest of long-unresolved problems and open orders in their area (once a week)."

    def add_arguments(self, parser):
        parser.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, today, **options):
        try:
            today = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD: {today!r}") from exc
        self.stdout.write(f"已生成领导每周摘要 {weekly_digest(today=today)} 份")
