"""Every map in the product is built here, with folium, from our own static files (no CDN, no internet).

Pages assemble layers (`new_map`, `add_*`) and embed `map_parts(m)`; they never build maps by hand.
"""
import json

import folium
from branca.element import MacroElement, Template
from django.conf import settings
from django.templatetags.static import static
from folium.plugins import HeatMap, MarkerCluster

from geo import coords

# folium's asset names → our static files (None: not needed, dropped). An asset missing here fails loudly.
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "jquery": "vendor/jquery/jquery.min.js",
    "bootstrap": "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "awesome_markers": "vendor/leaflet.awesome-markers/leaflet.awesome-markers.min.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "bootstrap_css": "vendor/bootstrap/css/bootstrap.min.css",
    "glyphicons_css": None,
    "awesome_markers_font_css": "vendor/fontawesome/css/all.min.css",
    "awesome_markers_css": "vendor/leaflet.awesome-markers/leaflet.awesome-markers.css",
    "awesome_rotate_css": "css/leaflet.awesome.rotate.css",
    "markerclusterjs": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "vendor/leaflet.heat/leaflet-heat.js",
}

LIGHT_COLORS = {"red": "#d7191c", "yellow": "#f5b800", "green": "#1a9641"}
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}

BASEMAPS = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap"),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                 "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                 "© 天地图"),
    "gaode": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
              "© 高德地图"),
}


def basemap_name():
    return (settings.MAP_BASEMAP or "none").lower()


def new_map(bounds=None, basemap=None, **kwargs):
    """A blank map (boundaries only, the default) or one over the configured basemap.

    Tianditu (CGCS2000) overlays our WGS-84 data with no shift; a Gaode basemap is GCJ-02, so everything drawn
    on it goes through `display_geojson`, which shifts a copy — never the stored data.
    """
    basemap = basemap or basemap_name()
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, zoom_control=True, **kwargs)
    m._basemap = basemap
    if basemap in BASEMAPS:
        url, attr = BASEMAPS[basemap]
        subdomains = "01234567" if basemap == "tianditu" else "1234"
        folium.TileLayer(url.replace("{key}", settings.TIANDITU_KEY), attr=attr, name="底图",
                         subdomains=subdomains, max_zoom=18).add_to(m)
    if bounds:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([display_point(m, miny, minx), display_point(m, maxy, maxx)])
    return m


def display_point(m, lat, lon):
    """[lat, lon] for drawing on this map's basemap."""
    if getattr(m, "_basemap", "none") == "gaode":
        lon, lat = coords.wgs84_to_gcj02(lon, lat)
    return [lat, lon]


def display_geojson(m, data):
    """GeoJSON as drawn on this map: shifted to GCJ-02 on a Gaode basemap, untouched otherwise."""
    if getattr(m, "_basemap", "none") != "gaode":
        return data

    def shift(c):
        if isinstance(c[0], int | float):
            return list(coords.wgs84_to_gcj02(c[0], c[1]))
        return [shift(x) for x in c]

    data = json.loads(json.dumps(data))
    features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    for f in features:
        geom = f.get("geometry") if f.get("type") == "Feature" else f
        if geom and geom.get("coordinates"):
            geom["coordinates"] = shift(geom["coordinates"])
    return data


def add_boundaries(m, geojson, name, color="#3366cc", weight=1.5, fields=("name", "code"),
                   aliases=("名称", "代码"), show=True):
    layer = folium.GeoJson(
        display_geojson(m, geojson), name=name, show=show,
        style_function=lambda f: {"color": color, "weight": weight, "fillOpacity": 0},
        tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(aliases)) if geojson.get("features") else None,
    )
    layer.add_to(m)
    return layer


def add_choropleth(m, geojson, prop, colors, name, fields=("name",), aliases=("名称",), opacity=0.55,
                   default="#cccccc"):
    """Areas filled by the value of a property (`colors`: value → colour, or a function value → colour)."""
    pick = colors if callable(colors) else (lambda v: colors.get(v, default))
    layer = folium.GeoJson(
        display_geojson(m, geojson), name=name,
        style_function=lambda f: {"fillColor": pick(f["properties"].get(prop)), "color": "#555", "weight": 1,
                                  "fillOpacity": opacity},
        highlight_function=lambda f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(aliases)) if geojson.get("features") else None,
    )
    layer.add_to(m)
    return layer


def add_issue_pins(m, features, icons=None, name="问题点位", cluster=True):
    """Problem pins coloured by light, the category as the icon (`icons`: category code → Font Awesome name)."""
    icons = icons or {}
    group = MarkerCluster(name=name) if cluster else folium.FeatureGroup(name=name)
    colors = {"red": "red", "yellow": "orange", "green": "green"}
    for f in features:
        lon, lat = f["geometry"]["coordinates"][:2]
        p = f["properties"]
        folium.Marker(
            display_point(m, lat, lon),
            icon=folium.Icon(color=colors.get(p.get("light"), "gray"), icon=icons.get(p.get("category"), "circle"),
                             prefix="fa"),
            tooltip=f"#{p['id']} {p.get('category')} {LIGHT_LABELS.get(p.get('light'), '')}",
            popup=folium.Popup(f'<a href="/issues/{p["id"]}/" target="_top">问题 #{p["id"]}</a>', max_width=200),
        ).add_to(group)
    group.add_to(m)
    return group


def add_heatmap(m, points, name="热力图", radius=18):
    """points: [(lon, lat, weight), ...]"""

    data = [display_point(m, lat, lon) + [w] for lon, lat, w in points]
    layer = HeatMap(data, name=name, radius=radius, min_opacity=0.3)
    layer.add_to(m)
    return layer


def add_routes(m, routes, name="巡查路线"):
    """routes: [{"team": n, "coordinates": [[lon, lat], ...], "color": optional, "label": optional}, ...]"""
    palette = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"]
    group = folium.FeatureGroup(name=name)
    for i, route in enumerate(routes):
        color = route.get("color") or palette[i % len(palette)]
        folium.PolyLine([display_point(m, lat, lon) for lon, lat in route["coordinates"]], color=color, weight=4,
                        opacity=0.85, tooltip=route.get("label") or f"第{route['team']}组").add_to(group)
    group.add_to(m)
    return group


class Legend(MacroElement):
    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="map-legend" data-testid="map-legend" style="position:absolute;z-index:9999;bottom:24px;
             right:12px;background:#fff;padding:8px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
             font-size:13px;line-height:1.6">
          <b>{{ this.title }}</b>
          {% for color, label, key, count in this.items %}
          <div><span style="display:inline-block;width:12px;height:12px;background:{{ color }};
               border-radius:50%;margin-right:6px;vertical-align:middle"></span>{{ label }}
               {% if count is not none %}<span data-legend="{{ key }}">{{ count }}</span>{% endif %}</div>
          {% endfor %}
        </div>
        {% endmacro %}
    """)

    def __init__(self, title, items):
        super().__init__()
        self.title, self.items = title, items


def add_legend(m, title, items):
    """items: [(colour, label, key, count or None), ...]"""
    Legend(title, items).add_to(m)


def light_legend(m, counts=None, title="亮灯"):
    counts = counts or {}
    add_legend(m, title, [(LIGHT_COLORS[k], LIGHT_LABELS[k], k, counts.get(k)) for k in ("red", "yellow", "green")])


def localize(m):
    """Point every script and stylesheet of the map and its plugins at our own static files."""

    def fix(element):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if not assets:
                continue
            local = []
            for name, url in assets:
                if url.startswith("/"):
                    local.append((name, url))
                    continue
                if name not in LOCAL_ASSETS:
                    raise LookupError(f"map asset {name!r} ({url}) has no local copy in layers.maps.LOCAL_ASSETS")
                if LOCAL_ASSETS[name]:
                    local.append((name, static(LOCAL_ASSETS[name])))
            setattr(element, attr, local)
        for child in element._children.values():
            fix(child)

    fix(m)
    return m


def map_parts(m, layer_control=True):
    """The map as three pieces for a Django template: `head` (styles/scripts), `body` (the div), `script`."""
    if layer_control:
        folium.LayerControl(collapsed=False).add_to(m)
    localize(m)
    figure = m.get_root()
    figure.render()
    return {
        "head": figure.header.render(),
        "body": figure.html.render(),
        "script": figure.script.render(),
        "map_name": m.get_name(),
    }


# Score bands for assessment choropleths (月度考核得分), best to worst.
SCORE_BANDS = [(95, "#1a9641", "95 分及以上"), (90, "#a6d96a", "90–95 分"), (80, "#f5b800", "80–90 分"),
               (70, "#fdae61", "70–80 分"), (None, "#d7191c", "70 分以下")]


def score_color(value):
    if value is None:
        return "#cccccc"
    for floor, color, _ in SCORE_BANDS:
        if floor is None or value >= floor:
            return color
    return "#cccccc"


def score_legend(m, title="月度得分"):
    add_legend(m, title, [(color, label, str(i), None) for i, (_, color, label) in enumerate(SCORE_BANDS)])
