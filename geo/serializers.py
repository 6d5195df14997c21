from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from core.inputs import FiniteFloatField

from .models import Grid, Town, Village


class AreaFeatureSerializer(GeoFeatureModelSerializer):
    """`code` stays in the properties (clients read it there) and is also the feature's id."""

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        feature["id"] = instance.code
        return feature


class TownSerializer(AreaFeatureSerializer):
    district = serializers.CharField(source="district_id")

    class Meta:
        model = Town
        geo_field = "boundary"
        id_field = False
        fields = ("code", "name", "district")


class VillageSerializer(AreaFeatureSerializer):
    town = serializers.CharField(source="town_id")

    class Meta:
        model = Village
        geo_field = "boundary"
        id_field = False
        fields = ("code", "name", "town")


class GridSerializer(AreaFeatureSerializer):
    village = serializers.CharField(source="village_id")

    class Meta:
        model = Grid
        geo_field = "boundary"
        id_field = False
        fields = ("code", "name", "village", "leader")


class LocateQuery(serializers.Serializer):
    lon = FiniteFloatField(min_value=-180, max_value=180)
    lat = FiniteFloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], default="wgs84")
