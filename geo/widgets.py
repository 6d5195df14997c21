import json

from django.contrib.gis.forms.widgets import OpenLayersWidget


class OfflineMapWidget(OpenLayersWidget):
    """Django's OpenLayers editing widget with OpenLayers served from our static files and no tile server."""

    template_name = "gis/offline-map.html"
    default_lon, default_lat, default_zoom = 121.40, 31.05, 11

    class Media:
        extend = False  # replace, not add to, the parent's CDN-hosted OpenLayers
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js", "geo/offline-map.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context.update(default_lon=self.default_lon, default_lat=self.default_lat, default_zoom=self.default_zoom)
        context["options_json"] = json.dumps({
            "geom_name": str(context["geom_type"]), "id": context["id"], "map_id": context["id"] + "_map",
            "map_srid": context["map_srid"], "name": context["name"], "module": context["module"],
            "default_lon": self.default_lon, "default_lat": self.default_lat, "default_zoom": self.default_zoom,
        })
        return context
