"""The water bodies layer of the battle map (/map/), drawn on layers.signals.battle_map_drawn
(WaterbodiesConfig.ready()): the list's polygons and lines of the visible area from the bbox-filtered list API,
coloured by status; nothing is embedded in the page."""
from branca.element import Template
from django.urls import reverse
from folium import FeatureGroup

from layers.maps import LiveLayer

from .models import Status

# Project default colours: black-odorous and rebounded dark, under treatment amber, eliminated blue.
COLORS = {"black_odorous": "#3b2f2f", "treating": "#e08e0b", "eliminated": "#2b83ba", "rebounded": "#8e0152"}
LABELS = dict(Status.choices)


class LiveWaters(LiveLayer):
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
          {{ this.shift }}
          var map = {{ this._parent.get_name() }}, group = {{ this.group }}, colors = {{ this.colors|tojson }};
          var labels = {{ this.labels|tojson }}, seq = 0, box = map.getContainer();
          function load() {
            if (map.getZoom() < {{ this.min_zoom }}) { group.clearLayers(); box.setAttribute("data-waters", "0");
                                                      return; }
            var b = map.getBounds(), sw = fromMap(b.getSouth(), b.getWest()), ne = fromMap(b.getNorth(), b.getEast());
            var bbox = [sw[1], sw[0], ne[1], ne[0]].map(function(v) { return v.toFixed(6); }).join(",");
            var mine = ++seq;
            fetch({{ this.url|tojson }} + "?bbox=" + bbox, {credentials: "same-origin"})
              .then(function(r) { return r.json(); }).then(function(fc) {
                if (mine !== seq) return;
                group.clearLayers();
                L.geoJSON(fc, {
                  coordsToLatLng: function(c) { return L.latLng(toMap(c[1], c[0])); },
                  style: function(f) { var c = colors[f.properties.status];
                                       return {color: c, weight: 3, fillColor: c, fillOpacity: 0.35}; },
                  onEachFeature: function(f, layer) {
                    layer.bindTooltip(f.properties.name + " · " + (labels[f.properties.status] || ""));
                  }
                }).addTo(group);
                box.setAttribute("data-waters", String((fc.features || []).length));
              });
          }
          map.on("moveend", load);
          load();
        })();
        {% endmacro %}
    """)


def add_water_layer(m, request):
    group = FeatureGroup(name="黑臭水体")
    group.add_to(m)
    LiveWaters(m, group=group.get_name(), url=reverse("waterbodies:list"), colors=COLORS, labels=LABELS,
               min_zoom=11).add_to(m)
    return group
