"""Problems API: thin views over patrol.services and the issue querysets."""
import json
import math
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import InvalidPage
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import BadInput, Forbidden
from core.months import parse_month
from core.spreadsheets import errors_workbook, read_table, xlsx_response

from . import imports, services
from .filters import IssueFilter
from .geojson import feature, feature_rows, features_json
from .models import Category, Issue, Photo, ReinspectionSample
from .querysets import light_of
from .serializers import (
    CategorySerializer,
    DemolishedRequest,
    EventSerializer,
    FlaggedPhotoSerializer,
    PhotoSerializer,
    PhotoUpload,
    ReinspectionRecord,
    ReinspectionSerializer,
    ReportFeature,
    TransitionRequest,
)

FeatureCollectionSchema = inline_serializer(
    "IssueFeatureCollection",
    {
        "type": serializers.CharField(default="FeatureCollection"),
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "features": serializers.ListField(child=serializers.DictField()),
    },
)
FeatureSchema = inline_serializer(
    "IssueFeature",
    {"type": serializers.CharField(), "id": serializers.IntegerField(), "geometry": serializers.DictField(),
     "properties": serializers.DictField()},
)
ErrorSchema = inline_serializer("Error", {"detail": serializers.CharField(),
                                           "field": serializers.CharField(required=False)})



class FeaturePagination(PageNumberPagination):
    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 10000

    def feature_collection(self, rows, request):
        """The page of a `feature_rows` queryset as a FeatureCollection built in PostGIS (see patrol.geojson)."""
        self.request = request
        paginator = self.django_paginator_class(rows, self.get_page_size(request))
        try:
            self.page = paginator.page(self.get_page_number(request, paginator))  # lazy: a sliced queryset
        except InvalidPage as exc:
            raise NotFound(f"页码无效：{exc}") from None
        head = json.dumps({"type": "FeatureCollection", "count": paginator.count, "next": self.get_next_link(),
                           "previous": self.get_previous_link()})
        return HttpResponse(head[:-1] + ', "features": ' + features_json(self.page.object_list) + "}",
                            content_type="application/json")


class CategoryList(generics.ListAPIView):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer


def issue_feature(user, issue, extra=None):
    """One issue as a Feature, from the instance in hand (no further query but the allowed actions' rules)."""
    today = timezone.localdate()
    row = {
        "id": issue.pk, "lon": issue.location.x, "lat": issue.location.y, "light": light_of(issue, today),
        "status": issue.status, "deadline": issue.deadline, "reported_at": issue.reported_at,
        "source": issue.source, "red_supervision": issue.red_supervision, "assignee": issue.assignee,
        "closed_at": issue.closed_at, "description": issue.description, "category_code": issue.category_id,
        "town_code": issue.town_id, "village_code": issue.village_id, "grid_code": issue.grid_id,
        "rebound_id": services.visible_rebound_of(user, issue), "water_body_id": issue.water_body,
    }
    out = feature(row)
    out["properties"].update(
        overdue=issue.status != "closed" and issue.deadline is not None and issue.deadline < today,
        allowed_actions=services.allowed_actions(user, issue),
        extent=json.loads(issue.extent.json) if issue.extent else None,
        accuracy_m=issue.accuracy_m if issue.accuracy_m is None or math.isfinite(issue.accuracy_m) else None,
        crs=issue.crs,
    )
    if extra:
        out["properties"].update(extra)
    return out


class IssueList(APIView):
    """GET: the caller's issues as a paginated FeatureCollection; POST: report an issue (a GeoJSON Feature)."""

    filterset_class = IssueFilter
    pagination_class = FeaturePagination
    repeatable_post = True  # a report is idempotent by its required client_uuid: config.middleware may repeat it

    def get_queryset(self):
        return Issue.objects.for_user(self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter(name, OpenApiTypes.STR) for name in IssueFilter.base_filters]
        + [OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("page_size", OpenApiTypes.INT)],
        responses={200: FeatureCollectionSchema, 400: ErrorSchema},
    )
    def get(self, request):
        filterset = IssueFilter(request.query_params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        return self.pagination_class().feature_collection(feature_rows(filterset.qs, timezone.localdate()), request)

    @extend_schema(request=ReportFeature, responses={201: FeatureSchema, 200: FeatureSchema, 400: ErrorSchema,
                                                     403: ErrorSchema, 409: ErrorSchema})
    def post(self, request):
        body = ReportFeature(data=request.data)
        body.is_valid(raise_exception=True)
        props = body.validated_data["properties"]
        lon, lat = body.validated_data["geometry"]["coordinates"][:2]
        result = services.report_issue(
            request.user, lon=lon, lat=lat, category=props["category"], client_uuid=props["client_uuid"],
            source=props["source"], description=props["description"], crs=props["crs"],
            accuracy_m=props.get("accuracy_m"), extent=props.get("extent"), campaign=props.get("campaign"),
        )
        return Response(
            issue_feature(request.user, result.issue, {"nearby": result.nearby, "created": result.created}),
            status=201 if result.created else 200,
        )


class IssueDetail(APIView):
    @extend_schema(responses={200: FeatureSchema, 404: ErrorSchema})
    def get(self, request, pk):
        return Response(issue_feature(request.user, services.visible_issue(request.user, pk)))


class IssueTransition(APIView):
    @extend_schema(request=TransitionRequest, responses={200: FeatureSchema, 400: ErrorSchema, 403: ErrorSchema,
                                                         404: ErrorSchema, 409: ErrorSchema})
    def post(self, request, pk):
        body = TransitionRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        cited = data.get("cite_flags") if data["action"] == "reject" else None
        event = services.transition_issue(
            request.user, pk, data["action"], note=data["note"], deadline=data.get("deadline"),
            assignee=data["assignee"], location=data.get("location"),
            data=services.cited_flags(cited) if cited else None,
        )
        return Response(issue_feature(request.user, event.issue, {"event": EventSerializer(event).data}))


class IssueHistory(generics.ListAPIView):
    serializer_class = EventSerializer
    pagination_class = None

    def get_queryset(self):
        issue = services.visible_issue(self.request.user, self.kwargs["pk"])
        return issue.events.select_related("actor").order_by("at", "id")


class IssuePhotos(APIView):
    parser_classes = [MultiPartParser, FormParser]
    repeatable_post = True  # the same photo again is the stored one (its hash): config.middleware may repeat it

    @extend_schema(responses={200: PhotoSerializer(many=True)})
    def get(self, request, pk):
        issue = services.visible_issue(request.user, pk)
        return Response(PhotoSerializer(issue.photos.all(), many=True, context={"request": request}).data)

    @extend_schema(request=PhotoUpload, responses={201: PhotoSerializer, 200: PhotoSerializer, 400: ErrorSchema})
    def post(self, request, pk):
        body = PhotoUpload(data=request.data)
        body.is_valid(raise_exception=True)
        photo, created = services.add_photo(request.user, pk, body.validated_data["image"],
                                            body.validated_data["kind"],
                                            from_app=body.validated_data["source"] == "app")
        return Response(PhotoSerializer(photo, context={"request": request}).data, status=201 if created else 200)


class IssueDemolished(APIView):
    """POST (multipart) lon, lat, category, client_uuid, description, note, before, after: a structure already
    demolished on the spot recorded as done (plan 002's 拆除): the problem is created closed with both photos, by
    town or district staff. 201 with the problem; 200 with the stored one on a retry (same client_uuid)."""

    parser_classes = [MultiPartParser, FormParser]
    repeatable_post = True  # idempotent by client_uuid: config.middleware may repeat it after a lost connection

    @extend_schema(request=DemolishedRequest, responses={201: FeatureSchema, 200: FeatureSchema, 400: ErrorSchema,
                                                         403: ErrorSchema})
    def post(self, request):
        body = DemolishedRequest(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        issue, created = services.record_demolished(
            request.user, before=d["before"], after=d["after"], note=d["note"], lon=d["lon"], lat=d["lat"],
            category=d["category"], client_uuid=d["client_uuid"], description=d["description"])
        return Response(issue_feature(request.user, issue), status=201 if created else 200)


class PhotoFlags(APIView):
    """Flagged evidence: the problem photos in the caller's area that a trust check flagged (reused, the before-photo
    again, taken before the assignment, far from the problem, no camera data, unchecked), newest first, at most 500.
    town=: one town; month=YYYY-MM: photos uploaded that month."""

    @extend_schema(
        parameters=[OpenApiParameter("town", OpenApiTypes.STR), OpenApiParameter("month", OpenApiTypes.STR)],
        responses={200: FlaggedPhotoSerializer(many=True), 400: ErrorSchema},
    )
    def get(self, request):
        from .photo_checks import flagged_photos

        q = request.query_params
        photos = flagged_photos(request.user, town=q.get("town") or None, month=q.get("month") or None)[:500]
        return Response(FlaggedPhotoSerializer(photos, many=True, context={"request": request}).data)


class PhotoImage(APIView):
    """The cleaned (EXIF-free) picture, only for people whose area holds the issue."""

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        photo = Photo.objects.filter(pk=pk).first()
        if photo is None:
            raise Http404("照片不存在")
        services.visible_issue(request.user, photo.issue_id)
        accel = settings.MEDIA_ACCEL_PREFIX
        if accel:
            # Behind nginx (deploy/): the area check is done here, nginx sends the bytes from its internal location.
            response = HttpResponse(content_type=photo.content_type)
            response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(photo.image.name)
            return response
        return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


class IssueWatchList(APIView):
    """Overdue (超期) or long unresolved (长期未销项) issues in the caller's area."""

    kind = "overdue"

    @extend_schema(responses={200: FeatureCollectionSchema})
    def get(self, request):
        qs = Issue.objects.for_user(request.user)
        if self.kind == "overdue":
            qs = qs.overdue(timezone.localdate()).order_by("deadline", "id")
        else:
            from django.conf import settings

            qs = qs.long_unresolved(days=settings.PATROL["LONG_UNRESOLVED_DAYS"]).order_by("reported_at", "id")
        return FeaturePagination().feature_collection(feature_rows(qs, timezone.localdate()), request)


class ReinspectionList(generics.ListAPIView):
    serializer_class = ReinspectionSerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
                               OpenApiParameter("campaign", OpenApiTypes.INT, description="专项行动编号")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        visible = Issue.objects.for_user(self.request.user).values("pk")
        campaign = self.request.query_params.get("campaign")
        if campaign:
            if not campaign.isdigit():
                raise BadInput(f"专项行动编号应为整数：{campaign!r}", field="campaign")
            rows = ReinspectionSample.objects.filter(campaign=int(campaign))
        else:
            month = parse_month(self.request.query_params.get("month") or timezone.localdate())
            rows = ReinspectionSample.objects.filter(month=month, campaign__isnull=True)
        return rows.filter(issue__in=visible).select_related("issue").order_by("village_id", "issue_id")


class ReinspectionRecordView(APIView):
    @extend_schema(request=ReinspectionRecord, responses={200: ReinspectionSerializer})
    def post(self, request, pk):
        body = ReinspectionRecord(data=request.data)
        body.is_valid(raise_exception=True)
        sample = services.record_reinspection(request.user, pk, body.validated_data["result"],
                                              body.validated_data["note"], body.validated_data.get("location"))
        return Response(ReinspectionSerializer(sample).data)


class ImportView(APIView):
    """POST multipart `file` (.xlsx or .csv): bulk report problems; returns created/existing counts and bad rows.

    With ?errors=xlsx the bad rows come back as a spreadsheet to fix and upload again.
    """

    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        if not services.may(request.user, "report"):
            raise Forbidden("您的角色不能上报问题")
        upload = request.FILES.get("file")
        if upload is None:
            raise BadInput("请上传文件（字段 file）", field="file")
        content = upload.read()
        if request.query_params.get("progress"):
            return _streamed_import(request.user, content, upload.name)
        result = imports.import_file(request.user, content, upload.name)
        if request.query_params.get("errors") == "xlsx":
            return xlsx_response(errors_workbook(result), "导入错误行.xlsx")
        return Response(result.as_json(), status=201 if result.created else 200)


def _streamed_import(user, content, name):
    """?progress=1: newline-delimited JSON, {"done", "total"} every 1% of the rows, then {"result": ...}."""
    import json

    from django.http import StreamingHttpResponse

    headers, body = read_table(content, name)
    imports.column_map(headers)  # a bad sheet is a plain 400, before anything is streamed
    step = max(1, len(body) // 100)

    def lines():
        result = imports.ImportResult(headers=headers, total=len(body))
        for done, total in imports.iter_import(user, headers, body, result):
            if done % step == 0 or done == total:
                yield json.dumps({"done": done, "total": total}) + "\n"
        yield json.dumps({"result": result.as_json()}, ensure_ascii=False) + "\n"

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")
