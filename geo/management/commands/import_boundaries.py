"""python manage.py import_boundaries PATH --level town|village|grid|district [...]: see geo.importers."""
from django.core.management.base import BaseCommand, CommandError

from geo.importers import LEVELS, BoundaryImportError, import_boundaries


class Command(BaseCommand):
    help = "从 Shapefile、GeoJSON 或 GeoPackage 导入区划边界 / import area boundaries (upsert by code, one transaction)"

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .shp, .geojson/.json or .gpkg file")
        parser.add_argument("--level", required=True, choices=LEVELS)
        parser.add_argument("--code-field", help="field holding the statistical code (default: code, dm, xzqdm, ...)")
        parser.add_argument("--name-field", help="field holding the name (default: name, mc, xzqmc, ...)")
        parser.add_argument("--parent-field", help="field holding the parent's code (default: code prefix)")
        parser.add_argument("--encoding", help="DBF text encoding when neither .cpg nor the DBF says it, e.g. GBK")
        parser.add_argument("--srs", help="coordinate system of a file without .prj (overrides it), e.g. EPSG:4549")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    def handle(self, *args, **options):
        try:
            report = import_boundaries(
                options["path"], options["level"], code_field=options["code_field"],
                name_field=options["name_field"], parent_field=options["parent_field"], encoding=options["encoding"],
                srs=options["srs"], dry_run=options["dry_run"],
                progress=lambda done, total: self.stderr.write(f"{done}/{total}"),
            )
        except BoundaryImportError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(report.summary())
