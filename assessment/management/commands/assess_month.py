import time

from django.core.management.base import BaseCommand, CommandError

from assessment import monthly as assessment
from patrol.errors import DomainError
from patrol.history import parse_month


class Command(BaseCommand):
    help = ("Assess a month (default: the last complete one) for an area and print its red–black list; the "
            "metrics of an ended month are kept (recomputed when its history grows). For a monthly timer.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--area", default="", help="district, town or village code (default: everything)")

    def handle(self, month, area, **options):
        try:
            month = parse_month(month) if month else assessment.last_complete_month()
            started = time.perf_counter()
            result = assessment.assess(month, area or None)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        flagged = [r for r in result.rows if r["flags"]]
        self.stdout.write(f"{month:%Y-%m} 考核：{len(result.rows)} 个行政村，标记 {len(flagged)} 个，"
                          f"用时 {time.perf_counter() - started:.1f} 秒")
        for label, rows in (("红榜", result.red_list), ("黑榜", result.black_list)):
            names = "、".join(f"{r['name']}（{r['score']}）" for r in rows[:20])
            self.stdout.write(f"{label}：{names or '无'}")
