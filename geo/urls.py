from django.urls import path
from django.views.decorators.gzip import gzip_page

from . import api

app_name = "geo"

urlpatterns = [
    path("api/locate/", api.Locate.as_view(), name="locate"),
    # Boundaries are the largest answers the field app fetches on a village's weak signal: compressed (they hold
    # no secret, so compression leaks nothing, unlike a page with a CSRF token).
    path("api/towns/", gzip_page(api.TownList.as_view()), name="towns"),
    path("api/villages/", gzip_page(api.VillageList.as_view()), name="villages"),
    path("api/grids/", gzip_page(api.GridList.as_view()), name="grids"),
]
