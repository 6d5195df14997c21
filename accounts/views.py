from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_SECONDS = 300


@login_not_required
def healthz(request):
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT postgis_lib_version()")
            postgis = cur.fetchone()[0]
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "detail": f"database: {exc.__class__.__name__}"}, status=503)
    return JsonResponse({"status": "ok", "postgis": postgis})


def _client_key(request):
    return f"login-fail:{request.META.get('REMOTE_ADDR', '')}"


class ThrottledLoginView(auth_views.LoginView):
    """Web login that locks an address out for a while after repeated failures."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        key = _client_key(request)
        if cache.get(key, 0) >= LOGIN_MAX_FAILURES:
            return HttpResponse(
                "登录失败次数过多，请5分钟后再试。", status=429, content_type="text/plain; charset=utf-8"
            )
        response = super().post(request, *args, **kwargs)
        if response.status_code != 302:
            cache.set(key, cache.get(key, 0) + 1, LOGIN_LOCK_SECONDS)
        else:
            cache.delete(key)
        return response


class TokenRequest(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenView(APIView):
    """POST {"username", "password"} → {"token"}; throttled per client."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = AuthTokenSerializer

    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
