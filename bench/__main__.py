"""Run the benchmark parts and print one line per figure."""
import os
import sys
from pathlib import Path

import django

PARTS = ["bench.routes"]


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import importlib

    from bench.routes import print_report

    wanted = sys.argv[1:] or PARTS
    for name in wanted:
        importlib.import_module(name if name.startswith("bench.") else f"bench.{name}").run(print_report)


if __name__ == "__main__":
    main()
