"""Start-up: how long a `manage.py` command takes from the shell, in a fresh process each time (issue 23).

- `manage.py check`: settings, apps, URLconf and the system checks. Goal ≤ 2 s.
- a light command that needs none of the scientific libraries: `print_grants` (settings only, no database). Every
  command loads the same project (the system checks load the URLconf), so this is what a timer's command pays
  before it does its work. Goal ≤ 2 s.
- `plan_route --seconds 10` on 150 problem locations of the bench database (a user's stops file), the road
  matrix included: `seconds` is the plan's total time, so the rest is start and output. Goal ≤ 12 s.

Median wall time of ROUNDS runs each; the note gives the median CPU time of the process (user + system) and the
load average, because on a shared machine wall time also measures the neighbours.
`python -m bench --only startup` runs this section alone.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.base import REPO

ROUNDS = 3
PLAN_SECONDS = 10
PLAN_STOPS = 150


def timed_run(args):
    """(wall s, CPU s) of `python manage.py ARGS` in a fresh process; fails loudly when the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=dict(os.environ),
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stops_file(path, k=PLAN_STOPS, seed=7):
    """A stops GeoJSON of k problem locations of the busiest district (the start: the first of them)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT left(town_id, 6) FROM patrol_issue GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        (district,) = cur.fetchone()
        cur.execute("SELECT ST_X(location), ST_Y(location) FROM patrol_issue TABLESAMPLE SYSTEM (1) REPEATABLE (%s)"
                    " WHERE town_id LIKE %s ORDER BY id LIMIT %s", [seed, district + "%", k + 1])
        points = cur.fetchall()
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"priority": 1}} for lon, lat in points[1:]]
    Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return points[0], len(features)


def measure(report, label, args, goal):
    runs = [timed_run(args) for _ in range(ROUNDS)]
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    load = os.getloadavg()[0]
    report("startup", label, wall, "s", f"goal ≤ {goal}; CPU {cpu:.2f} s; runs "
           f"{' / '.join(f'{w:.1f}' for w, _ in runs)}; load {load:.1f}")


def run(report):
    from bench.data import ensure_issues

    report("startup", "cores / load average (1 min) at the start", f"{os.cpu_count()} / {os.getloadavg()[0]:.1f}",
           "")
    measure(report, "manage.py check", ["check"], 2)
    measure(report, "manage.py print_grants (a light command)", ["print_grants"], 2)
    ensure_issues(1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        start, n = stops_file(Path(tmp) / "stops.geojson")
        measure(report, f"manage.py plan_route --seconds {PLAN_SECONDS} ({n} stops)",
                ["plan_route", "--stops", str(Path(tmp) / "stops.geojson"), "--start", f"{start[0]},{start[1]}",
                 "--seconds", str(PLAN_SECONDS), "--out", str(Path(tmp) / "plan.geojson")], 12)
