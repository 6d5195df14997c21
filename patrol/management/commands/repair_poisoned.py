from django.core.management.base import BaseCommand

from patrol import repair


class Command(BaseCommand):
    help = ("List rows stored with NaN/±Infinity or off-globe coordinates; with --apply set the mutable ones "
            "(problem accuracy/extent, photo EXIF position) to NULL. History events are never rewritten: they "
            "are listed and read as 'no location'. Exit status 1 when a problem's own location is poisoned "
            "(that needs a person to decide where it is).")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="repair (default: only list)")

    def handle(self, apply, **options):
        found, changed = repair.repair() if apply else (repair.find(), {})
        for name, ids in found.items():
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            action = (f"已修复 {changed[name]} 行" if name in changed else
                      "历史记录只追加，不改写；读取时按无位置处理" if name == "event_location" and ids else "")
            self.stdout.write(f"{name}: {len(ids)} 行{'（' + shown + '）' if ids else ''} {action}".rstrip())
        if found["issue_location"]:
            raise SystemExit(1)
