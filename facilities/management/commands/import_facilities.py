from core.commands import ImportCommand
from facilities import imports


class Command(ImportCommand):
    help = ("Import facilities from .xlsx/.csv (code, kind, name, longitude, latitude, operator) or .gpkg/.shp; "
            "idempotent by code; bad rows reported by number.")
    user_help = "whose area the facilities must lie in"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--encoding", help="shapefile text encoding when neither .cpg nor the DBF says it")
        parser.add_argument("--srs", help="coordinate system when the file has none, e.g. EPSG:4549")

    def run(self, account, path, options):
        return imports.import_file(account, path, path.name, encoding=options["encoding"], srs=options["srs"])

    def summary(self, result):
        return (f"total={result.total} created={result.created} updated={result.updated} "
                f"unchanged={result.unchanged} failed={len(result.errors)}")
