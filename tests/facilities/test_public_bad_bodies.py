"""Issue 29, item 4: unauthenticated requests that answered 500 — a report with deep nesting or a NUL, an API call
with a token of non-UTF-8 bytes. Each is a 4xx in JSON and nothing is stored."""
import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from facilities.models import WorkOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]


@pytest.mark.parametrize("raw", [
    "[" * 100_000,
    '{"need": "pump", "note": ' + "[" * 50_000 + "]" * 50_000 + "}",
    json.dumps({"need": "pump", "note": "满了\x00"}),
    json.dumps({"need": "pump\x00", "note": "满了"}),
    json.dumps({"need": "pump", "note": "满了", "phone": 1e400}).replace("inf", "1e400"),
    json.dumps({"need": "pump", "note": "长" * 5000}),
    json.dumps({"need": "pump", "note": ["满了"]}),
    '{"need": "pump", "note": NaN}',
])
def test_bad_report_bodies_are_a_400_in_json(facilities, raw):
    r = Client().post(reverse("facilities:report", args=["F1"]), raw, content_type="application/json")
    assert r.status_code == 400, r.content[:300]
    assert r["Content-Type"].startswith("application/json") and r.json()["detail"]
    assert not WorkOrder.objects.exists()


def test_a_report_body_above_the_limit_is_a_413(facilities):
    raw = json.dumps({"need": "pump", "note": "x" * (django_settings.API_MAX_BODY_BYTES + 10)})
    r = Client().post(reverse("facilities:report", args=["F1"]), raw, content_type="application/json")
    assert r.status_code == 413 and not WorkOrder.objects.exists()


@pytest.mark.parametrize("token", [b"Token \xff\xfe\xfd", b"Token \xc3\x28abc", b"Token " + b"\x80" * 64,
                                   "Token 中文令牌".encode()])
@pytest.mark.parametrize("url", ["/api/issues/", "/api/tasks/", "/api/households/?village=310112102201",
                                 "/api/orders/"])
def test_a_token_of_non_utf8_bytes_is_a_401(geography, token, url):
    # WSGI carries headers as latin-1 strings: the bytes arrive as they were sent.
    r = Client().get(url, HTTP_AUTHORIZATION=token.decode("latin-1"))
    assert r.status_code == 401, r.content[:300]
    assert r["Content-Type"].startswith("application/json")
