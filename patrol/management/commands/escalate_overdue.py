from django.core.management.base import CommandError

from core.commands import DatedCommand
from patrol.services import escalate_overdue


class Command(DatedCommand):
    help = "Raise red supervision (红色督办) for issues overdue more than N days. Idempotent: run it daily."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="overdue days before escalation (default 15)")
        super().add_arguments(parser)

    def run(self, today, days, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        raised = escalate_overdue(today=today, days=days)
        return f"红色督办新增 {len(raised)} 件" + (f"：{', '.join(map(str, raised))}" if raised else "")
