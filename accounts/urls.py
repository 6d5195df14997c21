from django.contrib.auth import views as auth_views
from django.urls import path
from knox import views as knox_views

from . import views

app_name = "accounts"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/auth/token/", views.TokenView.as_view(), name="api-token"),
    path("api/auth/token/revoke/", knox_views.LogoutView.as_view(), name="api-token-revoke"),
    path("api/auth/token/revoke-all/", knox_views.LogoutAllView.as_view(), name="api-token-revoke-all"),
]
