"""The offline base map's vector tiles (/tiles/base/{z}/{x}/{y}.pbf): roads, water, boundaries from our own data,
the basemap settings (unset → ours; custom → MAP_TILE_URL) and what every map carries."""
import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import LineString, Polygon
from django.core.cache import cache

from geo.models import RoadEdge
from layers import maps
from tests.factories import DISTRICT, TOWN_B, V1, make_issue, make_user

pytestmark = pytest.mark.django_db


def _tile(client, z, x, y):
    r = client.get(f"/tiles/base/{z}/{x}/{y}.pbf")
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(r.content)


# z14 tile holding the test district's west part (121.40–121.42 E, 31.10–31.12 N).
Z, X, Y = 14, 13717, 6701


def test_base_tile_has_roads_boundaries_and_water_in_the_viewers_area(geography, login):
    RoadEdge.objects.create(source=1, target=2, length_m=1000, cost=60, reverse_cost=60, kind="arterial",
                            name="示例路", geom=LineString((121.401, 31.105), (121.419, 31.115), srid=4326))
    district = make_user("district", DISTRICT)
    water = make_issue(district, V1, category="black_water", lon=121.405, lat=31.11)
    water.extent = Polygon.from_bbox((121.404, 31.109, 121.407, 31.111))
    water.extent.srid = 4326
    water.save(update_fields=["extent"])

    layers = _tile(login(district), Z, X, Y)
    assert {f["properties"]["name"] for f in layers["roads"]["features"]} == {"示例路"}
    levels = {f["properties"]["level"] for f in layers["boundaries"]["features"]}
    assert levels == {"town", "village"}  # grids only from zoom 15
    assert len(layers["water"]["features"]) == 1
    assert "grid" in {f["properties"]["level"] for f in _tile(login(district), 15, X * 2, Y * 2)["boundaries"][
        "features"]}

    # Town B's staff see the shared geography but not the water recorded on town A's problems.
    other = _tile(login(make_user("town", TOWN_B)), Z, X, Y)
    assert "water" not in other and other["roads"]["features"]


def test_base_tile_numbers_are_checked(geography, login):
    client = login(make_user("district", DISTRICT))
    assert client.get("/tiles/base/3/9/0.pbf").status_code == 404
    # The whole of East China at zoom 3: towns only, no village or grid lines, no minor road.
    assert {f["properties"]["level"] for f in _tile(client, 3, 6, 3)["boundaries"]["features"]} == {"town"}


def test_basemap_settings(settings, geography):
    cache.clear()
    settings.MAP_BASEMAP = ""
    parts = maps.map_parts(maps.new_map(bounds=(121.4, 31.1, 121.48, 31.12), user=make_user("district", DISTRICT)))
    html = parts["head"] + parts["script"]
    assert "/tiles/base/{z}/{x}/{y}.pbf" in html and "js/basemap.js" in html
    assert "imperial: false" in html and 'setPrefix("Leaflet")' in html
    assert '"甲村"' in html and '"甲镇"' in html  # the place names, as UTF-8
    settings.MAP_BASEMAP = "custom"
    settings.MAP_TILE_URL = "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png"
    parts = maps.map_parts(maps.new_map())
    assert "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png" in parts["script"] and "/tiles/base/" not in parts["script"]
    settings.MAP_BASEMAP = "none"
    assert "/tiles/base/" not in maps.map_parts(maps.new_map())["script"]


def test_custom_tile_host_joins_the_csp():
    from config.settings import _tile_hosts

    assert _tile_hosts("custom", "http://10.1.2.3:8080/t/{z}/{x}/{y}.png") == ["http://10.1.2.3:8080"]
    assert _tile_hosts("custom", "https://t{s}.gis.gov.cn/{z}/{x}/{y}") == ["https://*.gis.gov.cn"]
    assert _tile_hosts("", "") == []


def test_outlines_follow_the_boundaries(geography, login):
    """The lines a tile draws are kept by the database whoever writes a boundary: one row per zoom band from the
    level's first band, redrawn when the boundary changes, gone with the area."""
    from django.contrib.gis.geos import MultiPolygon

    from geo.models import Grid, Village
    from layers.models import BaseOutline

    bands = sorted(BaseOutline.objects.filter(level="village", code=V1).values_list("band", flat=True))
    assert bands == list(range(11, 19))
    assert sorted(BaseOutline.objects.filter(level="town").values_list("band", flat=True).distinct()) == list(
        range(10, 19))
    # Coarser bands carry fewer points (about a pixel of their zoom); the finest keeps the shape.
    village = Village.objects.get(code=V1)
    village.boundary = MultiPolygon(Polygon.from_bbox((121.405, 31.105, 121.41, 31.11)), srid=4326)
    village.save(update_fields=["boundary"])
    line = BaseOutline.objects.get(level="village", code=V1, band=18).geom.transform(4326, clone=True)
    assert abs(line.extent[0] - 121.405) < 1e-6 and abs(line.extent[2] - 121.41) < 1e-6
    client = login(make_user("district", DISTRICT))
    codes = {f["properties"]["code"] for f in _tile(client, Z, X, Y)["boundaries"]["features"]}
    assert V1 in codes

    grid = Grid.objects.filter(village_id=V1).first()
    grid.delete()
    assert not BaseOutline.objects.filter(level="grid", code=grid.code).exists()
