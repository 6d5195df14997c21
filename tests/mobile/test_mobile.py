"""Server side of the field app at /m/: the page, its service worker, its manifest, and the `mine` filter."""
import json

import pytest

from patrol.models import Category
from tests.factories import V1, make_issue, make_user, seed_categories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _categories(db):
    seed_categories()  # in case a transactional test flushed them earlier in this worker


def test_app_requires_login(client):
    response = client.get("/m/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/m/")


def test_app_embeds_categories_and_hooks(client, geography):
    user = make_user("inspector", "310112")
    client.force_login(user)
    response = client.get("/m/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    boot = json.loads(html.split('<script id="boot" type="application/json">')[1].split("</script>")[0])
    assert [c["code"] for c in boot["categories"]] == list(Category.objects.values_list("code", flat=True))
    assert len(boot["categories"]) == 11 and boot["categories"][0]["code"] == "dry_toilet"
    assert boot["user"]["role"] == "inspector" and boot["source_default"] == "district_patrol"
    for testid in ("report-photo", "report-description", "report-submit", "pending-count", "report-village"):
        assert f'data-testid="{testid}"' in html
    assert 'rel="manifest" href="/m/manifest.webmanifest"' in html
    assert "http://" not in html and "https://" not in html  # nothing from outside our server


def test_service_worker_is_served_as_javascript_without_login(client):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/m/"
    body = response.content.decode()
    shell = json.loads(body.split("const SHELL = ")[1].split(";\n")[0])
    assert "/m/" in shell and "/static/mobile/app.js" in shell and "/static/vendor/leaflet/leaflet.js" in shell
    assert 'self.addEventListener("fetch"' in body


def test_service_worker_version_follows_the_shell(client, settings):
    from mobile import views

    first = client.get("/m/sw.js").content
    assert first == client.get("/m/sw.js").content
    assert views.shell_version() in first.decode()


def test_every_shell_file_exists(client):
    from mobile.views import shell_urls

    for url in shell_urls():
        if url.startswith("/static/"):
            from django.contrib.staticfiles import finders

            assert finders.find(url.removeprefix("/static/")), url


def test_manifest_is_valid_json_without_login(client):
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    body = json.loads(response.content)
    assert body["start_url"] == "/m/" and body["scope"] == "/m/" and body["display"] == "standalone"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        from django.contrib.staticfiles import finders
        from PIL import Image

        with Image.open(finders.find(icon["src"].removeprefix("/static/"))) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]


def test_issue_list_filter_mine(geography, login):
    me, other = make_user("inspector", "310112"), make_user("inspector", "310112")
    mine = make_issue(me, V1)
    theirs = make_issue(other, V1, grid=2)
    api = login(me)
    assert [f["id"] for f in api.get("/api/issues/", {"mine": "1"}).json()["features"]] == [mine.pk]
    assert [f["id"] for f in api.get("/api/issues/", {"mine": "0"}).json()["features"]] == [theirs.pk]
    assert [f["id"] for f in api.get("/api/issues/", {"mine": "true"}).json()["features"]] == [mine.pk]
    assert api.get("/api/issues/").json()["count"] == 2
