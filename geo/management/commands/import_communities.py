from django.core.management.base import CommandError

from core.commands import ImportCommand
from geo import communities


class Command(ImportCommand):
    help = ("Import 党建共同体 from FILE.xlsx (columns: 共同体名称, 共同体书记, 行政村代码; one row per village) "
            "for the user's district. One transaction: a bad file changes nothing and each error names its row and "
            "column. Found again by name: importing again updates the communities' villages and never duplicates one.")
    user_help = "username of district staff (the villages must lie in their district)"

    def check_user(self, account):
        if not communities.may_import(account):
            raise CommandError(f"{account.username} 不是区级工作人员，不能导入党建共同体（needs a district area）")

    def run(self, account, path, options):
        self.failed = False
        result = communities.import_file(account, path.read_bytes(), path.name)
        self.failed = bool(result.errors)
        return result

    def summary(self, result):
        return result.summary

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if self.failed:
            raise CommandError("文件有错误，未导入（nothing was changed）")
