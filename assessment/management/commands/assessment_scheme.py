from django.core.management.base import BaseCommand, CommandError

from assessment import schemes
from core.errors import DomainError


class Command(BaseCommand):
    help = ("Set the assessment scheme (考核方案) of a district or a town and its parameters; a town's scheme wins "
            "over its district's. Schemes: " + ", ".join(schemes.SCHEMES))

    def add_arguments(self, parser):
        parser.add_argument("area_code", help="district (6 digits) or town (9 digits) code")
        parser.add_argument("scheme", nargs="?", help=" | ".join(schemes.SCHEMES))
        parser.add_argument("--explain", action="store_true",
                            help="print the scheme in force for the area, each rule with its source (a plan's "
                                 "sentence, or a project default)")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="values",
                            help="a parameter, e.g. --set bottom_n=5 --set rank_scope=district")

    def handle(self, area_code, scheme, values, explain=False, **options):
        if explain:
            return self.explain(area_code)
        if not scheme:
            raise CommandError("请指定考核方案（或用 --explain 查看现行方案）")
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

    def explain(self, area_code):
        from geo import scope
        from geo.models import District, Town, Village

        if not (District.objects.filter(code=area_code).exists() or Town.objects.filter(code=area_code).exists()
                or Village.objects.filter(code=area_code).exists()):
            raise CommandError(f"区、街镇或行政村不存在：{area_code}")
        town = scope.town_of(area_code) if len(area_code) > 6 else None
        name, params = schemes.effective(town) if town else schemes.effective(area_code + "000")
        if not town:
            row = schemes._settings().get(area_code)
            if row is not None and row.scheme in schemes.SCHEMES:
                name, params = row.scheme, schemes.get(row.scheme).params(row.parameters)
        scheme = schemes.get(name)
        self.stdout.write(f"{area_code} 现行考核方案：{scheme.title}（{name}；来源：{scheme.source}）")
        for i, (rule, source) in enumerate(scheme.explain(params), 1):
            self.stdout.write(f"{i}. {rule}\n   来源：{source}")
        self.stdout.write("参数：")
        for key, value in params.items():
            self.stdout.write(f"  {key} = {value}　{scheme.labels.get(key, '')}")
