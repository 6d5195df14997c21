"""Issue 29, item 9: a password change or a deactivation ends every API token and every signed tile token of that
person; TOKEN_LIMIT_PER_USER is enforced when a token is issued."""
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TOWN_A, make_user

Z, X, Y = 12, 3428, 1671


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from django.core.cache import caches

    caches["default"].clear()  # the login throttle counts per client address


def _token(client, username, password="pass-1234"):
    r = client.post("/api/auth/token/", {"username": username, "password": password},
                    content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()["token"]


def _tile(token):
    return Client().get(reverse("layers:issue-tile", kwargs={"z": Z, "x": X, "y": Y}), {"token": token})


def _tile_token(user):
    client = Client()
    client.force_login(user)
    return client.get(reverse("layers:tile-token")).json()["token"]


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_password_change_or_deactivation_ends_api_and_tile_tokens(geography, change):
    user = make_user("town", TOWN_A, "zhen1")
    client = Client()
    token = _token(client, "zhen1")
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/issues/").status_code == 200
    tile_token = _tile_token(user)
    assert _tile(tile_token).status_code == 200
    if change == "password":
        user.set_password("another-pass-5678")
    else:
        user.is_active = False
    user.save()
    assert api.get("/api/issues/").status_code == 401
    assert user.auth_token_set.count() == 0
    assert _tile(tile_token).status_code == 403


def test_a_password_change_through_the_admin_form_ends_tokens(geography):
    from django.contrib.auth.forms import SetPasswordForm

    user = make_user("town", TOWN_A, "zhen2")
    token = _token(Client(), "zhen2")
    form = SetPasswordForm(user, {"new_password1": "another-pass-5678", "new_password2": "another-pass-5678"})
    assert form.is_valid(), form.errors
    form.save()
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/issues/").status_code == 401


def test_other_saves_keep_tokens(geography):
    user = make_user("town", TOWN_A, "zhen3")
    token = _token(Client(), "zhen3")
    user.first_name = "张"
    user.save()
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/issues/").status_code == 200


def test_the_token_limit_per_user_is_enforced(geography, settings):
    from knox.models import AuthToken
    from knox.settings import knox_settings

    user = make_user("town", TOWN_A, "zhen5")
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    assert limit == 20
    for _ in range(limit - 1):
        AuthToken.objects.create(user=user)
    client = Client()
    _token(client, "zhen5")
    r = client.post("/api/auth/token/", {"username": "zhen5", "password": "pass-1234"},
                    content_type="application/json")
    assert r.status_code == 403 and "上限" in r.json()["detail"]
