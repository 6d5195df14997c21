from datetime import date

from django.core.management.base import BaseCommand, CommandError

from notifications.services import deadline_reminders


class Command(BaseCommand):
    help = "Daily: remind the responsible people of deadlines in 3 days and of overdue problems (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, today, **options):
        try:
            today = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD: {today!r}") from exc
        soon, overdue = deadline_reminders(today=today)
        self.stdout.write(f"即将到期提醒 {soon} 件，超期提醒 {overdue} 件")
