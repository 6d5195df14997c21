"""Request bodies of the household points API, for the API docs and the property test: the services
(households.services) check every field themselves and answer 400 naming the one at fault."""
from rest_framework import serializers

from core import inputs

from .models import ItemKind


class RuleItemRequest(serializers.Serializer):
    key = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=inputs.NAME_MAX_LENGTH)
    points = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    category = serializers.CharField(max_length=20, required=False)


class RulesRequest(serializers.Serializer):
    village = serializers.CharField(max_length=12, required=False, help_text="不填：区级参考细则")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    board_n = serializers.IntegerField(min_value=1, required=False)
    items = RuleItemRequest(many=True, required=False)
    valid_from = serializers.DateField(required=False)


class ScoreRequest(serializers.Serializer):
    item = serializers.CharField(max_length=30)
    month = serializers.CharField(max_length=7, required=False, help_text="YYYY-MM")
    date = serializers.DateField(required=False)
    note = serializers.CharField(max_length=inputs.NOTE_MAX_LENGTH, required=False)
    client_uuid = serializers.UUIDField(required=False)


class GoodRequest(serializers.Serializer):
    village = serializers.CharField(max_length=12)
    name = serializers.CharField(max_length=inputs.NAME_MAX_LENGTH)
    price = serializers.IntegerField(min_value=1)
    stock = serializers.IntegerField(min_value=0)


class RedeemRequest(serializers.Serializer):
    good = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1, required=False)


class LinkRequest(serializers.Serializer):
    issue = serializers.IntegerField()
    item = serializers.CharField(max_length=30)


class PublishRequest(serializers.Serializer):
    village = serializers.CharField(max_length=12)
    quarter = serializers.CharField(max_length=7, help_text="YYYY-Qn")
