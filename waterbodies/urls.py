from django.urls import path

from . import api, pages

app_name = "waterbodies"

urlpatterns = [
    path("api/water-bodies/", api.WaterBodyList.as_view(), name="list"),
    path("api/water-bodies/<int:pk>/", api.WaterBodyDetail.as_view(), name="detail"),
    path("api/water-bodies/<int:pk>/status/", api.WaterBodyStatus.as_view(), name="status"),
    path("api/water-bodies/<int:pk>/visits/", api.WaterBodyVisits.as_view(), name="visits"),
    path("api/water-body-photos/<int:pk>/image", api.VisitPhotoImage.as_view(), name="photo"),
    path("water-bodies/", pages.water_list, name="page"),
]
