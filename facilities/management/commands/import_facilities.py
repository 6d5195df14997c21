from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.errors import DomainError
from core.spreadsheets import errors_workbook
from facilities import imports


class Command(BaseCommand):
    help = ("Import facilities from .xlsx/.csv (code, kind, name, longitude, latitude, operator) or .gpkg/.shp; "
            "idempotent by code; bad rows reported by number.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="whose area the facilities must lie in")
        parser.add_argument("--errors", help="write the bad rows to this .xlsx")
        parser.add_argument("--encoding", help="shapefile text encoding when neither .cpg nor the DBF says it")
        parser.add_argument("--srs", help="coordinate system when the file has none, e.g. EPSG:4549")

    def handle(self, file, user, errors, encoding, srs, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"用户不存在：{user}")
        try:
            result = imports.import_file(account, path, path.name, encoding=encoding, srs=srs)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        for e in result.errors:
            self.stderr.write(f"第 {e['row']} 行：{e['reason']}")
        if errors and result.errors:
            Path(errors).write_bytes(errors_workbook(result))
        self.stdout.write(f"total={result.total} created={result.created} updated={result.updated} "
                          f"unchanged={result.unchanged} failed={len(result.errors)}")
