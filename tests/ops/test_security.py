"""Security headers on every HTML page (CSP with nonces, no 'unsafe-inline' scripts), /favicon.ico, the photo
behind X-Accel-Redirect, and `check --deploy` clean with the production environment."""
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from patrol.services import add_photo
from tests.factories import VILLAGES, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db

V1 = next(iter(VILLAGES))
PAGES = [("layers:battle-map", []), ("layers:heatmap", []), ("patrol:issue-list", []),
         ("patrol:issue-import", []), ("planning:patrols", []), ("planning:coverage-page", []),
         ("assessment:assessment", []), ("assessment:village-dossier", [V1]), ("mobile:app", []),
         ("admin:index", []), ("admin:patrol_issue_changelist", []), ("admin:geo_village_change", [V1])]


def check_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", script_src)
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" not in tag and 'type="application/json"' not in tag:  # json_script data is not run
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html


def test_every_html_page_sends_the_headers(geography, client):
    admin = make_user("admin", "310112")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    make_issue(make_user("inspector", "310112"))
    check_headers(client.get(reverse("accounts:login")))
    client.force_login(admin)
    for name, args in PAGES:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/html")
        check_headers(response)


def test_favicon_answers_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_photo_goes_through_nginx_after_the_area_check(geography, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_PREFIX = "/protected-media/"
    inspector = make_user("inspector", "310112102")
    photo, _ = add_photo(inspector, make_issue(inspector).pk, tiny_jpeg(), "before")
    answer = login(inspector).get(reverse("patrol:photo-image", args=[photo.pk]))
    assert answer.status_code == 200 and answer["X-Accel-Redirect"] == f"/protected-media/{photo.image.name}"
    assert answer["Content-Type"] == "image/jpeg" and answer.content == b""
    other = make_user("inspector", "310112103")
    assert login(other).get(reverse("patrol:photo-image", args=[photo.pk])).status_code == 404


def test_check_deploy_passes_with_the_production_environment():
    dev_only = ("DJANGO_DEBUG", "PATROL_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the browser tests set the last
    env = {k: v for k, v in os.environ.items() if k not in dev_only}
    env.update(DJANGO_SECURE="1", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="patrol.example.gov.cn")
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # ... and without the switch it is not (the test can fail)
    env.pop("DJANGO_SECURE")
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "security.W004" in done.stderr + done.stdout


def test_api_answers_carry_the_policy_django_csp_builds(geography, login, settings):
    """An answer without a nonce gets the policy built once per process (config.middleware.CSPMiddleware): the
    same string django-csp builds, and a change of the setting is followed."""
    from csp.utils import build_policy

    api = login(make_user("inspector", "310112102"))
    answer = api.get(reverse("patrol:issues"))
    assert answer.status_code == 200
    assert answer["Content-Security-Policy"] == build_policy() and "nonce-" not in build_policy()
    policy = {"DIRECTIVES": {**django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'"]}}
    settings.CONTENT_SECURITY_POLICY = policy
    assert api.get(reverse("patrol:issues"))["Content-Security-Policy"] == build_policy()
    assert "img-src 'self';" in build_policy() + ";"
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert "default-src 'none'" in api.get(reverse("patrol:issues"))["Content-Security-Policy-Report-Only"]
