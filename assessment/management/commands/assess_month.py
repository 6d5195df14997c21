import time

from django.core.management.base import BaseCommand, CommandError

from assessment import monthly as assessment
from assessment import results, services
from core.errors import DomainError
from core.months import parse_month


class Command(BaseCommand):
    help = ("Assess a month (default: the last complete one) for an area and print its red–black list; the "
            "metrics of an ended month are kept (recomputed when its history grows). An ended month is then "
            "closed in the area's districts: its scorecards are frozen and it keeps the schemes it was assessed "
            "with (a district admin may reopen it), and each district's metrics of it are computed and kept, so "
            "the first view of its ranking need not read the history. For a monthly timer.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--area", default="", help="district, town or village code (default: everything)")
        parser.add_argument("--no-close", action="store_true", help="assess only; leave the month open")

    def handle(self, month, area, no_close=False, **options):
        try:
            month = parse_month(month) if month else assessment.last_complete_month()
            started = time.perf_counter()
            result = results.month(area or "", month)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        flagged = [r for r in result.rows if r["flags"]]
        unscored = sum(1 for r in result.rows if r["score"] is None)
        self.stdout.write(f"{result.label} 考核（{'、'.join(s['name'] for s in result.schemes)}）："
                          f"{len(result.rows)} 个行政村，未评分 {unscored} 个，标记 {len(flagged)} 个，"
                          f"用时 {time.perf_counter() - started:.1f} 秒")
        for label, rows in (("红榜", result.red_list), ("黑榜", result.black_list)):
            names = "、".join(f"{r['name']}（{r['score_text']}）" for r in rows[:20])
            self.stdout.write(f"{label}：{names or '无'}")
        if flagged:
            self.stdout.write("标记：" + "、".join(f"{r['name']}（{r['score_text']}，{r['flags'][0]['code']}）"
                                                 for r in flagged[:30]))
        for w in result.warnings:
            self.stdout.write(f"注意：{w}")
        if not no_close:
            if month > assessment.last_complete_month():  # this month (or later) has not ended
                self.stdout.write("本月尚未结束，未关账")
                return
            try:
                closed = services.close_month(month, area or "")
                started = time.perf_counter()
                kept = services.keep_month_metrics(month, area or "")
            except DomainError as exc:
                raise CommandError(exc.detail) from exc
            self.stdout.write(f"{month:%Y-%m} 已关账：{', '.join(closed) if closed else '（此前已关账）'}")
            self.stdout.write(f"{month:%Y-%m} 各区月度指标已预先计算：{', '.join(kept) or '无'}，"
                              f"用时 {time.perf_counter() - started:.1f} 秒")
