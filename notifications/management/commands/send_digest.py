from core.commands import DatedCommand
from notifications.services import weekly_digest


class Command(DatedCommand):
    help = "Weekly: each leader's digest of long-unresolved problems and open orders in their area (once a week)."

    def run(self, today, **options):
        return f"已生成领导每周摘要 {weekly_digest(today=today)} 份"
