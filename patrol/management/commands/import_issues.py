import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.errors import DomainError
from core.spreadsheets import errors_workbook
from patrol import imports
from patrol.services import may


class Command(BaseCommand):
    help = ("Bulk import problems from FILE.xlsx or FILE.csv "
            "(columns: 经度, 纬度, 坐标系?, 类别, 描述, 日期, 来源, 编号?). Rows go through the same rules as the API; "
            "importing the same rows again creates nothing new.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username of the reporter (needs a role that may report)")
        parser.add_argument("--errors", help="write the bad rows to this .xlsx to fix and import again")

    def handle(self, file, user, errors, **options):
        reporter = User.objects.filter(username=user).first()
        if reporter is None:
            raise CommandError(f"no such user: {user}")
        if not may(reporter, "report"):
            raise CommandError(f"{user} ({reporter.get_role_display()}) may not report problems")
        path = Path(file)
        if not path.exists():
            raise CommandError(f"no such file: {file}")
        step = {"last": -1}

        def progress(done, total):
            pct = done * 100 // total
            if total >= 200 and pct != step["last"] and (pct % 5 == 0 or done == total):
                step["last"] = pct
                sys.stderr.write(f"\r导入进度 {done}/{total}（{pct}%）")
                if done == total:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        try:
            result = imports.import_file(reporter, path.read_bytes(), path.name, progress)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"共 {result.total} 行：新建 {result.created}，已存在 {result.existing}，"
                          f"失败 {len(result.errors)}")
        for e in result.errors:
            self.stdout.write(f"  第 {e['row']} 行：{e['reason']}")
        if errors and result.errors:
            Path(errors).write_bytes(errors_workbook(result))
            self.stdout.write(f"错误行已写入 {errors}")
