"""The site: each app brings one urls.py (with its app_name); the paths themselves are written there."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("accounts.urls")),
    path("", include("geo.urls")),
    path("", include("layers.urls")),
    path("", include("patrol.urls")),
    path("", include("planning.urls")),
    path("", include("assessment.urls")),
    path("", include("mobile.urls")),
    path("", include("facilities.urls")),
    path("", include("waterbodies.urls")),
    path("", include("households.urls")),
    path("", include("supervision.urls")),
    path("", include("notifications.urls")),
    path("", include("workbench.urls")),
    path("", include("campaigns.urls")),
    path("", include("ops.urls")),
]
