from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from facilities.models import Operator


class Command(BaseCommand):
    help = "Create or rename a service company (服务运营公司): add_operator CODE NAME [--phone P]."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("--phone", default="")

    def handle(self, code, name, phone, **options):
        operator = Operator.objects.filter(code=code).first() or Operator(code=code)
        operator.name = name
        if phone:
            operator.phone = phone
        try:
            operator.full_clean()
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        operator.save()
        self.stdout.write(f"operator {operator.code}: {operator.name}")
