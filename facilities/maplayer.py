"""The facilities layer of the battle map (/map/), registered with layers.registry in FacilitiesConfig.ready().

Facilities of the visible area come from the bbox-filtered list API and are drawn as circle markers in a
marker cluster (clustered at low zoom), coloured by status and open orders; nothing is embedded in the page.
"""
from branca.element import Template
from django.urls import reverse
from folium.plugins import MarkerCluster

from layers.maps import _Live

COLORS = {"in_use": "#1a9641", "orders": "#f5b800", "problem": "#d7191c", "out_of_service": "#777777"}
LABELS = {"in_use": "正常使用", "orders": "有未完成工单", "problem": "存在问题", "out_of_service": "停用"}


class LiveFacilities(_Live):
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          {{ this.shift }}
          var map = {{ this._parent.get_name() }}, group = {{ this.group }}, colors = {{ this.colors|tojson }};
          var labels = {{ this.labels|tojson }}, seq = 0, box = map.getContainer();
          function load() {
            if (map.getZoom() < {{ this.min_zoom }}) { group.clearLayers(); box.setAttribute("data-facilities", "0");
                                                      return; }
            var b = map.getBounds(), sw = fromMap(b.getSouth(), b.getWest()), ne = fromMap(b.getNorth(), b.getEast());
            var bbox = [sw[1], sw[0], ne[1], ne[0]].map(function(v) { return v.toFixed(6); }).join(",");
            var mine = ++seq;
            fetch({{ this.url|tojson }} + "?bbox=" + bbox + "&page_size=3000", {credentials: "same-origin"})
              .then(function(r) { return r.json(); }).then(function(fc) {
                if (mine !== seq) return;
                group.clearLayers();
                (fc.features || []).forEach(function(f) {
                  var p = f.properties, c = f.geometry.coordinates;
                  var key = p.status === "in_use" && p.open_orders > 0 ? "orders" : p.status;
                  L.circleMarker(toMap(c[1], c[0]), {radius: 6, color: "#fff", weight: 1, fillColor: colors[key],
                                                     fillOpacity: 0.9})
                    .bindTooltip(p.kind_name + " " + p.code + " · " + labels[key] +
                                 (p.open_orders ? "（工单 " + p.open_orders + "）" : ""))
                    .addTo(group);
                });
                box.setAttribute("data-facilities", String((fc.features || []).length));
              });
          }
          map.on("moveend", load);
          load();
        })();
        {% endmacro %}
    """)


class _MaxZoom(_Live):
    """Leaflet.markercluster needs the map's maxZoom; a map without a basemap has none (set before the cluster)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.options.maxZoom = {{ this._parent.get_name() }}.options.maxZoom || 19;
        {% endmacro %}
    """)


def add_facility_layer(m, request):
    _MaxZoom(m).add_to(m)
    cluster = MarkerCluster(name="设施（一厕一码）", options={"disableClusteringAtZoom": 17})
    cluster.add_to(m)
    LiveFacilities(m, group=cluster.get_name(), url=reverse("facilities:facilities"), colors=COLORS, labels=LABELS,
                   min_zoom=11).add_to(m)
    return cluster

