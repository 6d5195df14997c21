"""The shapes of the management commands: an import (ImportCommand: FILE, --user whose area the rows must lie in,
--errors for the bad rows as a workbook, the report of what was done) and a timer's job for a day (DatedCommand:
notify_deadlines, send_digest, escalate_overdue: `--today YYYY-MM-DD`, the job, one line of summary). Each command
itself is a thin wrapper over its app's module."""
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from .errors import DomainError
from .spreadsheets import errors_workbook


class ImportCommand(BaseCommand):
    """Subclasses set `help` and `user_help`, and define `run(account, path, options)` → an import result
    (`total`, `errors`, …) and `summary(result)` → its one-line report; `check_user(account)` may refuse."""

    user_help = "username of staff whose area the rows must lie in"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help=self.user_help)
        parser.add_argument("--errors", help="write the bad rows to this .xlsx to fix and import again")

    def check_user(self, account):
        pass

    def run(self, account, path, options):
        raise NotImplementedError

    def summary(self, result):
        raise NotImplementedError

    def handle(self, file, user, errors, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在（no such file）：{file}")
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"用户不存在（no such user）：{user}")
        self.check_user(account)
        try:
            result = self.run(account, path, options)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.summary(result))
        for e in result.errors:
            self.stdout.write(f"  第 {e['row']} 行：{e['reason']}")
        if errors and result.errors:
            Path(errors).write_bytes(errors_workbook(result))
            self.stdout.write(f"错误行已写入 {errors}")


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
