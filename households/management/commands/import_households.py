from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.errors import DomainError
from core.spreadsheets import errors_workbook
from households import imports


class Command(BaseCommand):
    help = ("Import households from FILE.xlsx or FILE.csv (columns: code, village, group, address, longitude, "
            "latitude, head, phone, members, resident 是/否). Idempotent by code: the same file twice changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username of village, town or district staff")
        parser.add_argument("--errors", help="write the bad rows to this .xlsx to fix and import again")

    def handle(self, file, user, errors, **options):
        importer = User.objects.filter(username=user).first()
        if importer is None:
            raise CommandError(f"no such user: {user}")
        path = Path(file)
        if not path.exists():
            raise CommandError(f"no such file: {file}")
        try:
            result = imports.import_file(importer, path.read_bytes(), path.name)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"共 {result.total} 行：新建 {result.created}，更新 {result.updated}，"
                          f"未变 {result.unchanged}，失败 {len(result.errors)}")
        for e in result.errors:
            self.stdout.write(f"  第 {e['row']} 行：{e['reason']}")
        if errors and result.errors:
            Path(errors).write_bytes(errors_workbook(result))
            self.stdout.write(f"错误行已写入 {errors}")
