from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from patrol.services import draw_reinspection


class Command(BaseCommand):
    help = "Draw the month's re-inspection (回头看) sample per village; reproducible and stored once."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (required unless --campaign)")
        parser.add_argument("--campaign", type=int, help="draw from this campaign's closed problems instead")
        parser.add_argument("--share", type=float, default=None, help="share per village (default 0.10)")

    def handle(self, month, share, campaign, **options):
        if not month and campaign is None:
            raise CommandError("give --month YYYY-MM or --campaign ID")
        if share is not None and not 0 < share <= 1:
            raise CommandError("--share must be in (0, 1]")
        try:
            samples = draw_reinspection(month, share, campaign=campaign)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        villages = len({s.village_id for s in samples})
        what = f"专项行动 {campaign}" if campaign is not None else month
        self.stdout.write(f"{what} 回头看抽查：{len(samples)} 件，涉及 {villages} 个行政村")
