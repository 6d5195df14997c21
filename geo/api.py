"""Geography API: boundaries of the caller's area as GeoJSON, and point lookup."""
import django_filters
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs

from . import coords, scope
from .lookup import locate
from .models import Grid, Town, Village
from .serializers import GridSerializer, LocateQuery, TownSerializer, VillageSerializer


def parse_bbox(value):
    return inputs.bbox(value)


class AreaFilter(django_filters.FilterSet):
    bbox = django_filters.CharFilter(method="filter_bbox")

    def filter_bbox(self, queryset, name, value):
        return queryset.in_bbox(parse_bbox(value))


class TownFilter(AreaFilter):
    class Meta:
        model = Town
        fields = ["district"]


class VillageFilter(AreaFilter):
    class Meta:
        model = Village
        fields = ["town"]


class GridFilter(AreaFilter):
    town = django_filters.CharFilter(field_name="village__town")

    class Meta:
        model = Grid
        fields = ["village", "town"]


class AreaList(generics.ListAPIView):
    """Areas that lie in the caller's area, as an RFC 7946 FeatureCollection."""

    model = None

    def get_queryset(self):
        return self.model.objects.within(self.request.user.area_code)


class TownList(AreaList):
    model, serializer_class, filterset_class = Town, TownSerializer, TownFilter


class VillageList(AreaList):
    model, serializer_class, filterset_class = Village, VillageSerializer, VillageFilter


class GridList(AreaList):
    model, serializer_class, filterset_class = Grid, GridSerializer, GridFilter


def area_json(area):
    return {"code": area.code, "name": area.name} if area else None


class Locate(APIView):
    """GET ?lon=&lat=[&crs=wgs84|gcj02|bd09] → the town, village and grid containing the point."""

    def get(self, request):
        query = LocateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        lon, lat = coords.to_wgs84(q["lon"], q["lat"], q["crs"])
        found = locate(lon, lat)
        village = found["village"]
        if village is None:
            raise NotFound("该位置不在任何行政村内")
        if not scope.touches(scope.of(request.user), village.code):
            raise NotFound("该位置不在您的辖区内")
        return Response(
            {
                "town": area_json(found["town"]),
                "village": area_json(village),
                "grid": area_json(found["grid"]),
                "wgs84": [round(lon, 7), round(lat, 7)],
            }
        )
