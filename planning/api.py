"""Patrol planning API (巡查路线): thin views over planning.services and planning.tracks."""
import json

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from core import inputs
from core.downloads import download
from core.errors import BadInput, Forbidden
from geo.parsers import StrictJSONParser

from . import gpx, tracks
from . import services as planning

PLANNERS = {Role.SUPERVISOR, Role.DISTRICT, Role.TOWN, Role.ADMIN}

PlanSchema = inline_serializer("PatrolPlan", {
    "id": serializers.IntegerField(), "date": serializers.DateField(), "teams": serializers.IntegerField(),
    "start": serializers.ListField(child=serializers.FloatField()), "routes": serializers.ListField(),
    "dropped": serializers.ListField(), "priority": serializers.DictField(), "links": serializers.DictField(),
    "matrix": serializers.CharField(), "legs": serializers.IntegerField(), "estimated_legs": serializers.IntegerField(),
})
ErrorSchema = inline_serializer("PatrolError", {"detail": serializers.CharField(),
                                           "field": serializers.CharField(required=False)})


class PlanRequest(serializers.Serializer):
    date = serializers.DateField(required=False)
    teams = serializers.JSONField()
    start = serializers.JSONField()
    hours = serializers.JSONField(required=False, allow_null=True)
    stops = serializers.JSONField(required=False, default="auto")
    must = serializers.JSONField(required=False, default=list)
    exclude = serializers.JSONField(required=False, default=list)
    service_min = serializers.JSONField(required=False, allow_null=True)
    speed_kmh = serializers.JSONField(required=False, allow_null=True)
    seconds = serializers.JSONField(required=False, allow_null=True)
    day_start = serializers.CharField(required=False, allow_null=True)
    balance = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_stops(self, value):
        if value != "auto" and not isinstance(value, list):
            raise serializers.ValidationError('应为 "auto" 或点位编号列表')
        return value


def ensure_planner(user):
    if not (user.is_superuser or user.role in PLANNERS):
        raise Forbidden("您的角色不能制定巡查计划")


class PlanCreate(APIView):
    parser_classes = [StrictJSONParser]

    @extend_schema(request=PlanRequest, responses={201: PlanSchema, 400: ErrorSchema, 403: ErrorSchema})
    def post(self, request):
        ensure_planner(request.user)
        body = PlanRequest(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        plan = planning.make_plan(
            request.user, day=d.get("date") or timezone.localdate(), teams=d["teams"], start=d["start"],
            hours=d.get("hours"), stops=d["stops"], must=d["must"], exclude=d["exclude"],
            service_min=d.get("service_min"), speed_kmh=d.get("speed_kmh"), seconds=d.get("seconds"),
            day_start=d.get("day_start"), balance=d.get("balance"),
        )
        return Response(planning.plan_dict(plan), status=201)


class PlanList(APIView):
    @extend_schema(responses={200: inline_serializer("PatrolPlanList", {"results": serializers.ListField()})})
    def get(self, request):
        qs = planning.visible_plans(request.user)
        rows = [{"id": p.pk, "date": p.date.isoformat(), "area": p.area_code, "teams": p.teams,
                 "priority": {"total": p.priority_total, "collected": p.priority_collected}} for p in qs[:200]]
        return Response({"results": rows})


class PlanToday(APIView):
    """The day's plan for a person in the field (the phone app's 今日巡查计划): stops in order per team, no route
    lines (light on a weak signal). `plan` is null when there is none; `date` defaults to today."""

    @extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE)],
                   responses={200: inline_serializer("PatrolPlanToday", {
                       "date": serializers.DateField(), "plan": serializers.DictField(allow_null=True)})})
    def get(self, request):
        day = _date(request.query_params.get("date"))
        return Response({"date": day.isoformat(), "plan": planning.day_plan(request.user, day)})


class Candidates(APIView):
    @extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE)],
                   responses={200: inline_serializer("PatrolCandidates", {"results": serializers.ListField()})})
    def get(self, request):
        ensure_planner(request.user)
        day = _date(request.query_params.get("date"))
        found = planning.candidate_stops(request.user, day)
        rows = sorted((c.as_dict() for c in found.values()), key=lambda c: (-c["priority"], c["key"]))
        return Response({"date": day.isoformat(), "results": rows})


class PlanDetail(APIView):
    @extend_schema(responses={200: PlanSchema, 404: ErrorSchema})
    def get(self, request, pk):
        return Response(planning.plan_dict(planning.visible_plan(request.user, pk)))


class PlanGpx(APIView):
    @extend_schema(responses={(200, "application/gpx+xml"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        plan = planning.visible_plan(request.user, pk)
        return download(gpx.write_plan(plan), "application/gpx+xml; charset=utf-8",
                        f"patrol-{plan.pk}-{plan.date}.gpx")


class PlanGeoJSON(APIView):
    @extend_schema(responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    def get(self, request, pk):
        plan = planning.visible_plan(request.user, pk)
        return HttpResponse(json.dumps(planning.plan_geojson(plan), ensure_ascii=False),
                            content_type="application/geo+json; charset=utf-8")


class TrackUpload(serializers.Serializer):
    file = serializers.FileField()
    plan = serializers.IntegerField(required=False)


class TrackCreate(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=TrackUpload, responses={201: OpenApiTypes.OBJECT, 400: ErrorSchema})
    def post(self, request):
        body = TrackUpload(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        limit = planning.conf("GPX_MAX_BYTES")
        if upload.size > limit:
            raise BadInput(f"GPX 文件过大（上限 {limit // (1024 * 1024)} MB）", field="file")
        _, summary = tracks.upload_track(request.user, upload.read(), body.validated_data.get("plan"))
        return Response(summary, status=201)


class Coverage(APIView):
    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM")],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        month = request.query_params.get("month") or timezone.localdate().strftime("%Y-%m")
        first, rows = tracks.coverage(request.user, month)
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(r["point"])},
                     "properties": {k: r[k] for k in ("code", "name", "town", "visits", "last_day", "visited")}}
                    for r in rows]
        return Response({"type": "FeatureCollection", "month": first.strftime("%Y-%m"),
                         "not_visited": sum(1 for r in rows if not r["visited"]), "features": features})


def _date(value):
    return inputs.day(value, "date") if value else timezone.localdate()
