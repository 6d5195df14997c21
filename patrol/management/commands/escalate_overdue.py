from datetime import date

from django.core.management.base import BaseCommand, CommandError

from patrol.services import escalate_overdue


class Command(BaseCommand):
    help = "Raise red supervision (红色督办) for issues overdue more than N days. Idempotent: run it daily."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="overdue days before escalation (default 15)")
        parser.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, days, today, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        try:
            today = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD: {today!r}") from exc
        raised = escalate_overdue(today=today, days=days)
        self.stdout.write(f"红色督办新增 {len(raised)} 件" + (f"：{', '.join(map(str, raised))}" if raised else ""))
