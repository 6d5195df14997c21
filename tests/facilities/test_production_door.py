"""Issue 29, item 1: the production door. gunicorn on a unix socket as deploy/patrol-gunicorn.service runs it
(DJANGO_SECURE=1, PROXY_COUNT=1), requests as nginx forwards them (X-Forwarded-For, X-Real-IP,
X-Forwarded-Proto): every public page and a login answer, and the client address is nginx's, not the socket's
empty one — for the rate limits too (core/clientaddr.py, one rule)."""
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from core import ratelimit
from tests.factories import make_user
from tests.households.conftest import make_household

REPO = Path(__file__).resolve().parents[2]


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def request(sock, method, url, body=None, client="203.0.113.7", headers=None):
    conn = UnixConnection(sock)
    # what deploy/patrol.nginx sets: the address it saw appended, X-Real-IP, the scheme
    base = {"Host": "localhost", "X-Forwarded-For": f"198.51.100.1, {client}", "X-Real-IP": client,
            "X-Forwarded-Proto": "https"}
    conn.request(method, url, body=body, headers={**base, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


@contextlib.contextmanager
def serve(tmp_path, workers=1, threads=4, **env_extra):
    """gunicorn on a unix socket as deploy/patrol-gunicorn.service runs it, on the test database → its socket."""
    sock = str(tmp_path / "gunicorn.sock")
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SECURE": "1", "PROXY_COUNT": "1", "PGDATABASE_NAME": db["NAME"],
           "TEST_DB_NAME": db["NAME"], "ALLOWED_HOSTS": "localhost", "PATROL_TESTING": "1",
           "DJANGO_SECRET_KEY": "test-door-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz", **env_extra}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"unix:{sock}", "--umask", "007",
         "--workers", str(workers), "--threads", str(threads), "--forwarded-allow-ips", "127.0.0.1",
         "--error-logfile", "-"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not os.path.exists(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"gunicorn did not start: {proc.stdout.read()[-3000:]}")
        time.sleep(0.2)
    status = None
    while time.monotonic() < deadline:
        try:
            status, _ = request(sock, "GET", "/healthz")
            break
        except OSError:
            time.sleep(0.3)
    assert status == 200
    try:
        yield sock
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    with serve(tmp_path, FACILITY_RATE_SCAN_PER_CLIENT="5/h") as sock:
        yield sock


def test_public_pages_and_a_login_answer_through_a_unix_socket(facilities, gunicorn):
    ratelimit.reset()
    make_household("H900")
    make_user("town", "310112102", "door_town")
    sock = gunicorn
    status, body = request(sock, "GET", "/f/F1")
    assert status == 200, body[:2000]
    status, body = request(sock, "POST", "/f/F1/report/", json.dumps({"need": "pump", "note": "满了"}),
                           headers={"Content-Type": "application/json"})
    assert status == 201, body[:2000]
    status, body = request(sock, "GET", "/h/H900")
    assert status == 200, body[:2000]
    status, body = request(sock, "GET", "/h/")
    assert status == 200, body[:2000]
    status, body = request(sock, "POST", "/api/auth/token/",
                           json.dumps({"username": "door_town", "password": "pass-1234"}),
                           headers={"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["token"], body[:2000]
    status, body = request(sock, "GET", "/accounts/login/")
    assert status == 200, body[:2000]
    # Without X-Forwarded-Proto the secure setup redirects to https (nginx always sets it).
    status, _ = request(sock, "GET", "/f/F1", headers={"X-Forwarded-Proto": "http"})
    assert status == 301


def test_the_rate_limit_counts_the_client_nginx_saw(facilities, gunicorn, settings):
    ratelimit.reset()
    limit = 5  # FACILITY_RATE_SCAN_PER_CLIENT of the server above
    sock = gunicorn
    codes = [request(sock, "GET", "/f/F1", client="203.0.113.20")[0] for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[-1] == 429
    # another client behind the same nginx is not limited; a spoofed left-hand X-Forwarded-For changes nothing
    assert request(sock, "GET", "/f/F1", client="203.0.113.21")[0] == 200
    status, _ = request(sock, "GET", "/f/F1", client="203.0.113.20",
                        headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.20"})
    assert status == 429


def test_the_address_rule():
    from core.clientaddr import UNKNOWN, client_address

    nginx = {"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9", "HTTP_X_REAL_IP": "203.0.113.9"}
    assert client_address(nginx, 1) == "203.0.113.9"
    assert client_address(nginx, 2) == "1.2.3.4"
    assert client_address({"REMOTE_ADDR": "", "HTTP_X_REAL_IP": "203.0.113.9"}, 1) == "203.0.113.9"
    assert client_address(nginx, 0) == UNKNOWN  # no proxy trusted: the socket's empty address
    assert client_address({"REMOTE_ADDR": "192.0.2.4", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, 0) == "192.0.2.4"
    assert client_address({"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": "junk"}, 1) == UNKNOWN
