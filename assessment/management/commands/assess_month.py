import time

from django.core.management.base import BaseCommand, CommandError

from assessment import monthly as assessment
from assessment import services
from core.errors import DomainError
from core.months import parse_month


class Command(BaseCommand):
    help = ("Assess a month (default: the last complete one) for an area and print its red–black list; the "
            "metrics of an ended month are kept (recomputed when its history grows). An ended month is then "
            "closed in the area's districts: its scorecards are frozen and it keeps the schemes it was assessed "
            "with (a district admin may reopen it). For a monthly timer.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--area", default="", help="district, town or village code (default: everything)")
        parser.add_argument("--no-close", action="store_true", help="assess only; leave the month open")

    def handle(self, month, area, no_close=False, **options):
        try:
            month = parse_month(month) if month else assessment.last_complete_month()
            started = time.perf_counter()
            result = assessment.assess(month, area or None)
            schemed = services.month_result(month, area or "")
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        flagged = [r for r in result.rows if r["flags"]]
        self.stdout.write(f"{month:%Y-%m} 考核：{len(result.rows)} 个行政村，标记 {len(flagged)} 个，"
                          f"用时 {time.perf_counter() - started:.1f} 秒")
        for label, rows in (("红榜", result.red_list), ("黑榜", result.black_list)):
            names = "、".join(f"{r['name']}（{r['score']}）" for r in rows[:20])
            self.stdout.write(f"{label}：{names or '无'}")
        if schemed is not None:
            rows = [r for r in schemed["rows"] if r["scheme"] != "standard"]
            marked = [r for r in rows if r["flags"]]
            self.stdout.write(f"按考核方案（{'、'.join(schemed['schemes'])}）：{len(rows)} 个行政村，"
                              f"标记 {len(marked)} 个：" + "、".join(
                                  f"{r['name']}（{r['score']}，{r['flags'][0]['code']}）" for r in marked[:30]))
            for w in schemed["warnings"]:
                self.stdout.write(f"注意：{w}")
        if not no_close:
            if month > assessment.last_complete_month():  # this month (or later) has not ended
                self.stdout.write("本月尚未结束，未关账")
                return
            try:
                closed = services.close_month(month, area or "")
            except DomainError as exc:
                raise CommandError(exc.detail) from exc
            self.stdout.write(f"{month:%Y-%m} 已关账：{', '.join(closed) if closed else '（此前已关账）'}")
