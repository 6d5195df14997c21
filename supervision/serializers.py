"""Order request and response shapes."""
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.inputs import DateField, TextField
from patrol.serializers import photo_flags_for

from .models import Order


class OrderCreate(serializers.Serializer):
    problems = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
    addressee = serializers.CharField(max_length=12, help_text="街镇（9位）或行政村（12位）代码")
    deadline = DateField(help_text="新的整改期限 YYYY-MM-DD")
    requirements = serializers.CharField(allow_blank=True, default="", max_length=5000)
    reflect = serializers.BooleanField(default=False, help_text="是否要求举一反三报告")
    issuing_office = serializers.CharField(allow_blank=True, default="", max_length=100)
    client_uuid = serializers.UUIDField(required=False, allow_null=True, help_text="重试时不变，保证不重复")


class DraftIssue(serializers.Serializer):
    deadline = DateField()
    requirements = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    reflect = serializers.BooleanField(required=False)


class OrderAnswerRequest(serializers.Serializer):
    report = TextField(max_length=10000)
    similar = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                    help_text="举一反三发现并已上报的问题编号")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class OrderNote(serializers.Serializer):
    note = TextField(allow_blank=True, default="", max_length=5000)


def age_days(order, today=None):
    today = today or timezone.localdate()
    start = order.issued_at or order.created_at
    end = order.closed_at or timezone.now()
    return (timezone.localdate(end) - timezone.localdate(start)).days if start else 0


class OrderSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display")
    addressee = serializers.CharField(source="addressee_code")
    problems = serializers.SerializerMethodField()
    issuer = serializers.SerializerMethodField()
    age_days = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ("id", "number", "state", "state_label", "addressee", "addressee_name", "issuing_office", "issuer",
                  "issued_at", "deadline", "requirements", "reflect", "reason", "problems", "age_days", "overdue",
                  "closed_at", "created_at", "pdf")

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_problems(self, order):
        return sorted(p.issue_id for p in order.order_problems.all())

    @extend_schema_field({"type": "string", "nullable": True})
    def get_issuer(self, order):
        return order.issuer and (order.issuer.first_name or order.issuer.username)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_age_days(self, order):
        return age_days(order)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, order):
        return order.is_open and order.deadline is not None and order.deadline < timezone.localdate()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_pdf(self, order):
        return reverse("supervision:order-pdf", args=[order.pk]) if order.number else None


class OrderDetailSerializer(OrderSerializer):
    events = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = (*OrderSerializer.Meta.fields, "events", "answers")

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_events(self, order):
        return [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state, "at": e.at,
                 "actor": e.actor and (e.actor.first_name or e.actor.username), "note": e.note}
                for e in order.events.select_related("actor")]

    def _user(self):
        request = self.context.get("request")
        return request.user if request else None

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_answers(self, order):
        return [{"at": a.at, "report": a.report, "problem_states": a.problem_states,
                 "similar": sorted(a.similar.values_list("pk", flat=True)),
                 "photos": [reverse("supervision:answer-photo", args=[p.pk]) for p in a.photos.all()],
                 "photo_items": [{"id": p.pk, "url": reverse("supervision:answer-photo", args=[p.pk]),
                                  "phash": p.phash, "flags": photo_flags_for(self._user(), p.flags)}
                                 for p in a.photos.all()]}
                for a in order.answers.prefetch_related("photos")]
