"""Pages (issue 24): server time of every navigation page per demo role on the demo district (p95 ≤ 300 ms), and
`/issues/` with filters over 1,000,000 problems (p95 ≤ 500 ms).

- The demo: a database of its own (PAGES_DEMO_DB, default `bench_pages_demo`) loaded by `manage.py demo_setup`,
  exactly as `make run` loads it (4 towns, 44 villages, a year of problems through the real loop; a few minutes
  once). Django holds one default database per process, so this half runs in a child process
  (`python -m bench.pages --demo`) that prints its figures as JSON.
- Each demo account (demo_setup's ACCOUNTS) GETs every link its navbar shows (workbench.nav.links_for) through
  Django's test Client with the whole middleware stack (sessions, CSP, messages): the time the server spends on the
  request, no network, in a process made ready as a served worker is (`as_served`). One warm-up request per page,
  then ROUNDS timed ones; every answer must be a 200.
- `/issues/` over 1M: the bench database's problems (ops.bulkload.ensure_issues), a district account of the busiest
  district, each filter set of FILTERS (the page's labelled filters: 街镇, 行政村, 类别, 来源, 状态, 灯色, 上报日期,
  search, sort), ROUNDS times.

`python -m bench --only pages` runs this section alone.
"""
import json
import os
import subprocess
import sys
import time

from bench.base import REPO, percentile

ROUNDS = 20
PAGE_TARGET_MS = 300
LIST_TARGET_MS = 500
N_PROBLEMS = 1_000_000


def _time(client, url, rounds=ROUNDS):
    r = client.get(url)  # warm: templates, prepared statements, caches
    assert r.status_code == 200, (url, r.status_code)
    ms = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = client.get(url)
        ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return ms


def demo_pages(rounds=ROUNDS):
    """[{role, user, label, url, p50, p95}] over every navbar link of every demo account (run in the demo DB)."""
    import statistics

    from django.test import Client

    from accounts.models import User
    from demo.management.commands.demo_setup import ACCOUNTS
    from workbench.nav import links_for

    rows = []
    for username, role, _level, _name in ACCOUNTS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for _group, links in links_for(user):
            for label, url in links:
                ms = _time(client, url, rounds)
                rows.append({"role": str(role), "user": username, "label": label, "url": url,
                             "p50": statistics.median(ms), "p95": percentile(ms, 95)})
    return rows


def _demo_child():
    """In the child: the demo database made, migrated and loaded, then the figures as one JSON line."""
    from bench.base import ensure_database

    ensure_database()
    from django.core.management import call_command

    from geo.models import District

    if not District.objects.exists():
        call_command("demo_setup", verbosity=0, stdout=sys.stderr)
    as_served()
    print(json.dumps(demo_pages()), flush=True)


def as_served():
    """This process as a served worker is when it takes requests (core.serving.prepare, as config.wsgi runs it:
    the URLconf, the libraries it warms, the collector's freeze of what is loaded), so that the timings carry the
    worker's garbage collection and not a bare process's."""
    from core.serving import prepare

    prepare()


FILTERS = [
    ("默认（全部，按上报时间倒序）", {}),
    ("状态 整改中 + 灯色 红", {"status": "assigned", "light": "red"}),
    ("街镇 + 类别 + 上报日期", {"town": "{town}", "category": "clutter", "reported_after": "{since}",
                            "reported_to": "{today}"}),
    ("行政村 + 来源 + 按期限排序", {"village": "{village}", "source": "district_patrol", "sort": "deadline"}),
    ("说明文字搜索", {"q": "堆放"}),
    ("第 20 页", {"page": "20"}),
]


def issue_list(report, rounds=ROUNDS):
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Role, User
    from bench.base import ensure_villages
    from bench.data import ensure_issues

    ensure_villages()
    ensure_issues(N_PROBLEMS)
    as_served()
    with connection.cursor() as cur:
        cur.execute("SELECT left(town_id, 6), town_id, village_id, count(*) FROM patrol_issue "
                    "GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 1")
        district, town, village, _ = cur.fetchone()
        cur.execute("SELECT count(*) FROM patrol_issue WHERE town_id LIKE %s", [district + "%"])
        (in_district,) = cur.fetchone()
    user = User.objects.filter(username="bench_pages_district").first() or User.objects.create_user(
        "bench_pages_district", password=None, role=Role.DISTRICT, area_code=district)
    client = Client()
    client.force_login(user)
    today = timezone.localdate()
    values = {"town": town, "village": village, "today": f"{today:%Y-%m-%d}",
              "since": f"{today.replace(day=1) - timezone.timedelta(days=180):%Y-%m-%d}"}
    from urllib.parse import urlencode

    for name, params in FILTERS:
        query = urlencode({k: v.format(**values) for k, v in params.items()})
        ms = _time(client, "/issues/" + (f"?{query}" if query else ""), rounds)
        p95 = percentile(ms, 95)
        report("pages", f"/issues/ {name}", round(p95, 1), "ms p95",
               f"≤ {LIST_TARGET_MS} ms ({'ok' if p95 <= LIST_TARGET_MS else 'MISSED'}); "
               f"{in_district:,} problems in the district")


def run(report):
    env = dict(os.environ, PGDATABASE_NAME=os.environ.get("PAGES_DEMO_DB", "bench_pages_demo"))
    out = subprocess.run([sys.executable, "-m", "bench.pages", "--demo"], cwd=REPO, env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    worst = {}
    for r in rows:
        report("pages", f"{r['user']} {r['label']} {r['url']}", round(r["p95"], 1), "ms p95",
               f"median {r['p50']:.1f} ms; ≤ {PAGE_TARGET_MS} ms ({'ok' if r['p95'] <= PAGE_TARGET_MS else 'MISSED'})")
        if r["p95"] > worst.get(r["user"], (0, ""))[0]:
            worst[r["user"]] = (r["p95"], r["url"])
    for user, (p95, url) in worst.items():
        report("pages", f"{user}: slowest page ({url})", round(p95, 1), "ms p95", f"≤ {PAGE_TARGET_MS} ms")
    issue_list(report)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "--demo" in sys.argv:
        _demo_child()
