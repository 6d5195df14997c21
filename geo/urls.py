from django.urls import path

from . import api

urlpatterns = [
    path("locate/", api.Locate.as_view(), name="locate"),
    path("towns/", api.TownList.as_view(), name="towns"),
    path("villages/", api.VillageList.as_view(), name="villages"),
    path("grids/", api.GridList.as_view(), name="grids"),
]
