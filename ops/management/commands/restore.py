"""`make restore BACKUP=PATH`: restore into a fresh cluster (own data directory and socket) and verify."""
from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, RestoreMismatch, restore


class Command(BaseCommand):
    help = ("把备份恢复到一个新的 PostgreSQL 集群（独立的数据目录与套接字）并逐项核对清单；"
            "行数或照片哈希不一致时以非零状态退出。--into-current 才会恢复到当前数据库。")

    def add_arguments(self, parser):
        parser.add_argument("backup", help="备份目录（含 manifest.json）")
        parser.add_argument("--target", default="", help="新集群的目录（默认 .pg-restore/<备份名>-<时间>）")
        parser.add_argument("--into-current", action="store_true", help="恢复到当前配置的数据库（会覆盖现有数据）")
        parser.add_argument("--keep-running", action="store_true", help="核对后让新集群继续运行")

    def handle(self, *args, **opts):
        try:
            report = restore(opts["backup"], target=opts["target"] or None, into_current=opts["into_current"],
                             keep_running=opts["keep_running"], log=lambda msg: self.stderr.write(msg))
        except RestoreMismatch as exc:
            for problem in exc.problems:
                self.stderr.write(f"MISMATCH {problem}")
            raise CommandError(f"restore does not match the manifest ({len(exc.problems)} differences)") from exc
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for key, value in report.items():
            self.stdout.write(f"{key}: {value}")
        if "data_dir" in report:
            self.stdout.write(f"start it with: pg_ctl -D {report['data_dir']} start "
                              f"(socket {report['socket']}; as the postgres user when root)")
