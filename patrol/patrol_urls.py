from django.urls import path

from . import patrol_api

urlpatterns = [
    path("patrols/", patrol_api.PlanList.as_view(), name="patrol-plans"),
    path("patrols/plan/", patrol_api.PlanCreate.as_view(), name="patrol-plan"),
    path("patrols/candidates/", patrol_api.Candidates.as_view(), name="patrol-candidates"),
    path("patrols/tracks/", patrol_api.TrackCreate.as_view(), name="patrol-tracks"),
    path("patrols/coverage/", patrol_api.Coverage.as_view(), name="patrol-coverage"),
    path("patrols/<int:pk>/", patrol_api.PlanDetail.as_view(), name="patrol-plan-detail"),
    path("patrols/<int:pk>/route.gpx", patrol_api.PlanGpx.as_view(), name="patrol-plan-gpx"),
    path("patrols/<int:pk>/route.geojson", patrol_api.PlanGeoJSON.as_view(), name="patrol-plan-geojson"),
]
