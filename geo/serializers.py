from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from .models import Grid, Town, Village


class TownSerializer(GeoFeatureModelSerializer):
    district = serializers.CharField(source="district_id")

    class Meta:
        model = Town
        geo_field = "boundary"
        id_field = "code"
        fields = ("code", "name", "district")


class VillageSerializer(GeoFeatureModelSerializer):
    town = serializers.CharField(source="town_id")

    class Meta:
        model = Village
        geo_field = "boundary"
        id_field = "code"
        fields = ("code", "name", "town")


class GridSerializer(GeoFeatureModelSerializer):
    village = serializers.CharField(source="village_id")

    class Meta:
        model = Grid
        geo_field = "boundary"
        id_field = "code"
        fields = ("code", "name", "village", "leader")


class LocateQuery(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02", "bd09"], default="wgs84")
