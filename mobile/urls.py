from django.urls import path

from . import views

urlpatterns = [
    path("", views.app, name="mobile"),
    path("sw.js", views.service_worker, name="mobile-sw"),
    path("manifest.webmanifest", views.manifest, name="mobile-manifest"),
]
