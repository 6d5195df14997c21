"""The weight of /map/ before tiles (issue 27: ≤ 300 KB for the superuser over all districts). The page embeds the
areas' lights and names and nothing per problem; what it embeds is written compactly (no blanks after "," and
":", Chinese as UTF-8, not \\uXXXX). Here the whole page over the test district must stay ≤ 300 KB with room to
spare, its fixed part (scripts, legend, controls) small, and its weight unchanged by more problems; the bench
(`python -m bench --only basemap`) weighs it over 10,000 villages."""
import re

import pytest

from tests.factories import DISTRICT, V1, make_issue, make_user

pytestmark = pytest.mark.django_db

LIMIT = 300 * 1024


def _superuser():
    from accounts.models import User

    return User.objects.create_superuser("weigh_admin", password="pass-1234", role="admin", area_code="")


def _map(client, user):
    client.force_login(user)
    r = client.get("/map/")
    assert r.status_code == 200
    return r.content


def _data(page):
    """The GeoJSON text the page hands to folium's layers (`..._add({...});`)."""
    return re.findall(r"_add\((\{.*?\})\);", page.decode(), re.S)


def test_map_page_weight(geography, client):
    admin = _superuser()
    page = _map(client, admin)
    assert len(page) <= LIMIT
    data = _data(page)
    assert data and all('", "' not in d and '": ' not in d and "], [" not in d for d in data)
    # The place names and area names are written as UTF-8 characters, not escapes.
    assert "甲村" in page.decode() and "\\u7532" not in page.decode()
    # The fixed part (everything but the embedded areas and names) stays small.
    names = re.search(r"L\.placeNames\((\{.*?\})\)", page.decode(), re.S)
    fixed = len(page) - sum(len(d.encode()) for d in data) - (len(names.group(1).encode()) if names else 0)
    assert fixed <= 60 * 1024, fixed

    # More problems do not make the page heavier: pins and counts come from the APIs for the view.
    district = make_user("district", DISTRICT)
    for k in range(30):
        make_issue(district, V1, lon=121.401 + k * 0.0005, lat=31.105)
    again = _map(client, admin)
    assert abs(len(again) - len(page)) < 200
