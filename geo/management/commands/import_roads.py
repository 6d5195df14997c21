"""Load a road network (OSM XML, or lines from GeoPackage/Shapefile/GeoJSON) into the routing topology."""
from django.core.management.base import BaseCommand, CommandError

from geo.roads import RoadImportError, import_roads


class Command(BaseCommand):
    help = "导入路网（OSM XML 经 osm2pgrouting；GeoPackage/Shapefile/GeoJSON 线要素经 pyogrio）到 pgRouting 拓扑。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--replace-all", action="store_true",
                            help="先删除全部已有道路（默认只替换新路网范围内的道路）")

    def handle(self, *args, **o):
        try:
            found = import_roads(o["file"], replace_all=o["replace_all"])
        except RoadImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{found['edges']} road edges, {found['nodes']} nodes imported "
                          f"({found['replaced']} replaced)")
