import sys

from django.core.management.base import CommandError

from core.commands import ImportCommand
from patrol import imports
from patrol.services import may


class Command(ImportCommand):
    help = ("Bulk import problems from FILE.xlsx or FILE.csv "
            "(columns: 经度, 纬度, 坐标系?, 类别, 描述, 日期, 来源, 编号?). Rows go through the same rules as the API; "
            "importing the same rows again creates nothing new.")
    user_help = "username of the reporter (needs a role that may report)"

    def check_user(self, account):
        if not may(account, "report"):
            raise CommandError(f"{account.username} ({account.get_role_display()}) may not report problems")

    def run(self, account, path, options):
        step = {"last": -1}

        def progress(done, total):
            pct = done * 100 // total
            if total >= 200 and pct != step["last"] and (pct % 5 == 0 or done == total):
                step["last"] = pct
                sys.stderr.write(f"\r导入进度 {done}/{total}（{pct}%）")
                if done == total:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        return imports.import_file(account, path.read_bytes(), path.name, progress)

    def summary(self, result):
        return f"共 {result.total} 行：新建 {result.created}，已存在 {result.existing}，失败 {len(result.errors)}"
