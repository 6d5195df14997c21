"""The owner-only fast path for the benchmark's million problems (indexes dropped and rebuilt once).

Refuses to run against a database that has real users (any account with a usable password).
"""
from django.core.management.base import BaseCommand, CommandError

from ops.bulkload import owner_bulk_load


class Command(BaseCommand):
    help = "（仅限基准测试库）以所有者角色批量生成问题及处置记录；库中有可登录的真实用户时拒绝运行。"

    def add_arguments(self, parser):
        parser.add_argument("issues", type=int, nargs="?", default=1_000_000)

    def handle(self, *args, issues, **opts):
        try:
            added = owner_bulk_load(issues, log=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"added {added} problems")
