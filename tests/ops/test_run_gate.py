"""`make run` starts gunicorn beside demo_setup (scripts/run.sh): the server loads the application meanwhile but
opens its port only once demo_setup marks the demo ready, and gives up when the set-up fails
(config/gunicorn_demo.py, DEMO_GATE)."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def start(gate, port):
    env = {**os.environ, "DEMO_GATE": str(gate)}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn_demo.py", "config.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "1", "--threads", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_line(proc, text, timeout=300):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"gunicorn never logged {text!r}: {''.join(seen)[-2000:]}")


def test_server_waits_for_the_demo_then_serves(tmp_path):
    port = free_port()
    (tmp_path / "static").touch()  # static files collected: the application may load
    proc = start(tmp_path, port)
    try:
        wait_for_line(proc, "Starting gunicorn")  # the application is loaded (preload) before this line
        time.sleep(1.5)
        assert proc.poll() is None and not listening(port), "serving before the demo is ready"
        (tmp_path / "ready").touch()
        deadline = time.monotonic() + 30
        while not listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            status = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).status
        except urllib.error.HTTPError as exc:  # 503 when this checkout's own database is not there: still serving
            status = exc.code
        assert status in (200, 503)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_server_gives_up_when_the_setup_fails(tmp_path):
    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "static").touch()
    port = free_port()
    proc = start(gate, port)
    try:
        wait_for_line(proc, "Starting gunicorn")
        (gate / "static").unlink()
        gate.rmdir()  # what scripts/run.sh does when demo_setup fails
        assert proc.wait(timeout=30) != 0
        assert not listening(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
