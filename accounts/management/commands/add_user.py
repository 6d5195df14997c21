from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import add_user


class Command(BaseCommand):
    help = "Create or update a user with a role and an area code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--area", default="", help="district/town/village/grid code (not for operator)")
        parser.add_argument("--operator", default="", help="service company code (role operator only)")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")

    def handle(self, username, role, area, password, name, operator, **options):
        try:
            user = add_user(username, role, area, password, name, operator)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"user {user.username}: role={user.role} area={user.area_code}"
                          + (f" operator={user.operator_code}" if user.operator_code else ""))
