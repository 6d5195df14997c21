"""`make bench`: real figures from a real run, printed as a table (and saved to bench-out/results.json).

Runs against its own database (PGDATABASE_NAME, default `bench_demo`), filled on first use with 10,000
generated villages and 1 million problems; later runs reuse it.
    python -m bench [--only SECTION,SECTION,...]   (the sections: SECTIONS below)
"""
import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PGDATABASE_NAME", "bench_demo")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SECTIONS = ["startup", "geo", "issues", "maps", "basemap", "routes", "assessment", "assessment_year", "households",
            "household_pages",
            "notifications", "campaigns", "facilities", "waterbodies", "photos", "pages", "load"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", default="", help="comma-separated sections: " + ",".join(SECTIONS))
    args = parser.parse_args(argv)
    wanted = [s for s in args.only.split(",") if s] or SECTIONS
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

    from bench.base import ensure_database

    ensure_database()
    results = []

    def report(section, name, value, unit="", note=""):
        row = {"section": section, "name": name, "value": value, "unit": unit, "note": note}
        results.append(row)
        print(f"  {section:<11} {name:<52} {_fmt(value):>12} {unit:<8} {note}", flush=True)

    started = time.time()
    for section in wanted:
        module = importlib.import_module(f"bench.{section}")
        print(f"[bench] {section} ...", flush=True)
        module.run(report)
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print()
    print(f"{'section':<11} {'measure':<52} {'value':>12} {'unit':<8} target / note")
    print("-" * 110)
    for r in results:
        print(f"{r['section']:<11} {r['name']:<52} {_fmt(r['value']):>12} {r['unit']:<8} {r['note']}")
    print(f"\n[bench] done in {time.time() - started:.0f} s; saved to bench-out/results.json")
    return 0


def _fmt(value):
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
