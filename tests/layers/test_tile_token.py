"""Vector tiles with a short-lived signed token: same tile as the session's, no session or user lookup, 403 when
the token is bad or expired, and the area the token was issued for."""
import json
import time

import mapbox_vector_tile
import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from layers import tiletoken
from tests.factories import V1, V3, make_issue
from tests.layers.test_maps_api import tile_of

pytestmark = pytest.mark.django_db

Z = 12
X, Y = tile_of(121.44, 31.11, Z)


def tile_url(z=Z, x=X, y=Y):
    return reverse("layers:issue-tile", kwargs={"z": z, "x": x, "y": y})


def ids(response):
    assert response.status_code == 200, response.content
    return {f["properties"]["id"] for f in mapbox_vector_tile.decode(response.content)["issues"]["features"]}


def token_of(client):
    r = client.get(reverse("layers:tile-token"))
    assert r.status_code == 200
    body = r.json()
    assert body["expires"] > time.time() + 60
    assert body["issues"].endswith(f"?token={body['token']}") and "{z}/{x}/{y}.pbf" in body["issues"]
    return body["token"]


def test_a_token_gives_the_same_tile_without_the_session_or_the_user_table(people, login):
    mine = make_issue(people["inspector"], V3, lon=121.445, lat=31.11)
    other = make_issue(people["inspector"], V1, lon=121.415, lat=31.11)
    session = login(people["town_b"])
    token = token_of(session)
    anonymous = Client()  # no session cookie at all: the token is all it has
    with CaptureQueriesContext(connection) as queries:
        r = anonymous.get(tile_url(), {"token": token})
    assert ids(r) == ids(session.get(tile_url())) == {mine.pk}
    assert other.pk not in ids(r)
    touched = " ".join(q["sql"] for q in queries.captured_queries)
    assert "django_session" not in touched and "accounts_user" not in touched


def test_filters_and_mine_apply_to_token_tiles(people, login):
    own = make_issue(people["inspector"], V3, lon=121.445, lat=31.11, category="shack")
    make_issue(people["town_b"], V3, lon=121.446, lat=31.11, category="clutter")
    token = token_of(login(people["inspector"]))
    anonymous = Client()
    assert ids(anonymous.get(tile_url(), {"token": token, "category": "shack"})) == {own.pk}
    assert ids(anonymous.get(tile_url(), {"token": token, "mine": "true"})) == {own.pk}
    r = anonymous.get(tile_url(), {"token": token, "status": "nonsense"})
    assert r.status_code == 400 and "detail" in r.json()


def test_bad_and_expired_tokens_are_refused(people, login):
    make_issue(people["inspector"], V3, lon=121.445, lat=31.11)
    token = token_of(login(people["district"]))
    anonymous = Client()
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", "", token + "x"):
        r = anonymous.get(tile_url(), {"token": bad})
        assert r.status_code == 403, bad
        assert r.json()["detail"]
    # A token for a wider area than the person's, forged without the key, is refused too.
    payload, stamp, signature = token.split(":")
    wider = signing.b64_encode(json.dumps({**json.loads(signing.b64_decode(payload.encode())), "a": ""},
                                          separators=(",", ":")).encode()).decode()
    assert wider != payload
    assert anonymous.get(tile_url(), {"token": f"{wider}:{stamp}:{signature}"}).status_code == 403
    old, _ = tiletoken.issue(people["district"], now=time.time() - tiletoken.lifetime() - 5)
    r = anonymous.get(tile_url(), {"token": old})
    assert r.status_code == 403 and "过期" in r.json()["detail"]
    # Without a token and without a session there is no tile.
    assert anonymous.get(tile_url()).status_code in (401, 403)


def test_the_battle_map_hands_out_a_working_tile_url(people, client):
    mine = make_issue(people["inspector"], V3, lon=121.445, lat=31.11)
    client.force_login(people["town_b"])
    page = client.get(reverse("layers:battle-map")).content.decode()
    start = page.index('data-testid="vector-tile-url"')
    url = page[page.rindex('value="', 0, start) + 7:page.index('"', page.rindex('value="', 0, start) + 7)]
    url = url.replace("&amp;", "&").replace("{z}/{x}/{y}", f"{Z}/{X}/{Y}")
    assert url.startswith("http://testserver/")
    assert ids(Client().get(url.removeprefix("http://testserver"))) == {mine.pk}


def test_the_area_tile_equals_the_filtered_queryset_tile(people):
    """The one-query tile of an area (the map's usual request) holds what the queryset path's tile holds."""
    from geo import scope
    from layers import tiles
    from patrol.models import Issue

    for village, lon in ((V3, 121.445), (V1, 121.415), (V3, 121.447)):
        make_issue(people["inspector"], village, lon=lon, lat=31.11)
    for who in ("district", "town_b", "village", "inspector"):
        user = people[who]
        assert features(tiles.area_tile(scope.of(user), Z, X, Y)) == features(
            tiles.issue_tile(Issue.objects.for_user(user), Z, X, Y)), who
    assert tiles.area_tile(None, Z, X, Y) == b""
    assert len(ids_of(tiles.area_tile(scope.of(people["district"]), Z, X, Y))) == 3


def ids_of(data):
    return {f["properties"]["id"] for f in mapbox_vector_tile.decode(data)["issues"]["features"]}


def features(data):
    return sorted((f["id"], sorted(f["properties"].items()), f["geometry"]["coordinates"])
                  for f in mapbox_vector_tile.decode(data)["issues"]["features"])


def test_a_token_checked_once_still_lapses_and_a_new_secret_key_refuses_it(people, settings):
    """The signature of a token is checked once per process (layers.tiletoken._verified): its expiry still counts
    on every use, and a change of the secret key drops what was checked."""
    from core.errors import Forbidden

    token, expires = tiletoken.issue(people["district"])
    assert tiletoken.bearer(token).area_code == people["district"].area_code
    assert tiletoken.bearer(token).area_code == people["district"].area_code  # from the checked store
    with pytest.raises(Forbidden, match="过期"):
        tiletoken.bearer(token, now=expires + 1)
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    with pytest.raises(Forbidden, match="无效"):
        tiletoken.bearer(token)
