"""Request bodies of the campaigns and tasks API, for the API docs and the property test: the services
(campaigns.services) check every field themselves and answer 400 naming the one at fault."""
from rest_framework import serializers

from core import inputs

from .models import Acceptance, PhaseKind, TaskLevel


class PhaseRequest(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=PhaseKind.choices)
    start = serializers.DateField()
    end = serializers.DateField()


class QuotaRequest(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    categories = serializers.ListField(child=serializers.CharField(max_length=30))
    per_village_per_week = serializers.IntegerField(min_value=0)


class CampaignRequest(serializers.Serializer):
    name = serializers.CharField(max_length=inputs.NAME_MAX_LENGTH)
    areas = serializers.ListField(child=serializers.CharField(max_length=15), help_text="区或街镇代码")
    start = serializers.DateField()
    end = serializers.DateField()
    categories = serializers.ListField(child=serializers.CharField(max_length=30))
    phases = PhaseRequest(many=True, required=False)
    quotas = QuotaRequest(many=True, required=False)


class QuotasChange(serializers.Serializer):
    quotas = QuotaRequest(many=True)


class AcceptanceRequest(serializers.Serializer):
    village = serializers.CharField(max_length=12)
    result = serializers.ChoiceField(choices=Acceptance.Result.choices)
    note = serializers.CharField(max_length=inputs.NOTE_MAX_LENGTH, required=False)


class TargetRequest(serializers.Serializer):
    area = serializers.CharField(max_length=15)
    target = serializers.FloatField(min_value=0)


class TaskRequest(serializers.Serializer):
    name = serializers.CharField(max_length=inputs.NAME_MAX_LENGTH)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    level = serializers.ChoiceField(choices=TaskLevel.choices)
    unit = serializers.CharField(max_length=20, required=False)
    schedule = serializers.ListField(child=serializers.FloatField(min_value=0, max_value=1), min_length=12,
                                     max_length=12, required=False, help_text="1–12 月的累计比例，12 月为 1")
    category = serializers.CharField(max_length=30, required=False)
    office = serializers.CharField(max_length=100, required=False)
    person = serializers.CharField(max_length=50, required=False)
    targets = TargetRequest(many=True)


class ProgressRequest(serializers.Serializer):
    area = serializers.CharField(max_length=15)
    value = serializers.FloatField()
    date = serializers.DateField()
    note = serializers.CharField(max_length=inputs.NOTE_MAX_LENGTH, required=False)
    confirm = serializers.BooleanField(required=False)
    client_uuid = serializers.UUIDField(required=False)
