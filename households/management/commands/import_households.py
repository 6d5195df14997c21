from core.commands import ImportCommand
from households import imports


class Command(ImportCommand):
    help = ("Import households from FILE.xlsx or FILE.csv (columns: code, village, group, address, longitude, "
            "latitude, head, phone, members, resident 是/否). Idempotent by code: the same file twice changes nothing.")
    user_help = "username of village, town or district staff"

    def run(self, account, path, options):
        return imports.import_file(account, path.read_bytes(), path.name)

    def summary(self, result):
        return (f"共 {result.total} 行：新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
                f"失败 {len(result.errors)}")
