from django.urls import path

from . import api

app_name = "geo"

urlpatterns = [
    path("api/locate/", api.Locate.as_view(), name="locate"),
    path("api/towns/", api.TownList.as_view(), name="towns"),
    path("api/villages/", api.VillageList.as_view(), name="villages"),
    path("api/grids/", api.GridList.as_view(), name="grids"),
]
