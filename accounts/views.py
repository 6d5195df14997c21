from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .auth import sweep_expired


@login_not_required
def healthz(request):
    """"ok" when the database answers; nothing about versions (they only help an attacker)."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})


class ThrottledLoginView(auth_views.LoginView):
    """Web login. Repeated failures for one name from one address lock that pair out (django-axes, counted in
    the database so every worker agrees; /admin/login/ goes through the same backend)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


class TokenRequest(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenView(APIView):
    """POST {"username", "password"} → {"token", "expiry"}; throttled per client, locked out like the web login.

    Tokens (django-rest-knox) expire API_TOKEN_HOURS after their last use and can be revoked: POST
    /api/auth/token/revoke/ with the token ends it, /api/auth/token/revoke-all/ ends all of the user's.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = AuthTokenSerializer

    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        sweep_expired(user)
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and user.auth_token_set.count() >= limit:
            raise PermissionDenied(f"该账号的登录令牌已达上限（{limit} 个），请先注销不用的设备")
        instance, token = AuthToken.objects.create(user=user)
        return Response({"token": token, "expiry": instance.expiry})
