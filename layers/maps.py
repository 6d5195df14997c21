"""Every map in the product is built here, with folium, from our own static files (no CDN, no internet).

Pages assemble layers (`new_map`, `add_*`) and embed `map_parts(m)`; they never build maps by hand.

folium is imported inside the functions that use it: it imports pandas, and this module is loaded with the URLs
(a served worker imports it before it accepts connections: config/wsgi.py). branca, which the classes below
extend, is light.
"""
import json

from branca.element import MacroElement, Template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.urls import reverse

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
# The default: our own vector tiles from PostGIS (layers/basemap.py), drawn by static/js/basemap.js.
BASE = "base"
BASE_ATTRIBUTION = "底图：本系统道路、水系、行政区划数据"


def basemap_name():
    """`MAP_BASEMAP`: unset → our own offline base map; none | custom | osm | tianditu | gaode otherwise."""
    return (settings.MAP_BASEMAP or BASE).lower()


class MapFrame(MacroElement):
    """What every map carries: our map styles and scripts, a metric scale, a text-only attribution (Leaflet's
    prefix carries a flag image), the offline base map when it is the basemap, and the place names."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }};
          map.attributionControl.setPrefix("Leaflet");
          L.control.scale({metric: true, imperial: false, maxWidth: 160}).addTo(map);
          {% if this.base_url %}
          L.offlineBaseMap({{ this.base_url|tojson }}, {attribution: {{ this.attribution|tojson }}}).addTo(map);
          {% endif %}
          {% if this.names %}L.placeNames({{ this.names }}).addTo(map);{% endif %}
        })();
        {% endmacro %}
    """)

    def __init__(self, base_url=None, attribution="", names=None):
        super().__init__()
        self.base_url, self.attribution = base_url, attribution
        # Chinese as UTF-8, not \\uXXXX (a third of the bytes); "<", ">" and "&" escaped for the script element.
        self.names = json.dumps(names, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c").replace(
            ">", "\\u003e").replace("&", "\\u0026") if names else None
        self.js_links = [("rp_basemap", static("js/basemap.js")), ("rp_labels", static("js/map-labels.js"))]
        self.css_links = [("rp_maps", static("css/maps.css"))]

    def render(self, **kwargs):
        from branca.element import CssLink, JavascriptLink

        figure = self.get_root()
        for name, url in self.js_links:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.css_links:
            figure.header.add_child(CssLink(url), name=name)
        super().render(**kwargs)


def new_map(bounds=None, basemap=None, user=None, names=None, **kwargs):
    """A map over the configured basemap (our own offline vector tiles unless `MAP_BASEMAP` says otherwise),
    with a metric scale and, given the `user`, the names of the towns, villages and grids of their area (or
    the `names` given, in queries.place_names' shape, for a small map of one place).

    Tianditu (CGCS2000) overlays our WGS-84 data with no shift; a Gaode basemap is GCJ-02, so everything drawn
    on it goes through `display_geojson`, which shifts a copy — never the stored data. A `custom` basemap is the
    office's own XYZ raster service (`MAP_TILE_URL`), taken to be in WGS-84 / CGCS2000 like Tianditu.
    """
    import folium

    basemap = basemap or basemap_name()
    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=True, zoom_control=True, **kwargs)
    m._basemap = basemap
    if basemap in BASEMAPS:
        url, attr = BASEMAPS[basemap]
        subdomains = "01234567" if basemap == "tianditu" else "1234"
        folium.TileLayer(url.replace("{key}", settings.TIANDITU_KEY), attr=attr, name="底图",
                         subdomains=subdomains, max_zoom=18).add_to(m)
    elif basemap == "custom":
        if not settings.MAP_TILE_URL:
            raise ImproperlyConfigured("MAP_BASEMAP=custom needs MAP_TILE_URL (an XYZ template with {z}/{x}/{y})")
        folium.TileLayer(settings.MAP_TILE_URL, attr=settings.MAP_TILE_ATTRIBUTION, name="底图",
                         subdomains=settings.MAP_TILE_SUBDOMAINS or "abc", max_zoom=18).add_to(m)
    if names is None and user is not None:
        from . import queries

        names = queries.place_names(user)
    base_url = reverse("layers:base-tile", args=[0, 0, 0]).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    MapFrame(base_url if basemap == BASE else None, BASE_ATTRIBUTION, names).add_to(m)
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
    import folium

    layer = folium.GeoJson(
        display_geojson(m, geojson), name=name, show=show,
        style_function=lambda f: {"color": color, "weight": weight, "fillOpacity": 0},
        tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(aliases)) if geojson.get("features") else None,
    )
    layer.add_to(m)
    return layer


def add_choropleth(m, geojson, prop, colors, name, fields=("name",), aliases=("名称",), opacity=0.55,
                   default="#cccccc", popup_fields=None, popup_aliases=None):
    """Areas filled by the value of a property (`colors`: value → colour, or a function value → colour).

    `popup_fields` (optional) open a popup with those properties on a click (values may hold a link).
    """
    import folium

    pick = colors if callable(colors) else (lambda v: colors.get(v, default))
    layer = folium.GeoJson(
        display_geojson(m, geojson), name=name,
        style_function=lambda f: {"fillColor": pick(f["properties"].get(prop)), "color": "#555", "weight": 1,
                                  "fillOpacity": opacity},
        highlight_function=lambda f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(aliases)) if geojson.get("features") else None,
        popup=folium.GeoJsonPopup(fields=list(popup_fields), aliases=list(popup_aliases or popup_fields))
        if popup_fields and geojson.get("features") else None,
    )
    layer.add_to(m)
    return layer


def area_geojson(areas, props=None, tolerance=0.00005):
    """Areas (a queryset, or areas in hand) as a FeatureCollection, boundaries lightly simplified for the browser.
    A queryset is simplified and written as GeoJSON by PostGIS (the same GEOS simplifier): loading each full
    boundary into Python to simplify it there cost a district page tens of milliseconds."""
    props = props or {}
    if hasattr(areas, "values_list"):
        from django.contrib.gis.db.models import GeometryField
        from django.contrib.gis.db.models.functions import AsGeoJSON
        from django.db.models import F, Func, Value

        simple = Func(F("boundary"), Value(tolerance), function="ST_SimplifyPreserveTopology",
                      output_field=GeometryField(srid=4326))
        rows = areas.values_list("code", "name", AsGeoJSON(simple, precision=6))
    else:
        rows = [(a.code, a.name, a.boundary.simplify(tolerance, preserve_topology=True).geojson) for a in areas]
    features = [{"type": "Feature", "geometry": json.loads(geojson),
                 "properties": {"code": code, "name": name, **props.get(code, {})}}
                for code, name, geojson in rows]
    return {"type": "FeatureCollection", "features": features}


def issue_page(pk):
    """The page of one problem (a map's popups link there)."""
    return reverse("patrol:issue-detail", args=[pk])


def add_issue_pins(m, features, icons=None, name="问题点位", cluster=True, names=None, role="", z_offset=0,
                   color=None):
    """Problem pins coloured by light, the category as the icon (`icons`: category code → Font Awesome name) and
    its Chinese name in the tooltip (`names`: code → name). Red above yellow above green; closed (green) pins
    faded. Each pin carries the classes `map-pin-<light>` and, given a `role`, `map-pin-<role>`; `color` (an
    awesome-markers colour name) draws every pin in that colour instead of its light's."""
    import folium
    from folium.plugins import MarkerCluster

    icons, names = icons or {}, names or {}
    group = MarkerCluster(name=name) if cluster else folium.FeatureGroup(name=name)
    colors = {"red": "red", "yellow": "orange", "green": "green"}
    for f in features:
        lon, lat = f["geometry"]["coordinates"][:2]
        p = f["properties"]
        light, category = p.get("light"), p.get("category")
        label = names.get(category, "其他类别")
        classes = f"map-pin-{light}" + (f" map-pin-{role}" if role else "")
        when = str(p.get("reported_at") or "")[:10]
        folium.Marker(
            display_point(m, lat, lon), z_index_offset=z_offset + PIN_RANK.get(light, 0),
            opacity=0.6 if light == "green" and not color else 1,
            icon=folium.Icon(color=color or colors.get(light, "gray"), icon=icons.get(category, "circle"), prefix="fa",
                             class_name=f"awesome-marker {classes}"),
            tooltip=f"#{p['id']} {label} {LIGHT_LABELS.get(light, '')}" + (f" · {when} 上报" if when else ""),
            popup=folium.Popup(f'<a href="{issue_page(p["id"])}" target="_top">问题 #{p["id"]}</a> {label}',
                               max_width=200),
        ).add_to(group)
    group.add_to(m)
    return group


# Leaflet stacks markers by their y plus this offset: red above yellow above green, whatever their latitude.
PIN_RANK = {"red": 20000, "yellow": 10000, "green": 0}


def add_heatmap(m, points, name="热力图", radius=18, **options):
    """points: [(lon, lat, weight), ...]; `options` go to Leaflet.heat (e.g. max=the largest weight)."""
    from folium.plugins import HeatMap

    data = [display_point(m, lat, lon) + [w] for lon, lat, w in points]
    layer = HeatMap(data, name=name, radius=radius, min_opacity=0.3, **options)
    layer.add_to(m)
    return layer


def add_routes(m, routes, name="巡查路线"):
    """routes: [{"team": n, "coordinates": [[lon, lat], ...], "color": optional, "label": optional,
    "dash": optional SVG dash pattern such as "8 6" (a dashed line)}, ...]"""
    import folium

    palette = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"]
    group = folium.FeatureGroup(name=name)
    for i, route in enumerate(routes):
        color = route.get("color") or palette[i % len(palette)]
        folium.PolyLine([display_point(m, lat, lon) for lon, lat in route["coordinates"]], color=color, weight=4,
                        opacity=0.85, tooltip=route.get("label") or f"第{route['team']}组",
                        dash_array=route.get("dash")).add_to(group)
    group.add_to(m)
    return group


def geojson_bounds(fc):
    """(minx, miny, maxx, maxy) of a FeatureCollection's coordinates, or None when it has none."""
    xs, ys = [], []

    def walk(c):
        if c and isinstance(c[0], int | float):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c or ():
                walk(part)

    for f in fc.get("features", []):
        walk((f.get("geometry") or {}).get("coordinates"))
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def add_stops(m, stops, start=None, name="计划点位"):
    """Patrol stops as numbered circles in their team's colour (stops: [{"lon", "lat", "number", "color",
    "label"}]), and the start as a ▶ 出发 marker above them."""
    import folium

    group = folium.FeatureGroup(name=name)
    for s in stops:
        folium.Marker(
            display_point(m, s["lat"], s["lon"]), tooltip=s["label"], z_index_offset=1000,
            icon=folium.DivIcon(html=f'<div class="stop-number" style="color:{s["color"]}" data-stop="{s["number"]}">'
                                     f'{s["number"]}</div>', icon_size=(24, 24), icon_anchor=(12, 12),
                                class_name="stop-marker"),
        ).add_to(group)
    if start:
        folium.Marker(
            display_point(m, start[1], start[0]), tooltip="出发点", z_index_offset=5000,
            icon=folium.DivIcon(html='<div class="stop-start" data-testid="start-marker">▶ 出发</div>',
                                icon_size=(48, 20), icon_anchor=(6, 10), class_name="stop-marker"),
        ).add_to(group)
    group.add_to(m)
    return group


class Legend(MacroElement):
    """One legend box per map, in sections that each say one thing (village lights counted as villages, problem
    pins as problems, …), every entry with the symbol drawn on the map."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="map-legend" data-testid="map-legend">
          {% for section in this.sections %}
          <section data-section="{{ section.key }}"><b>{{ section.title }}</b>
          {% for item in section["items"] %}
          <div>{% if item.icon %}<span class="sym" style="color:{{ item.color }}">
               <i class="fa fa-{{ item.icon }}"></i></span>
               {% elif item.line %}<span class="swatch" style="height:4px;border:0;background:{{ item.color }}">
               </span>{% else %}<span class="swatch{% if item.dot %} dot{% endif %}"
               style="background:{{ item.color }}"></span>{% endif %}{{ item.label }}
               {% if item.count is not none %}<span data-legend="{{ item.key }}">{{ item.count }}</span>
               {{- section.unit }}{% endif %}</div>
          {% endfor %}
          {% if section.note %}<div class="text-muted small">{{ section.note }}</div>{% endif %}
          {% if section.toggle %}<div><label><input type="checkbox" id="{{ section.toggle.id }}"
               {% if section.toggle.checked %}checked{% endif %}> {{ section.toggle.label }}</label></div>{% endif %}
          </section>
          {% endfor %}
        </div>
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self.sections = []


def legend_section(m, title, items, key="", unit="", note="", toggle=None):
    """Add a section to the map's legend. items: [{"color", "label", "key", "count", and "dot" | "icon" | "line"},
    ...]; `unit` follows each count (个村, 个问题); `toggle` {"id", "label", "checked"} a checkbox under it."""
    legend = getattr(m, "_legend", None)
    if legend is None:
        legend = m._legend = Legend()
        legend.add_to(m)
    legend.sections.append({"title": title, "items": items, "key": key, "unit": unit, "note": note,
                            "toggle": toggle})


def add_legend(m, title, items):
    """items: [(colour, label, key, count or None), ...]"""
    legend_section(m, title, [{"color": c, "label": label, "key": k, "count": n, "dot": True}
                              for c, label, k, n in items])


def light_legend(m, counts=None, title="亮灯"):
    counts = counts or {}
    add_legend(m, title, [(LIGHT_COLORS[k], LIGHT_LABELS[k], k, counts.get(k)) for k in ("red", "yellow", "green")])


# What each light means on a pin (a problem) and on an area (a village or town at the month's end).
PIN_LIGHT_LABELS = {"red": "红灯（超期或督办）", "yellow": "黄灯（整改中）", "green": "绿灯（已销号）"}
AREA_LIGHT_LABELS = {"red": "红灯（有超期或督办问题）", "yellow": "黄灯（有整改中问题）",
                     "green": "绿灯（无未销号问题）"}


def area_light_legend(m, title, level_name="行政村", counts=None):
    """The areas' lights, counted as areas (keys area-red …), kept equal to the areas in view (LiveAreaCounts)."""
    counts = counts or {}
    unit = "个村" if level_name == "行政村" else "个街镇"
    legend_section(m, title, [{"color": LIGHT_COLORS[k], "label": AREA_LIGHT_LABELS[k], "key": f"area-{k}",
                               "count": counts.get(k, 0)} for k in ("red", "yellow", "green")],
                   key="areas", unit=unit)


def pin_legend(m, categories, counts=None, title="视图内问题"):
    """Problem pins: lights counted as problems in view (keys red/yellow/green, kept live by add_live_counts),
    each category's symbol, and the 显示已销号 switch for closed pins."""
    counts = counts or {}
    legend_section(m, title, [{"color": LIGHT_COLORS[k], "label": PIN_LIGHT_LABELS[k], "key": k,
                               "count": counts.get(k), "dot": True} for k in ("red", "yellow", "green")],
                   key="pins", unit="个问题")
    legend_section(m, "问题类别（图钉符号）", [{"color": "#333", "label": name, "key": f"category-{code}",
                                           "count": None, "icon": icon} for code, name, icon in categories],
                   key="categories",
                   toggle={"id": "show-closed", "label": "显示已销号", "checked": False},
                   note="放大到 14 级显示问题图钉；红灯在上，已销号默认隐藏、显示时淡化。")


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


# How the templates' `tojson` writes data (the GeoJSON of areas is most of a map page): no spaces after "," and
# ":", and Chinese as UTF-8 rather than \\uXXXX (a third of the bytes). Jinja escapes <, >, & and ' after dumping,
# so the result stays safe inside a <script> element.
COMPACT_JSON = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}


def _compact(element):
    template = getattr(element, "_template", None)
    if template is not None:
        template.environment.policies["json.dumps_kwargs"] = COMPACT_JSON
    for child in element._children.values():
        _compact(child)


def map_parts(m, layer_control=True):
    """The map as three pieces for a Django template: `head` (styles/scripts), `body` (the div), `script`."""
    import folium

    if layer_control:
        folium.LayerControl(collapsed=False).add_to(m)
    localize(m)
    _compact(m)
    figure = m.get_root()
    figure.render()
    return {
        "head": figure.header.render(),
        "body": figure.html.render(),
        "script": figure.script.render(),
        "map_name": m.get_name(),
    }


# --- hot spots ---------------------------------------------------------------------------------------------

HOTSPOT_COLORS = {
    "hot_99": "#d62f27", "hot_95": "#ed7551", "hot_90": "#fab984", "not_significant": "#f0f0f0",
    "cold_90": "#abc4e0", "cold_95": "#6d94c4", "cold_99": "#4575b5",
}
HOTSPOT_LABELS = {
    "hot_99": "热点（99%置信）", "hot_95": "热点（95%置信）", "hot_90": "热点（90%置信）", "not_significant": "不显著",
    "cold_90": "冷点（90%置信）", "cold_95": "冷点（95%置信）", "cold_99": "冷点（99%置信）",
}
EMERGING_LABELS = {
    "none": "无时空模式",
    "new_hot": "新增热点", "consecutive_hot": "连续热点", "intensifying_hot": "加强热点",
    "persistent_hot": "持续热点", "diminishing_hot": "减弱热点", "sporadic_hot": "零星热点",
    "oscillating_hot": "振荡热点", "historical_hot": "历史热点",
    "new_cold": "新增冷点", "consecutive_cold": "连续冷点", "intensifying_cold": "加强冷点",
    "persistent_cold": "持续冷点", "diminishing_cold": "减弱冷点", "sporadic_cold": "零星冷点",
    "oscillating_cold": "振荡冷点", "historical_cold": "历史冷点",
}


def add_hotspot_cells(m, geojson, name="热点网格", show=True):
    """Hexagonal cells coloured by their Gi* class; the tooltip names class, count, z and emerging category.

    Expects properties `class`, `count`, `gi_z` and optionally `emerging`; labels are added here.
    """
    import folium

    data = json.loads(json.dumps(geojson))
    for f in data.get("features", []):
        p = f["properties"]
        p["class_label"] = HOTSPOT_LABELS.get(p.get("class"), p.get("class"))
        p["emerging_label"] = EMERGING_LABELS.get(p.get("emerging", "none"), p.get("emerging"))
        p["gi_z"] = round(float(p.get("gi_z", 0)), 2)
    layer = folium.GeoJson(
        display_geojson(m, data), name=name, show=show,
        style_function=lambda f: {"fillColor": HOTSPOT_COLORS.get(f["properties"].get("class"), "#ccc"),
                                  "color": "#777", "weight": 0.5, "fillOpacity": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=["class_label", "emerging_label", "count", "gi_z"],
                                      aliases=["热点分类", "时空模式", "问题数", "Gi* z"])
        if data.get("features") else None,
    )
    layer.add_to(m)
    return layer


def hotspot_legend(m, counts=None, title="热点分析（Gi*，FDR校正）"):
    counts = counts or {}
    add_legend(m, title, [(HOTSPOT_COLORS[k], HOTSPOT_LABELS[k], k, counts.get(k)) for k in HOTSPOT_COLORS
                          if k != "not_significant"])


# --- layers loaded by the browser for the visible area ------------------------------------------------------

# The standard WGS-84 → GCJ-02 formulas (as geo.coords), for layers drawn in the browser over a Gaode basemap.
_GCJ_JS = """
function wgsToGcj(lat, lon) {
  if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) return [lat, lon];
  var a = 6378245.0, ee = 0.00669342162296594323, x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
  var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
  dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
  var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  dLon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
  dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
  var radLat = lat / 180.0 * PI, magic = Math.sin(radLat);
  magic = 1 - ee * magic * magic;
  var sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * PI);
  dLon = (dLon * 180.0) / (a / sqrtMagic * Math.cos(radLat) * PI);
  return [lat + dLat, lon + dLon];
}
"""


def _shift_js(m):
    """JS defining toMap(lat, lon) → [lat, lon] drawn on this map, and fromMap(latlng) → WGS-84 [lat, lon]."""
    if getattr(m, "_basemap", "none") == "gaode":
        return _GCJ_JS + """
        function toMap(lat, lon) { return wgsToGcj(lat, lon); }
        function fromMap(lat, lon) { var s = wgsToGcj(lat, lon); return [2 * lat - s[0], 2 * lon - s[1]]; }
        """
    return "function toMap(lat, lon) { return [lat, lon]; } function fromMap(lat, lon) { return [lat, lon]; }"


class LiveLayer(MacroElement):
    """Base of the layers that fetch data for the visible area: `this.setup` gives toMap/fromMap and viewBbox."""

    def __init__(self, m, **kwargs):
        super().__init__()
        self.shift = _shift_js(m)
        for k, v in kwargs.items():
            setattr(self, k, v)


class LivePins(LiveLayer):
    """Problem pins of the visible area (add_live_pins); closed ones clustered with Leaflet.markercluster."""

    def render(self, **kwargs):
        from branca.element import CssLink, JavascriptLink

        figure = self.get_root()
        figure.header.add_child(JavascriptLink(static(LOCAL_ASSETS["markerclusterjs"])), name="markerclusterjs")
        figure.header.add_child(CssLink(static(LOCAL_ASSETS["markerclustercss"])), name="markerclustercss")
        super().render(**kwargs)

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          {{ this.shift }}
          var map = {{ this._parent.get_name() }}, group = {{ this.group }}, page = {{ this.issue_page|tojson }};
          var icons = {{ this.icons|tojson }}, names = {{ this.names|tojson }}, labels = {{ this.labels|tojson }};
          var colors = {red: "red", yellow: "orange", green: "green"}, seq = 0;
          var rank = {red: 20000, yellow: 10000, green: 0};
          var box = map.getContainer(), toggle = document.getElementById("show-closed");
          // Closed (green) pins, when shown, are faded and gather into faded clusters (counts) until zoom 18, so
          // that a hundred closed pins never bury a red one (which also stacks above them: rank).
          var closed = L.markerClusterGroup({maxClusterRadius: 45,
            disableClusteringAtZoom: 18, showCoverageOnHover: false, spiderfyOnMaxZoom: false,
            iconCreateFunction: function(c) {
              var n = c.getChildCount();
              return L.divIcon({html: "<div><span>" + n + "</span></div>", iconSize: L.point(34, 34),
                                className: "marker-cluster closed-cluster"});
            }});
          function showClosed() {
            if (toggle && toggle.checked && map.getZoom() >= {{ this.min_zoom }}) closed.addTo(map);
            else closed.remove();
            box.setAttribute("data-pins-shown", String(group.getLayers().length +
                                                       (map.hasLayer(closed) ? closed.getLayers().length : 0)));
          }
          if (toggle) toggle.addEventListener("change", showClosed);
          function load() {
            var hint = document.getElementById("pins-hint");
            if (map.getZoom() < {{ this.min_zoom }}) {
              group.clearLayers();
              closed.clearLayers();
              box.setAttribute("data-pins", "0");
              box.setAttribute("data-pins-shown", "0");
              if (hint) hint.textContent = "放大到第 {{ this.min_zoom }} 级以上显示问题点位（当前为村级汇总）";
              return;
            }
            var b = map.getBounds(), sw = fromMap(b.getSouth(), b.getWest()), ne = fromMap(b.getNorth(), b.getEast());
            var bbox = [sw[1], sw[0], ne[1], ne[0]].map(function(v) { return v.toFixed(6); }).join(",");
            var query = {{ this.params|tojson }}, mine = ++seq;
            var url = {{ this.url|tojson }} + "?" + (query ? query + "&" : "") + "bbox=" + bbox +
                      "&page_size={{ this.page_size }}";
            fetch(url, {credentials: "same-origin"}).then(function(r) { return r.json(); }).then(function(fc) {
              if (mine !== seq) return;
              group.clearLayers();
              closed.clearLayers();
              (fc.features || []).forEach(function(f) {
                var p = f.properties, c = f.geometry.coordinates, shut = p.light === "green";
                var icon = L.AwesomeMarkers.icon({icon: icons[p.category] || "circle", prefix: "fa",
                                                  markerColor: colors[p.light] || "gray",
                                                  className: "awesome-marker map-pin-" + p.light});
                // Red above yellow above green, whatever their latitude (Leaflet stacks by y + offset).
                L.marker(toMap(c[1], c[0]), {icon: icon, zIndexOffset: rank[p.light] || 0, opacity: shut ? 0.5 : 1})
                  .bindTooltip("#" + p.id + " " + (names[p.category] || p.category) + " " + (labels[p.light] || ""))
                  .bindPopup('<a href="' + page.replace("{id}", p.id) + '" target="_top">问题 #' + p.id + "</a><br>" +
                             (names[p.category] || p.category) + " · " + (labels[p.light] || ""))
                  .addTo(shut ? closed : group);
              });
              box.setAttribute("data-pins", String((fc.features || []).length));
              box.setAttribute("data-pins-shown", String(group.getLayers().length +
                                                         (map.hasLayer(closed) ? closed.getLayers().length : 0)));
              showClosed();
              if (hint) hint.textContent = fc.count > (fc.features || []).length ?
                  "本视图共 " + fc.count + " 个问题，显示其中 " + fc.features.length + " 个，请放大查看" : "";
            });
          }
          map.on("moveend", load);
          load();
        })();
        {% endmacro %}
    """)


def add_live_pins(m, url, params="", icons=None, names=None, min_zoom=14, page_size=2000, name="问题点位"):
    """Problem pins for the visible area, fetched from the bbox-filtered list API (`url`, with the query string
    `params` of the page's filters) at zoom ≥ min_zoom; below it the page shows aggregates instead.

    The page's weight does not depend on the number of problems: nothing is embedded.
    """
    import folium

    group = folium.FeatureGroup(name=name)
    group.add_to(m)
    LivePins(m, group=group.get_name(), url=url, params=params, icons=icons or {}, names=names or {},
             labels=LIGHT_LABELS, min_zoom=int(min_zoom), page_size=int(page_size),
             issue_page=issue_page(0).replace("/0/", "/{id}/")).add_to(m)
    return group


class LiveCounts(LiveLayer):
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          {{ this.shift }}
          var map = {{ this._parent.get_name() }}, seq = 0;
          function load() {
            var b = map.getBounds(), sw = fromMap(b.getSouth(), b.getWest()), ne = fromMap(b.getNorth(), b.getEast());
            var bbox = [sw[1], sw[0], ne[1], ne[0]].map(function(v) { return v.toFixed(6); }).join(",");
            var query = {{ this.params|tojson }}, mine = ++seq;
            var url = {{ this.url|tojson }} + "?" + (query ? query + "&" : "") + "bbox=" + bbox;
            fetch(url, {credentials: "same-origin"}).then(function(r) { return r.json(); }).then(function(c) {
                if (mine !== seq) return;
                ["red", "yellow", "green"].forEach(function(k) {
                  document.querySelectorAll('[data-legend="' + k + '"]').forEach(function(el) {
                    el.textContent = c[k];
                  });
                });
                var legend = document.querySelector('[data-testid="map-legend"]');
                if (legend) legend.setAttribute("data-bbox", bbox);
                if (legend) legend.setAttribute("data-loaded", String(mine));
              });
          }
          map.on("moveend", load);
          load();
        })();
        {% endmacro %}
    """)


def add_live_counts(m, url, params=""):
    """Keep the legend's red/yellow/green counts equal to the counts API for the filters and the visible area."""
    LiveCounts(m, url=url, params=params).add_to(m)


class LiveAreaCounts(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }}, areas = {{ this.layer }};
          function count() {
            var view = map.getBounds(), c = {red: 0, yellow: 0, green: 0};
            areas.eachLayer(function(l) {
              var light = l.feature && l.feature.properties.light;
              if (light in c && view.intersects(l.getBounds())) c[light] += 1;
            });
            ["red", "yellow", "green"].forEach(function(k) {
              document.querySelectorAll('[data-legend="area-' + k + '"]').forEach(function(el) {
                el.textContent = c[k];
              });
            });
          }
          map.on("moveend", count);
          map.whenReady(count);
        })();
        {% endmacro %}
    """)

    def __init__(self, layer):
        super().__init__()
        self.layer = layer


def add_live_area_counts(m, layer):
    """Keep the legend's area counts (area-red …) equal to the areas of `layer` (a choropleth) in view."""
    LiveAreaCounts(layer.get_name()).add_to(m)


class HeatSlider(LiveLayer):
    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="heat-slider" data-testid="heat-slider" style="position:absolute;z-index:9999;top:10px;
             left:60px;background:#fff;padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
             font-size:13px">
          <label>月份 <input type="range" id="heat-month" min="0" max="{{ this.months|length - 1 }}"
                 value="{{ this.selected }}" step="1" style="vertical-align:middle;width:220px"></label>
          <b id="heat-month-label">{{ this.months[this.selected] }}</b>
          <span id="heat-count" data-testid="heat-count"></span>
        </div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
          {{ this.shift }}
          var heat = {{ this.heat }}, months = {{ this.months|tojson }}, seq = 0;
          var input = document.getElementById("heat-month"), label = document.getElementById("heat-month-label");
          var count = document.getElementById("heat-count");
          function load() {
            var month = months[+input.value], query = {{ this.params|tojson }}, mine = ++seq;
            label.textContent = month;
            fetch({{ this.url|tojson }} + "?" + (query ? query + "&" : "") + "from=" + month + "&to=" + month,
                  {credentials: "same-origin"}).then(function(r) { return r.json(); }).then(function(d) {
              if (mine !== seq) return;
              var max = 1;
              var pts = d.points.map(function(p) { max = Math.max(max, p[2]); var ll = toMap(p[1], p[0]);
                                                    return [ll[0], ll[1], p[2]]; });
              heat.setOptions({max: max});
              heat.setLatLngs(pts);
              count.textContent = "（" + d.count + " 个问题）";
              count.setAttribute("data-count", String(d.count));
              count.setAttribute("data-month", month);
            });
          }
          input.addEventListener("input", load);
          load();
        })();
        {% endmacro %}
    """)


def add_heat_slider(m, heat_layer, url, months, selected=None, params=""):
    """A month slider that reloads a heat layer from the heat API (`url`) for one month at a time."""
    selected = len(months) - 1 if selected is None else selected
    HeatSlider(m, heat=heat_layer.get_name(), url=url, months=list(months), selected=int(selected),
               params=params).add_to(m)


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
