"""Accounts, login throttling, area-scoped geography endpoints, add_user."""
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from accounts.models import User
from tests.factories import TOWN_A, TOWN_B, make_user, village_point

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_token_login_and_use(geography, client):
    make_user("town", TOWN_A, username="zhen", password="s3cret-pass")
    response = client.post("/api/auth/token/", {"username": "zhen", "password": "s3cret-pass"},
                           content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/villages/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    bad = client.post("/api/auth/token/", {"username": "zhen", "password": "wrong"}, content_type="application/json")
    assert bad.status_code == 400 and "detail" in bad.json()


def test_token_login_is_throttled(geography, client, settings):
    make_user("town", TOWN_A, username="zhen", password="s3cret-pass")
    codes = [client.post("/api/auth/token/", {"username": "zhen", "password": f"guess{i}"},
                         content_type="application/json").status_code for i in range(12)]
    assert codes[:10] == [400] * 10 and codes[-1] == 429


def test_web_login_locks_out_after_repeated_failures(geography, client):
    make_user("town", TOWN_A, username="zhen", password="s3cret-pass")
    for _ in range(4):
        assert client.post("/accounts/login/", {"username": "zhen", "password": "nope"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "zhen", "password": "nope"}).status_code == 429
    locked = client.post("/accounts/login/", {"username": "zhen", "password": "s3cret-pass"})
    assert locked.status_code == 429


def test_lockout_is_per_user_and_address_and_covers_admin_and_tokens(geography, client):
    """Guesses at one name lock that name out from that address only: a colleague behind the same NAT still
    logs in; the admin login and the token endpoint refuse the locked name too; the count is in the database."""
    from axes.models import AccessAttempt

    make_user("town", TOWN_A, username="zhen", password="s3cret-pass")
    make_user("town", TOWN_A, username="li", password="other-pass-9")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "zhen", "password": "nope"})
    assert AccessAttempt.objects.filter(username="zhen").exists()
    assert client.post("/accounts/login/", {"username": "li", "password": "other-pass-9"}).status_code == 302
    client.logout()
    admin = client.post("/admin/login/", {"username": "zhen", "password": "s3cret-pass"})
    assert admin.status_code == 429
    token = client.post("/api/auth/token/", {"username": "zhen", "password": "s3cret-pass"},
                        content_type="application/json")
    assert token.status_code in (400, 403, 429) and "token" not in token.json()


def test_admin_login_is_locked_out_too(geography, client):
    make_user("admin", "310112", username="boss", password="s3cret-pass")
    codes = [client.post("/admin/login/", {"username": "boss", "password": f"guess{i}"}).status_code
             for i in range(5)]
    assert codes[-1] == 429


def test_tokens_expire_and_can_be_revoked(geography, client, settings):
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken

    make_user("town", TOWN_A, username="zhen", password="s3cret-pass")
    body = client.post("/api/auth/token/", {"username": "zhen", "password": "s3cret-pass"},
                       content_type="application/json").json()
    assert body["expiry"]
    auth = {"HTTP_AUTHORIZATION": f"Token {body['token']}"}
    assert client.get("/api/villages/", **auth).status_code == 200
    assert client.post("/api/auth/token/revoke/", **auth).status_code == 204
    assert client.get("/api/villages/", **auth).status_code == 401
    second = client.post("/api/auth/token/", {"username": "zhen", "password": "s3cret-pass"},
                         content_type="application/json").json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/villages/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 401


def test_add_user_runs_the_password_validators(geography):
    with pytest.raises(CommandError):
        call_command("add_user", "wang", "--role", "village", "--area", "310112102201", "--password", "12345678")
    with pytest.raises(CommandError):
        call_command("add_user", "wang", "--role", "village", "--area", "310112102201", "--password", "password")
    assert not User.objects.filter(username="wang").exists()


def test_healthz_and_schema_say_nothing_to_strangers(geography, client):
    health = client.get("/healthz")
    assert health.json() == {"status": "ok"}
    assert client.get("/api/schema/").status_code in (401, 403)


def test_everything_but_login_and_healthz_needs_a_user(geography, client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    page = client.get("/issues/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    for url in ("/api/issues/", "/api/villages/", "/api/locate/?lon=121.41&lat=31.11", "/api/categories/"):
        assert client.get(url).status_code in (401, 403), url


def test_geography_is_scoped_to_the_users_area(geography, login):
    api = login(make_user("town", TOWN_B))
    villages = api.get("/api/villages/").json()
    assert villages["type"] == "FeatureCollection"
    assert sorted(f["properties"]["code"] for f in villages["features"]) == ["310112103201", "310112103202"]
    assert {f["properties"]["town"] for f in villages["features"]} == {TOWN_B}
    assert [f["properties"]["code"] for f in api.get("/api/towns/").json()["features"]] == [TOWN_B]
    grids = api.get("/api/grids/", {"village": "310112103202"}).json()["features"]
    assert [g["properties"]["village"] for g in grids] == ["310112103202"] * 2
    assert api.get("/api/grids/", {"village": "310112102201"}).json()["features"] == []
    lon, lat = village_point("310112102201")
    assert api.get("/api/locate/", {"lon": lon, "lat": lat}).status_code == 404


def test_bbox_filter_and_bad_bbox(geography, login):
    api = login(make_user("district", "310112"))
    inside = api.get("/api/villages/", {"bbox": "121.405,31.105,121.415,31.115"}).json()["features"]
    assert [f["properties"]["code"] for f in inside] == ["310112102201"]
    bad = api.get("/api/villages/", {"bbox": "121.5,31,121.4"})
    assert bad.status_code == 400 and "bbox" in bad.json()["detail"]


def test_locate_accepts_gcj02_and_bd09(geography, login):
    from geo.coords import wgs84_to_bd09, wgs84_to_gcj02

    api = login(make_user("district", "310112"))
    lon, lat = village_point("310112103202", grid=2)
    for crs, convert in (("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)):
        x, y = convert(lon, lat)
        body = api.get("/api/locate/", {"lon": x, "lat": y, "crs": crs}).json()
        assert body["grid"]["code"] == "310112103202002"
        assert abs(body["wgs84"][0] - lon) < 1e-6
    assert api.get("/api/locate/", {"lon": lon, "lat": lat, "crs": "utm"}).status_code == 400
    assert api.get("/api/locate/", {"lon": "east", "lat": lat}).json()["field"] == "lon"


def test_add_user_command(geography):
    call_command("add_user", "wang", "--role", "village", "--area", "310112102201", "--password", "pw-12345678")
    user = User.objects.get(username="wang")
    assert (user.role, user.area_code, user.check_password("pw-12345678")) == ("village", "310112102201", True)
    with pytest.raises(CommandError, match="不存在"):
        call_command("add_user", "li", "--role", "town", "--area", "310112999", "--password", "pw-12345678")
    assert not User.objects.filter(username="li").exists()


def test_database_url_wins(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("DATABASE_URL", "postgis://app:p%40ss@db.example:5433/patrol_prod")
    reloaded = importlib.reload(settings_module)
    try:
        db = reloaded.DATABASES["default"]
        assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
            "patrol_prod", "app", "p@ss", "db.example", "5433")
    finally:
        monkeypatch.delenv("DATABASE_URL")
        importlib.reload(settings_module)


def test_a_token_request_reads_only_its_own_token_and_login_sweeps_expired_ones(geography, client):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from knox.models import AuthToken

    user = make_user("town", TOWN_A, username="zhen2", password="s3cret-pass")

    def login():
        return client.post("/api/auth/token/", {"username": "zhen2", "password": "s3cret-pass"},
                           content_type="application/json").json()["token"]

    old = [login() for _ in range(3)]
    token = login()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/villages/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    # The lookup is a prepared statement (accounts.auth): its runs are the EXECUTEs, an ORM read would name the table.
    token_reads = [q["sql"] for q in queries.captured_queries
                   if q["sql"].startswith("EXECUTE accounts_token_lookup") or 'FROM "knox_authtoken"' in q["sql"]]
    assert len(token_reads) == 1
    AuthToken.objects.filter(token_key__in=[t[:15] for t in old]).update(expiry=timezone.now() - timedelta(1))
    assert client.get("/api/villages/", HTTP_AUTHORIZATION=f"Token {old[0]}").status_code == 401
    assert AuthToken.objects.filter(user=user).count() == 3  # the one used was deleted; two still wait
    login()
    assert AuthToken.objects.filter(user=user).count() == 2  # the live one and the new one
    assert client.get("/api/villages/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
