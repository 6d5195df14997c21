from django.urls import path

from . import api, pages

app_name = "planning"

urlpatterns = [
    path("api/patrols/", api.PlanList.as_view(), name="plans"),
    path("api/patrols/plan/", api.PlanCreate.as_view(), name="plan"),
    path("api/patrols/today/", api.PlanToday.as_view(), name="plan-today"),
    path("api/patrols/candidates/", api.Candidates.as_view(), name="candidates"),
    path("api/patrols/tracks/", api.TrackCreate.as_view(), name="tracks"),
    path("api/patrols/coverage/", api.Coverage.as_view(), name="coverage"),
    path("api/patrols/<int:pk>/", api.PlanDetail.as_view(), name="plan-detail"),
    path("api/patrols/<int:pk>/route.gpx", api.PlanGpx.as_view(), name="plan-gpx"),
    path("api/patrols/<int:pk>/route.geojson", api.PlanGeoJSON.as_view(), name="plan-geojson"),
    path("patrols/", pages.patrols, name="patrols"),
    path("patrols/coverage/", pages.coverage, name="coverage-page"),
    path("patrols/tracks/", pages.upload_track, name="track-upload"),
    path("patrols/<int:pk>/", pages.patrols, name="patrol-detail"),
]
