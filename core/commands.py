"""What every import command shares: FILE, --user whose area the rows must lie in, --errors for the bad rows as a
workbook, and the report of what was done. The command itself is a thin wrapper over its app's import module."""
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
