"""Plan routes through the stops of a GeoJSON file (no database plan is saved): see planning.routefile."""
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from planning.routefile import plan_file


def lon_lat(value):
    try:
        lon, lat = (float(x) for x in value.split(","))
    except ValueError:
        raise CommandError(f"--start 应为 经度,纬度：{value!r}") from None
    return lon, lat


class Command(BaseCommand):
    help = "为 GeoJSON 点位规划巡查路线（多组、工作时长、停留时间），输出 GeoJSON。"

    def add_arguments(self, parser):
        parser.add_argument("--stops", required=True, help="点位 GeoJSON（Point 要素，可选属性 priority、service_min）")
        parser.add_argument("--start", required=True, help="出发点 经度,纬度")
        parser.add_argument("--teams", type=int, default=1)
        parser.add_argument("--hours", type=float, default=None, help="每组工作时长（小时）；不给则不限")
        parser.add_argument("--speed-kmh", type=float, default=None)
        parser.add_argument("--service-min", type=float, default=None)
        parser.add_argument("--seconds", type=float, default=None, help="求解时间（秒）")
        parser.add_argument("--seed", type=int, default=0, help="随机种子")
        parser.add_argument("--no-balance", action="store_true", help="多组时不均衡各组工作量")
        parser.add_argument("--out", required=True, help="输出 GeoJSON 文件")

    def handle(self, *args, **o):
        try:
            summary = plan_file(o["stops"], lon_lat(o["start"]), o["out"], teams=o["teams"], hours=o["hours"],
                                speed_kmh=o["speed_kmh"], service_min=o["service_min"], seconds=o["seconds"],
                                seed=o["seed"], balance=False if o["no_balance"] else None)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(
            f"{summary['visited']}/{summary['stops']} stops in {summary['teams']} team(s), "
            f"{summary['distance_m'] / 1000:.1f} km, matrix {summary['matrix']}, "
            f"{summary['estimated_legs']}/{summary['legs']} legs estimated from straight lines "
            f"(great-circle × detour), {summary['seconds']:.1f} s → {o['out']}")
