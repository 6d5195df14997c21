"""Facility vector tiles (/tiles/facilities/{z}/{x}/{y}.pbf): the caller's facilities in the tile, filters."""
import math

import mapbox_vector_tile

from tests.factories import TOWN_A, make_user


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def codes_in(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(response.content).get("facilities", {"features": []})
    return sorted(f["properties"]["code"] for f in layer["features"])


def test_tile_holds_the_callers_facilities_with_their_kind_and_status(facilities, login):
    f1 = facilities["F1"]
    x, y = tile_of(f1.location.x, f1.location.y, 12)
    district_staff = login(make_user("district", TOWN_A[:6]))
    got = codes_in(district_staff.get(f"/tiles/facilities/12/{x}/{y}.pbf"))
    expected = sorted(code for code, f in facilities.items() if tile_of(f.location.x, f.location.y, 12) == (x, y))
    assert "F1" in got and got == expected
    layer = mapbox_vector_tile.decode(district_staff.get(f"/tiles/facilities/12/{x}/{y}.pbf").content)["facilities"]
    props = {f["properties"]["code"]: f["properties"] for f in layer["features"]}
    assert props["F1"]["kind"] == "household_toilet" and props["F1"]["status"] == "in_use"
    assert codes_in(district_staff.get(f"/tiles/facilities/12/{x}/{y}.pbf", {"kind": "garbage_point"})) == [
        c for c in expected if facilities[c].kind_id == "garbage_point"]
    assert district_staff.get(f"/tiles/facilities/12/{x}/{y}.pbf", {"kind": "nope"}).status_code == 400
    # Another town's staff get an empty tile for the same place.
    other = login(make_user("town", "310112103"))
    seen = codes_in(other.get(f"/tiles/facilities/12/{x}/{y}.pbf"))
    assert [c for c in seen if facilities[c].town_id == TOWN_A] == []
