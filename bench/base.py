"""Shared pieces of the benchmarks: the bench database, a gunicorn server, timing helpers."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def ensure_database():
    """Create the bench database when missing, set Django up and migrate it."""
    import psycopg2

    name = os.environ["PGDATABASE_NAME"]
    if not os.environ.get("DATABASE_URL"):
        host = (REPO / ".pg" / "socket_dir").read_text().strip()
        conn = psycopg2.connect(host=host, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cur.fetchone():
                cur.execute(f'CREATE DATABASE "{name}" OWNER patrol_owner')
        conn.close()
        # Tables made by an earlier version as postgres go to the owner role (scripts/pg.sh).
        subprocess.run(["bash", str(REPO / "scripts" / "pg.sh"), "own", name], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_villages(n=10_000, log=print):
    """At least n generated villages (realistic detail: several hundred vertices each)."""
    from geo.models import Village

    if Village.objects.count() >= n:
        return
    from demo import geography as demo

    log(f"[bench] generating {n} villages (a few minutes, once) ...")
    demo.generate(villages=n, replace=True, log=log)


def bench_admin():
    """A superuser without an area (sees everything) and its API token."""
    from knox.models import AuthToken

    from accounts.models import Role, User

    user = User.objects.filter(username="bench_admin").first()
    if user is None:
        user = User.objects.create_superuser("bench_admin", password=None, role=Role.ADMIN, area_code="")
    _, token = AuthToken.objects.create(user=user)
    return user, token


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers=2, threads=4):
    """Serve the app with gunicorn on a free loopback port for the duration of a block."""
    port = free_port()
    env = dict(os.environ, DJANGO_DEBUG="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--threads", str(threads), "--log-level", "warning"], cwd=REPO, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t, result


