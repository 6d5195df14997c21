"""Geography API: boundaries of the caller's area as GeoJSON, and point lookup."""
import hashlib
import json

import django_filters
from django.contrib.gis.db.models.functions import AsGeoJSON, GeomOutputGeoFunc, Transform
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import get_conditional_response, patch_cache_control
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


class SimplifyPreserveTopology(GeomOutputGeoFunc):
    function = "ST_SimplifyPreserveTopology"


class Multi(GeomOutputGeoFunc):
    function = "ST_Multi"


MAX_SIMPLIFY_M = 200


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
LITE_PRECISION = 6  # decimal places of a degree: about 0.1 m, below anything a phone's map shows


class AreaList(generics.ListAPIView):
    """Areas that lie in the caller's area, as an RFC 7946 FeatureCollection.

    `?simplify=M` (metres, 0–200) answers the light version the field app keeps on the phone: boundaries simplified
    with tolerance M (topology kept, so neighbours still meet) and coordinates to 6 decimals, compressed, with an ETag,
    so the phone revalidates (`If-None-Match` → 304, nothing sent again) instead of fetching it anew. The server's
    point-in-polygon lookup stays exact: it decides a report's village, not the phone's copy."""

    model = None
    lite_fields = {}  # property → column, for the light version

    def get_queryset(self):
        return self.model.objects.within(self.request.user.area_code)

    def list(self, request, *args, **kwargs):
        if "simplify" not in request.query_params:
            return super().list(request, *args, **kwargs)
        tolerance = inputs.number(request.query_params["simplify"], "simplify", 0, MAX_SIMPLIFY_M)
        # Metres in Web Mercator (EPSG:3857): 1.15–1.2 true metres per unit in the districts' latitudes, close
        # enough for a drawing tolerance, and what the phone's map draws in.
        lite = AsGeoJSON(Multi(Transform(SimplifyPreserveTopology(Transform("boundary", 3857), tolerance), 4326)),
                         precision=LITE_PRECISION)  # Multi: the same geometry type as the full answer
        rows = (self.filter_queryset(self.get_queryset()).order_by("code")
                .annotate(lite=lite).values("lite", *self.lite_fields.values()))
        # The geometry goes in as PostGIS wrote it (already GeoJSON text): no parsing and writing it again.
        features = ",".join(
            f'{{"type":"Feature","id":{compact(r["code"])},"geometry":{r["lite"]},'
            f'"properties":{compact({k: r[c] for k, c in self.lite_fields.items()})}}}' for r in rows)
        body = f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        response = get_conditional_response(request, etag=etag) or HttpResponse(
            body, content_type="application/geo+json; charset=utf-8")
        response["ETag"] = etag
        patch_cache_control(response, private=True, no_cache=True)  # kept, but asked again each time
        # Compressed where the client takes it: the largest answer the field app fetches on a village's weak
        # signal, and one that holds no secret (compression leaks nothing, unlike a page with a CSRF token).
        return GZipMiddleware(lambda _: response)(request)


class TownList(AreaList):
    model, serializer_class, filterset_class = Town, TownSerializer, TownFilter
    lite_fields = {"code": "code", "name": "name", "district": "district_id"}


class VillageList(AreaList):
    model, serializer_class, filterset_class = Village, VillageSerializer, VillageFilter
    lite_fields = {"code": "code", "name": "name", "town": "town_id"}


class GridList(AreaList):
    model, serializer_class, filterset_class = Grid, GridSerializer, GridFilter
    lite_fields = {"code": "code", "name": "name", "village": "village_id", "leader": "leader"}


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
