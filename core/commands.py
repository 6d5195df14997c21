"""The one shape of a timer's management command that works for a day (notify_deadlines, send_digest,
escalate_overdue): `--today YYYY-MM-DD` (default: today), the job, one line of summary."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError


class DatedCommand(BaseCommand):
    """A subclass gives `help` and run(today, **options) → the summary line; `today` is a date, or None for
    today (the job decides what today is, in the site's time zone)."""

    def add_arguments(self, parser):
        parser.add_argument("--today", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD: {today!r}") from exc
        self.stdout.write(self.run(day, **options))

    def run(self, today, **options):
        raise NotImplementedError
