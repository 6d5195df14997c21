from django.core.management.base import BaseCommand, CommandError

from assessment import schemes
from core.errors import DomainError


class Command(BaseCommand):
    help = ("Set the assessment scheme (考核方案) of a district or a town and its parameters; a town's scheme wins "
            "over its district's. Schemes: " + ", ".join(schemes.SCHEMES))

    def add_arguments(self, parser):
        parser.add_argument("area_code", help="district (6 digits) or town (9 digits) code")
        parser.add_argument("scheme", help=" | ".join(schemes.SCHEMES))
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="values",
                            help="a parameter, e.g. --set bottom_n=5 --set rank_scope=district")

    def handle(self, area_code, scheme, values, **options):
        parsed = {}
        for item in values:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--set 应为 KEY=VALUE：{item!r}")
            parsed[key.strip()] = value.strip()
        try:
            setting = schemes.set_scheme(area_code, scheme, parsed)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        params = schemes.get(scheme).params(setting.parameters)
        self.stdout.write(f"{area_code} → {scheme}：" + "，".join(f"{k}={v}" for k, v in params.items()))
