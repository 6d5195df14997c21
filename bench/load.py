"""Load and faults: 200 inspectors reporting with photos the way the field app does and 20 office users browsing
maps, tiles, lights and lists, against gunicorn (config.wsgi as the application role, like `make run`) for 5
minutes, with PostgreSQL restarted once and a gunicorn worker SIGKILLed once during the run. Afterwards every
report a client got a 2xx for must be in the database exactly once with its photo (row and file).

    python -m bench --only load   (LOAD_SECONDS, LOAD_INSPECTORS, LOAD_OFFICE, LOAD_INSPECTOR_WAIT, LOAD_OFFICE_WAIT,
                                   WORKERS, THREADS change it)

The users run in a Locust process (bench/locustfile.py); this process prepares the accounts, sessions, places and
photos, starts gunicorn and Locust, causes the faults, finishes what was left in the outboxes (as the app does
on its next sync) and checks the database (bench/loadcheck.py). Details go to bench-out/load/summary.json.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from django.db import connection

from bench.base import REPO, ensure_villages, free_port, percentile
from bench.loadcheck import verify

SECONDS = int(os.environ.get("LOAD_SECONDS", "300"))
N_INSPECTORS = int(os.environ.get("LOAD_INSPECTORS", "200"))
N_OFFICE = int(os.environ.get("LOAD_OFFICE", "20"))
WORKERS = int(os.environ.get("WORKERS", "2"))  # as `make run`
THREADS = int(os.environ.get("THREADS", "4"))


def _pace(name, default):
    low, high = os.environ.get(name, default).split(",")
    return float(low), float(high)


# Seconds between two reports of one inspector (a report every half minute is already a very busy field day)
# and between two views of an office user. LOAD_INSPECTOR_WAIT=5,15 LOAD_OFFICE_WAIT=2,6 saturates this machine.
INSPECTOR_WAIT = _pace("LOAD_INSPECTOR_WAIT", "20,40")
OFFICE_WAIT = _pace("LOAD_OFFICE_WAIT", "5,15")
PG_RESTART_AT, KILL_AT = 0.35, 0.65  # share of the run at which each fault happens
RAMP_S = float(os.environ.get("LOAD_RAMP_SECONDS", "60"))  # the users open the app over the first minute
OUT = REPO / "bench-out" / "load"
N_PHOTOS = 24


def photos(n=N_PHOTOS):
    """Small real JPEGs like the app sends after shrinking (800×600, quality 85), each a different picture."""
    import random

    from PIL import Image, ImageDraw, ImageFilter

    folder = OUT / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        path = folder / f"scene-{k:02d}.jpg"
        if not path.exists():
            rnd = random.Random(k)
            ground = (rnd.randrange(90, 160), rnd.randrange(120, 180), rnd.randrange(60, 120))
            img = Image.new("RGB", (800, 600), ground)
            draw = ImageDraw.Draw(img)
            for _ in range(60):
                x, y = rnd.randrange(800), rnd.randrange(600)
                draw.rectangle([x, y, x + rnd.randrange(20, 200), y + rnd.randrange(10, 120)],
                               fill=tuple(rnd.randrange(256) for _ in range(3)))
            img = img.filter(ImageFilter.GaussianBlur(1.2))
            noise = Image.effect_noise((800, 600), 24).convert("RGB")
            Image.blend(img, noise, 0.15).save(path, "JPEG", quality=85)
        paths.append(str(path))
    return paths


def _user(username, role, area_code):
    from accounts.models import User

    user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "area_code": area_code})
    if (user.role, user.area_code) != (role, area_code):
        User.objects.filter(pk=user.pk).update(role=role, area_code=area_code)
    return user


def _session(user):
    """A logged-in session for a user without a password (a bench database has no usable ones)."""
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value, get_random_string(32)


def people(log=print):
    """Inspectors of one village each and office staff of one town each, in the first district."""
    from accounts.models import Role
    from geo.models import Town, Village
    from mobile.views import source_default

    district = Town.objects.order_by("district_id").values_list("district_id", flat=True).first()
    towns = list(Town.objects.filter(district_id=district).order_by("code").values_list("code", flat=True))
    villages = list(Village.objects.filter(town__district_id=district).order_by("code").values_list("code", flat=True))
    log(f"[bench] load: {N_INSPECTORS} inspectors over {len(villages)} villages, {N_OFFICE} office users over "
        f"{len(towns)} towns of district {district}")
    inspectors = []
    with connection.cursor() as cur:
        for i in range(N_INSPECTORS):
            village = villages[i % len(villages)]
            user = _user(f"load_inspector_{i:03d}", Role.INSPECTOR, village)
            # Raw SQL: random points inside the village boundary, seeded (no ORM equivalent of ST_GeneratePoints).
            cur.execute("SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints(boundary, 60, %s))).geom g"
                        " FROM geo_village WHERE code = %s) p", [i + 1, village])
            session, csrf = _session(user)
            inspectors.append({"username": user.username, "session": session, "csrf": csrf,
                               "source": source_default(user), "points": [list(p) for p in cur.fetchall()]})
        office = []
        for i in range(N_OFFICE):
            town = towns[i % len(towns)]
            user = _user(f"load_office_{i:02d}", Role.TOWN, town)
            cur.execute("SELECT ST_X(location), ST_Y(location) FROM patrol_issue WHERE town_id = %s"
                        " ORDER BY id DESC LIMIT 300", [town])
            points = [list(p) for p in cur.fetchall()]
            if not points:
                cur.execute("SELECT ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary))"
                            " FROM geo_town WHERE code = %s", [town])
                points = [list(cur.fetchone())]
            session, csrf = _session(user)
            office.append({"username": user.username, "session": session, "csrf": csrf, "points": points})
    return inspectors, office


def urls():
    """The field app's own API addresses (mobile.views.api_urls, what the app is given) and the office pages'."""
    from django.urls import reverse

    from mobile.views import api_urls

    return {
        **api_urls(), "battle_map": reverse("layers:battle-map"), "counts": reverse("layers:issue-counts"),
        "lights": reverse("layers:lights"), "issue_list": reverse("patrol:issue-list"),
        "tile_token": reverse("layers:tile-token"),
    }


class Gunicorn:
    """config.wsgi under gunicorn as deploy/patrol-gunicorn.service runs it: the application role on a unix socket
    (WORKERS × THREADS), the client address taken by the production rule (PROXY_COUNT=1) from what the proxy in
    front adds, as nginx does (bench/proxy.py). `base` is the proxy's address."""

    def __init__(self, media_root):
        from bench.proxy import AddressProxy

        self.socket = OUT / "gunicorn.sock"
        self.socket.unlink(missing_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DJANGO_DEBUG="0", MEDIA_ROOT=str(media_root), PROXY_COUNT="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"unix:{self.socket}", "-w", str(WORKERS),
             "--threads", str(THREADS), "--timeout", "120", "--log-level", "warning", "--umask", "007"],
            cwd=REPO, env=env, stderr=open(OUT / "gunicorn.log", "w"))
        self.proxy = AddressProxy(str(self.socket), self.port)
        deadline = time.time() + 180  # workers boot slowly on a loaded machine
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=10).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            self.stop()
            raise RuntimeError("gunicorn did not come up (bench-out/load/gunicorn.log)")

    def workers(self):
        import psutil

        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def stop(self):
        self.proxy.stop()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)  # a worker still booting (respawned late in a short run) answers slowly
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def restart_postgres(faults):
    """scripts/pg.sh stop (fast: open connections are cut) and start again; the times go into faults."""
    import psycopg2

    pg = ["bash", str(REPO / "scripts" / "pg.sh")]
    params = {"dbname": connection.settings_dict["NAME"], "user": connection.settings_dict["USER"],
              "host": connection.settings_dict["HOST"]}
    connection.close()
    t = time.time()
    subprocess.run(pg + ["stop"], check=True, stdout=subprocess.DEVNULL)
    stopped = time.time()
    starter = subprocess.Popen(pg + ["start"], stdout=subprocess.DEVNULL)
    while True:  # the first moment a client can connect again
        try:
            psycopg2.connect(**params).close()
            break
        except psycopg2.OperationalError:
            time.sleep(0.05)
    ready = time.time()
    if starter.wait() != 0:
        raise RuntimeError("scripts/pg.sh start failed")
    faults.append({"fault": "PostgreSQL restart", "at": t, "down_s": round(ready - t, 2),
                   "stop_s": round(stopped - t, 2), "until": time.time()})


def kill_worker(server, faults):
    """SIGKILL one gunicorn worker; the master notices and forks a new one."""
    before = server.workers()
    victim = before[0]
    t = time.time()
    os.kill(victim, signal.SIGKILL)
    while True:
        now = server.workers()
        if victim not in now and len(now) >= len(before):
            break
        time.sleep(0.05)
    respawned = time.time()
    # The new worker imports the app before it serves: wait until all answer (a few health checks).
    for _ in range(2 * WORKERS):
        try:
            urllib.request.urlopen(server.base + "/healthz", timeout=10).read()
        except OSError:
            pass
    faults.append({"fault": "gunicorn worker SIGKILL", "at": t, "pid": victim,
                   "respawn_s": round(respawned - t, 2), "until": time.time()})


def drain(base, results, inspectors, photo_paths, cfg_urls):
    """What was still in an outbox when the clients stopped: sent again with the same client_uuid and photo,
    as the app does on its next sync; the acknowledgements join the others."""
    by_user = {p["username"]: p for p in inspectors}
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    for item in results["pending"]:
        who = by_user[item["user"]]
        headers = {"Cookie": f"sessionid={who['session']}; csrftoken={who['csrf']}", "X-CSRFToken": who["csrf"],
                   "Accept": "application/json"}
        for _attempt in range(20):
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                if item["issue_id"] is None:
                    conn.request("POST", cfg_urls["issues"], json.dumps(item["feature"]),
                                 dict(headers, **{"Content-Type": "application/json"}))
                    r = conn.getresponse()
                    data = json.loads(r.read() or b"null")
                    if r.status >= 300:
                        raise OSError(f"HTTP {r.status}: {data}")
                    item["issue_id"] = data["id"]
                    results["acks"][item["client_uuid"]] = {
                        "issue_id": data["id"], "status": r.status, "user": item["user"],
                        "photo_sha256": item["photo_sha256"], "photo_status": None, "drained": True}
                boundary = uuid.uuid4().hex
                body = (f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nbefore\r\n'
                        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo-1.jpg"\r\n'
                        f"Content-Type: image/jpeg\r\n\r\n").encode() + Path(photo_paths[item["photo"]]).read_bytes() \
                    + f"\r\n--{boundary}--\r\n".encode()
                conn.request("POST", cfg_urls["issue_photos"].replace("{id}", str(item["issue_id"])), body,
                             dict(headers, **{"Content-Type": f"multipart/form-data; boundary={boundary}"}))
                r = conn.getresponse()
                data = json.loads(r.read() or b"null")
                if r.status >= 300:
                    raise OSError(f"HTTP {r.status}: {data}")
                results["acks"][item["client_uuid"]].update(photo_status=r.status, photo_id=data["id"])
                sent += 1
                break
            except (OSError, http.client.HTTPException):
                time.sleep(1)
    return sent


def endpoint_table(samples, duration):
    """{name: {n, errors, p50, p95, p99, rps}} over every attempt (failed ones included)."""
    by_name = {}
    for name, _, ms, ok in samples:
        row = by_name.setdefault(name, {"ms": [], "errors": 0})
        row["ms"].append(ms)
        row["errors"] += not ok
    table = {}
    for name, row in sorted(by_name.items()):
        ms = row["ms"]
        table[name] = {"n": len(ms), "errors": row["errors"], "p50": percentile(ms, 50), "p95": percentile(ms, 95),
                       "p99": percentile(ms, 99), "rps": len(ms) / duration}
    return table


def fault_windows(t0, faults, after=15):
    """From a second before each fault to `after` seconds past its end (queued requests drain), in run seconds."""
    return [(f["at"] - t0 - 1, f["until"] - t0 + after) for f in faults]


def steady(samples, t0, faults):
    """The samples of full load: after the ramp, outside the fault windows."""
    windows = fault_windows(t0, faults)
    return [x for x in samples if x[1] >= RAMP_S and not any(a <= x[1] <= b for a, b in windows)]


def fault_errors(samples, t0, faults):
    """Failed requests inside each fault's window, and outside any."""
    windows = fault_windows(t0, faults)
    inside = [0] * len(faults)
    outside = 0
    for _, t, _, ok in samples:
        if ok:
            continue
        for k, (a, b) in enumerate(windows):
            if a <= t <= b:
                inside[k] += 1
                break
        else:
            outside += 1
    return inside, outside


def stored(tag, media_root):
    """The run's rows: (client_uuid, id) of its problems and (issue, kind, sha256, file) of their photos."""
    from patrol.models import Issue, Photo

    issues = list(Issue.objects.filter(description__startswith=tag).values_list("client_uuid", "id"))
    photos = list(Photo.objects.filter(issue__description__startswith=tag)
                  .values_list("issue_id", "kind", "sha256", "image"))
    files = [str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file()]
    return issues, photos, files


def run(report):
    from django.utils import timezone

    from bench.data import CATEGORIES, ensure_issues

    ensure_villages(int(os.environ.get("LOAD_VILLAGES", "10000")))  # smaller only for a smoke run of the plumbing
    ensure_issues(int(os.environ.get("LOAD_ISSUES", "1000000")))
    OUT.mkdir(parents=True, exist_ok=True)
    media_root = OUT / "media"
    shutil.rmtree(media_root, ignore_errors=True)
    media_root.mkdir()
    tag = f"负载测试 {uuid.uuid4().hex[:8]}"
    inspectors, office = people()
    cfg_urls = urls()
    photo_paths = photos()
    config = {
        "n_inspectors": N_INSPECTORS, "n_office": N_OFFICE, "inspector_wait": INSPECTOR_WAIT,
        "office_wait": OFFICE_WAIT, "inspectors": inspectors, "office": office, "photos": photo_paths,
        "urls": cfg_urls, "categories": list(CATEGORIES), "tag": tag, "month": f"{timezone.localdate():%Y-%m}",
        "results": str(OUT / "results.json"),
    }
    (OUT / "config.json").write_text(json.dumps(config, ensure_ascii=False))
    (OUT / "results.json").unlink(missing_ok=True)
    load_before = os.getloadavg()

    server = Gunicorn(media_root)
    faults = []
    try:
        users = N_INSPECTORS + N_OFFICE
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless",
             "-u", str(users), "-r", f"{users / RAMP_S:.2f}", "-t", f"{SECONDS}s", "--stop-timeout", "5",
             "--host", server.base, "--only-summary", "--loglevel", "WARNING"],
            cwd=REPO, env=dict(os.environ, LOAD_CONFIG=str(OUT / "config.json")),
            stdout=open(OUT / "locust.log", "w"), stderr=subprocess.STDOUT)
        started = time.time()
        print(f"[bench] load: {users} users for {SECONDS} s against {server.base} ...", flush=True)
        time.sleep(max(0.0, started + SECONDS * PG_RESTART_AT - time.time()))
        restart_postgres(faults)
        print(f"[bench] load: PostgreSQL restarted ({faults[-1]['down_s']} s)", flush=True)
        time.sleep(max(0.0, started + SECONDS * KILL_AT - time.time()))
        kill_worker(server, faults)
        print(f"[bench] load: worker {faults[-1]['pid']} killed, respawned in {faults[-1]['respawn_s']} s", flush=True)
        locust.wait(timeout=SECONDS + 120)
        load_after = os.getloadavg()
        results = json.loads((OUT / "results.json").read_text())
        drained = drain(server.base, results, inspectors, photo_paths, cfg_urls)
    finally:
        server.stop()
    connection.close()

    t0, samples = results["t0"], results["samples"]
    duration = max(t for _, t, _, _ in samples) if samples else SECONDS
    table = endpoint_table(samples, duration)
    total = len(samples)
    errors = sum(1 for s in samples if not s[3])
    inside, outside = fault_errors(samples, t0, faults)
    issues, photo_rows, files = stored(tag, media_root)
    pending = [item["client_uuid"] for item in results["pending"]]
    verdict = verify(results["acks"], issues, photo_rows, media_root, pending=pending, files=files)

    s = "load"
    report(s, "machine load average before / after (1 min)", f"{load_before[0]:.2f} / {load_after[0]:.2f}", "",
           f"{os.cpu_count()} cores shared with other sessions; gunicorn {WORKERS}×{THREADS}")
    report(s, f"users: {N_INSPECTORS} inspectors + {N_OFFICE} office, duration", round(duration), "s",
           f"pauses {INSPECTOR_WAIT[0]:g}–{INSPECTOR_WAIT[1]:g} s between reports, "
           f"{OFFICE_WAIT[0]:g}–{OFFICE_WAIT[1]:g} s between office views")
    report(s, "throughput, all requests", total / duration, "req/s", f"{total:,} requests")
    acks = results["acks"]
    report(s, "reports acknowledged (issue + photo 2xx)", sum(1 for a in acks.values() if a.get("photo_status")),
           "", f"{len(acks) / duration:.1f} reports/s; {drained} finished after the stop (outbox)")
    report(s, "error rate, all requests", 100 * errors / max(total, 1), "%",
           f"{errors} errors; goal 0; outside fault windows: {outside}")
    report(s, "served on a unix socket behind the address proxy (PROXY_COUNT=1)", server.proxy.errors, "errors",
           "requests the proxy could not pass on (the faults included)")
    for fault, n in zip(faults, inside, strict=True):
        took = f"down {fault['down_s']} s" if "down_s" in fault else f"respawned in {fault['respawn_s']} s"
        report(s, f"{fault['fault']} at {fault['at'] - t0:.0f} s", n, "errors", f"{took}; clients retried")
    for name, row in table.items():
        report(s, f"{name} p50/p95/p99", f"{row['p50']:.0f}/{row['p95']:.0f}/{row['p99']:.0f}", "ms",
               f"{row['n']:,} req, {row['rps']:.1f}/s, {row['errors']} errors"
               + ("; goal p95 ≤ 500" if name == "POST /api/issues/" else ""))
    calm = steady(samples, t0, faults)
    calm_table = endpoint_table(calm, duration)
    for name in ("POST /api/issues/", "POST /api/issues/{id}/photos/"):
        row = calm_table.get(name)
        if row:
            figures = f"{row['p50']:.0f}/{row['p95']:.0f}/{row['p99']:.0f}"
            report(s, f"{name} p50/p95/p99 at full load, no fault", figures, "ms",
                   f"{row['n']:,} req after the {RAMP_S:g} s ramp, outside the fault windows"
                   + ("; goal p95 ≤ 500" if name == "POST /api/issues/" else ""))
    for name, value in verdict.counts.items():
        report(s, f"check: {name}", value, "")
    report(s, "exactly-once check", "PASS" if verdict.ok else "FAIL", "", "; ".join(verdict.problems[:3]))
    retried = sum(1 for a in acks.values() if a.get("attempts", 1) > 1)
    report(s, "reports that needed more than one try", retried, "", "acknowledged once, stored once")
    (OUT / "summary.json").write_text(json.dumps({
        "faults": [dict(f, at_s=round(f["at"] - t0, 1)) for f in faults], "endpoints": table,
        "steady_endpoints": calm_table, "counts": verdict.counts,
        "problems": verdict.problems, "errors": errors, "requests": total, "duration_s": duration,
        "fault_errors": inside, "errors_outside_faults": outside, "loadavg": [load_before, load_after],
        "refused": results["refused"][:50],
    }, ensure_ascii=False, indent=2, default=str))
