"""Inbox API: the caller's own notifications only."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import BadInput

from . import services
from .models import Kind, Notification, Preference


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField()

    class Meta:
        model = Notification
        fields = ("id", "kind", "text", "issue", "order", "read", "created")


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "22:00",
                     "nullable": True})
class ClockTime(serializers.TimeField):
    """A time of day to the minute, "HH:MM" both ways (a zone or fractions of a second mean nothing here)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], allow_null=True, required=False,
                         **kwargs)


class PreferenceSerializer(serializers.ModelSerializer):
    quiet_start = ClockTime(label="免打扰开始")
    quiet_end = ClockTime(label="免打扰结束")

    class Meta:
        model = Preference
        fields = ("email", "sms", "phone", "quiet_start", "quiet_end")

    def validate_phone(self, value):
        if value and not (value.isdigit() and 5 <= len(value) <= 20):
            raise serializers.ValidationError("手机号应为数字")
        return value


class NotificationList(APIView):
    @extend_schema(parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)],
                   responses={200: NotificationSerializer(many=True)})
    def get(self, request):
        qs = Notification.objects.filter(user=request.user)
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return Response(NotificationSerializer(qs.order_by("-created", "-id")[:200], many=True).data)


class NotificationRead(APIView):
    leader_may_write = True  # their own inbox
    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request, pk):
        return Response(NotificationSerializer(services.mark_read(request.user, pk)).data)


class NotificationReadAll(APIView):
    """Marks all the caller's unread notifications read (of one `kind` when given); answers how many were."""
    leader_may_write = True  # their own inbox

    @extend_schema(request=None, parameters=[OpenApiParameter("kind", OpenApiTypes.STR)],
                   responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in Kind.values:
            raise BadInput(f"未知的消息类型：{kind}", field="kind")
        return Response({"marked": services.mark_all_read(request.user, kind)})


class UnreadCount(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"unread": services.unread_count(request.user)})


class PreferenceView(APIView):
    leader_may_write = True  # their own settings
    @extend_schema(responses={200: PreferenceSerializer})
    def get(self, request):
        pref, _ = Preference.objects.get_or_create(user=request.user)
        return Response(PreferenceSerializer(pref).data)

    @extend_schema(request=PreferenceSerializer, responses={200: PreferenceSerializer})
    def put(self, request):
        pref, _ = Preference.objects.get_or_create(user=request.user)
        body = PreferenceSerializer(pref, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        body.save()
        return Response(body.data)
