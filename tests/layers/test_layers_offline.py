import re

from layers import maps

POLY = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "甲村", "code": "1"},
        "geometry": {"type": "Polygon", "coordinates": [[[121.4, 31.1], [121.42, 31.1], [121.42, 31.12],
                                                         [121.4, 31.1]]]}}]}


def test_every_layer_kind_renders_with_local_assets_only(settings):
    settings.MAP_BASEMAP = "none"
    m = maps.new_map(bounds=(121.4, 31.1, 121.48, 31.12))
    maps.add_boundaries(m, POLY, "村界")
    maps.add_choropleth(m, POLY, "light", maps.LIGHT_COLORS, "亮灯")
    pin = {"geometry": {"coordinates": [121.41, 31.11]}, "properties": {"id": 7, "category": "shack", "light": "red"}}
    maps.add_issue_pins(m, [pin], icons={"shack": "campground"})
    maps.add_heatmap(m, [(121.41, 31.11, 2.0)])
    maps.add_routes(m, [{"team": 1, "coordinates": [[121.40, 31.10], [121.41, 31.11]]}])
    maps.light_legend(m, {"red": 1, "yellow": 0, "green": 0})
    parts = maps.map_parts(m)
    html = parts["head"] + parts["body"] + parts["script"]
    assert re.findall(r"""(?:src|href)=["']?(https?:)?//""", html) == []
    assert "/static/vendor/leaflet/leaflet.js" in parts["head"]
    assert "leaflet.markercluster.js" in html and "leaflet-heat.js" in html
    assert 'data-legend="red"' in html


def test_gaode_basemap_shifts_a_copy_to_gcj02(settings):
    settings.MAP_BASEMAP = "gaode"
    m = maps.new_map()
    shown = maps.display_geojson(m, POLY)
    lon, lat = shown["features"][0]["geometry"]["coordinates"][0][0]
    assert 0.003 < lon - 121.4 < 0.006 and POLY["features"][0]["geometry"]["coordinates"][0][0] == [121.4, 31.1]
    assert lat != 31.1
