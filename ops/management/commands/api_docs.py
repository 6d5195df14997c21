"""python manage.py api_docs [--check]: write docs/api.md from the OpenAPI schema and docs/api-notes.md."""
from django.core.management.base import BaseCommand, CommandError

from ops import apidocs


class Command(BaseCommand):
    help = "由 OpenAPI 模式与 docs/api-notes.md 生成 docs/api.md（--check：只检查是否过期）"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 when docs/api.md differs; write nothing")

    def handle(self, *args, **options):
        text = apidocs.build()
        current = apidocs.DOC.read_text(encoding="utf-8") if apidocs.DOC.exists() else ""
        if options["check"]:
            if text != current:
                raise CommandError("docs/api.md 已过期：请运行 manage.py api_docs / docs/api.md is stale")
            self.stdout.write("docs/api.md is up to date")
            return
        apidocs.DOC.parent.mkdir(exist_ok=True)
        apidocs.DOC.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {apidocs.DOC} ({len(text.splitlines())} lines)")
