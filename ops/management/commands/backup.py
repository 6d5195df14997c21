"""`make backup [BACKUP_DIR=…]`: database (pg_dump -Fc) + photo store + manifest.json; prints the path."""
from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库（pg_dump -Fc）与照片库，写出 manifest.json（各表行数、每个文件的 SHA-256），打印备份目录。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="", help="备份存放目录（默认 ./backups）")

    def handle(self, *args, **opts):
        try:
            path = backup(opts["dir"] or None, log=lambda msg: self.stderr.write(msg))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
