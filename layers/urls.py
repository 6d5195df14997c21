from django.urls import path

from . import api

urlpatterns = [
    path("issues/counts/", api.IssueCounts.as_view(), name="issue-counts"),
    path("lights/", api.Lights.as_view(), name="lights"),
    path("heatmap/", api.Heatmap.as_view(), name="heatmap-api"),
    path("hotspots/", api.Hotspots.as_view(), name="hotspots"),
    path("hotspots/emerging/", api.EmergingHotspots.as_view(), name="hotspots-emerging"),
]
