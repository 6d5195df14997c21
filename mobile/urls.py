from django.urls import path

from . import views

app_name = "mobile"

urlpatterns = [
    path("m/", views.app, name="app"),
    path("m/sw.js", views.service_worker, name="sw"),
    path("m/manifest.webmanifest", views.manifest, name="manifest"),
]
