"""Water bodies API: thin views over waterbodies.services and waterbodies.listing."""
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import BadInput
from core.spreadsheets import XLSX, xlsx_response

from . import listing, services
from .models import Finding, Kind, Status, VisitPhoto

STR = OpenApiTypes.STR


class ListingProperties(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="水体名称")
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.POND, help_text="类型（项目默认分类）")
    village = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                    help_text="责任行政村代码；不填则取范围所在的行政村")
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in services.INITIAL],
                                     default=Status.BLACK_ODOROUS, help_text="纳入清单时的状态")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    client_uuid = serializers.UUIDField(required=False, help_text="客户端生成的 UUID；重试时不变，保证不重复")


class ListingFeature(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    geometry = serializers.JSONField(help_text="GeoJSON Polygon / MultiPolygon / LineString / MultiLineString")
    properties = ListingProperties()


class StatusRequest(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class VisitUpload(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Finding.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    client_uuid = serializers.UUIDField(required=False)
    photos = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=9,
                                   help_text="现场照片（1–9 张）")


def _detail(request, body):
    out = listing.feature(body)
    out["properties"]["status_label"] = Status(body.status).label
    out["history"] = listing.history_json(body)
    out["visits"] = [listing.visit_json(v, lambda pk: reverse("waterbodies:photo", args=[pk]))
                     for v in body.visits.select_related("visitor").prefetch_related("photos").order_by("at", "id")]
    from patrol.models import Issue

    problems = Issue.objects.for_user(request.user).filter(water_body=body.pk).order_by("reported_at", "id")
    out["problems"] = [{"id": i.pk, "status": i.status, "reported_at": i.reported_at.isoformat()}
                       for i in problems.only("id", "status", "reported_at")]
    return out


class WaterBodyList(APIView):
    """GET: the caller's water bodies of the black-odorous list (黑臭水体动态清单) as a GeoJSON FeatureCollection,
    properties `id, name, village, status, kind` (and `village_name, town, status_since`); filters town, village,
    status, kind, bbox. `?export=xlsx`: the list's own columns as a spreadsheet.
    POST: put a water body on the list (a GeoJSON Feature; polygon or line)."""

    @extend_schema(parameters=[*(OpenApiParameter(n, STR) for n in listing.FILTERS),
                               OpenApiParameter("export", STR, enum=["xlsx"])],
                   responses={200: OpenApiTypes.OBJECT, (200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        qs = listing.filtered(request.user, request.query_params)
        export = request.query_params.get("export")
        if export == "xlsx":
            return xlsx_response(listing.workbook(qs), "黑臭水体动态清单.xlsx")
        if export:
            raise BadInput("export 只能为 xlsx", field="export")
        return HttpResponse(listing.feature_collection(qs), content_type="application/json")

    @extend_schema(request=ListingFeature, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request):
        body = ListingFeature(data=request.data)
        body.is_valid(raise_exception=True)
        p = body.validated_data["properties"]
        water, created = services.list_water_body(
            request.user, geometry=body.validated_data["geometry"], name=p["name"], kind=p["kind"],
            village=p.get("village") or None, status=p["status"], note=p["note"], client_uuid=p.get("client_uuid"))
        return Response(_detail(request, water), status=201 if created else 200)


class WaterBodyDetail(APIView):
    """GET: one water body with its status history, monitoring visits and the problems linked to it."""

    def get(self, request, pk):
        return Response(_detail(request, services.visible(request.user, pk)))


class WaterBodyStatus(APIView):
    """POST {"status": black_odorous|treating|eliminated|rebounded, "note": ...}: change the status; the change is
    appended to the history (never edited). A change the order of treatment does not allow is a 409."""

    @extend_schema(request=StatusRequest, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        body = StatusRequest(data=request.data)
        body.is_valid(raise_exception=True)
        services.change_status(request.user, pk, body.validated_data["status"], body.validated_data["note"])
        return Response(_detail(request, services.visible(request.user, pk)))


class WaterBodyVisits(APIView):
    """POST (multipart: finding, note, client_uuid, photos): a monitoring visit with its photos."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=VisitUpload, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        data = {k: request.data.get(k) for k in ("finding", "note", "client_uuid") if k in request.data}
        data["photos"] = request.FILES.getlist("photos")
        body = VisitUpload(data=data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        _, created = services.record_visit(request.user, pk, finding=d["finding"], note=d["note"],
                                           photos=d["photos"], client_uuid=d.get("client_uuid"))
        return Response(_detail(request, services.visible(request.user, pk)), status=201 if created else 200)


class VisitPhotoImage(APIView):
    def get(self, request, pk):
        photo = VisitPhoto.objects.select_related("visit").filter(pk=pk).first()
        if photo is None:
            raise Http404("照片不存在")
        services.visible(request.user, photo.visit.water_body_id)
        return FileResponse(photo.image.open("rb"), content_type=photo.content_type)
