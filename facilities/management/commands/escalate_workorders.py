from django.core.management.base import BaseCommand

from facilities.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate work orders past their deadline (idempotent; run from a timer)."

    def handle(self, **options):
        ids = escalate_overdue()
        self.stdout.write(f"escalated {len(ids)} work orders")
