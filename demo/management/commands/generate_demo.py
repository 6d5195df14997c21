"""python manage.py generate_demo [--villages N] [--seed S] [--replace]: see demo.geography."""
from django.core.management.base import BaseCommand, CommandError

from demo import geography as demo


class Command(BaseCommand):
    help = "生成示例区划、网格与道路（合成数据）/ generate the synthetic demo geography and road network"

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=demo.DEFAULT_VILLAGES,
                            help=f"number of villages (default {demo.DEFAULT_VILLAGES}; "
                                 f"about {demo.VILLAGES_PER_DISTRICT} per district)")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (same seed, same data)")
        parser.add_argument("--replace", action="store_true", help="delete the earlier demo data of these districts")

    def handle(self, *args, **options):
        try:
            result = demo.generate(options["villages"], options["seed"], options["replace"], log=self.stdout.write)
        except demo.DemoDataInUse as e:
            raise CommandError(str(e)) from e
        except ValueError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(result.summary())
