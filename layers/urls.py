from django.urls import path

from . import api, pages

app_name = "layers"

urlpatterns = [
    path("api/issues/counts/", api.IssueCounts.as_view(), name="issue-counts"),
    path("api/lights/", api.Lights.as_view(), name="lights"),
    path("api/heatmap/", api.Heatmap.as_view(), name="heatmap-api"),
    path("api/hotspots/", api.Hotspots.as_view(), name="hotspots"),
    path("api/hotspots/emerging/", api.EmergingHotspots.as_view(), name="hotspots-emerging"),
    path("api/tiles/token/", api.TileToken.as_view(), name="tile-token"),
    path("tiles/issues/<int:z>/<int:x>/<int:y>.pbf", api.IssueTile.as_view(), name="issue-tile"),
    path("tiles/base/<int:z>/<int:x>/<int:y>.pbf", api.BaseTile.as_view(), name="base-tile"),
    path("map/", pages.battle_map, name="battle-map"),
    path("heatmap/", pages.heatmap, name="heatmap"),
]
