from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.views import ThrottledLoginView, TokenView, healthz, home
from layers.api import IssueTile

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/", include("geo.urls")),
    path("api/", include("layers.urls")),
    path("tiles/issues/<int:z>/<int:x>/<int:y>.pbf", IssueTile.as_view(), name="issue-tile"),
    path("api/", include("patrol.urls")),
    path("api/", include("patrol.patrol_urls")),
    path("api/", include("patrol.assessment_urls")),
    path("m/", include("mobile.urls")),
    path("", include("patrol.pages")),
    path("", include("patrol.patrol_pages")),
    path("", include("patrol.assessment_pages")),
    path("", include("layers.pages")),
]
