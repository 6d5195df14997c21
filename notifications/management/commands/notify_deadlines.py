from core.commands import DatedCommand
from notifications.services import deadline_reminders


class Command(DatedCommand):
    help = "Daily: remind the responsible people of deadlines in 3 days and of overdue problems (once each)."

    def run(self, today, **options):
        soon, overdue = deadline_reminders(today=today)
        return f"即将到期提醒 {soon} 件，超期提醒 {overdue} 件"
