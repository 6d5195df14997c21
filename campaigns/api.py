"""Campaigns and tasks API: thin views over campaigns.services (which validates and answers 4xx itself)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs
from core.errors import BadInput, Conflict
from core.spreadsheets import xlsx_response
from geo import scope

from . import exports, services
from .serializers import AcceptanceRequest, CampaignRequest, ProgressRequest, QuotasChange, TaskRequest


def _body(request):
    if not hasattr(request.data, "get"):
        raise BadInput("请求体应为 JSON 对象")
    return request.data


def campaign_json(c):
    return {
        "id": c.pk, "name": c.name, "areas": c.areas, "start": c.start.isoformat(), "end": c.end.isoformat(),
        "categories": c.categories,
        "phases": [{"name": p.name, "kind": p.kind, "kind_label": p.get_kind_display(), "start": p.start.isoformat(),
                    "end": p.end.isoformat()} for p in c.phases.all()],
        "quotas": [{"name": q.name, "categories": q.categories, "per_village_per_week": q.per_village_per_week,
                    "valid_from": q.valid_from and q.valid_from.isoformat(),
                    "valid_until": q.valid_until and q.valid_until.isoformat()} for q in c.quotas.all()],
    }



class CampaignList(APIView):
    def get(self, request):
        return Response([campaign_json(c) for c in services.visible_campaigns(request.user)])

    @extend_schema(request=CampaignRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        campaign = services.create_campaign(request.user, _body(request))
        return Response(campaign_json(campaign), status=201)


class CampaignDetail(APIView):
    def get(self, request, pk):
        return Response(campaign_json(services.visible_campaign(request.user, pk)))

    @extend_schema(request=QuotasChange, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request, pk):
        """Before the campaign starts every field may change (checked as on creation); from its start on only
        `name` and `quotas` (quotas from next week on, logged). Absent fields stay as they are."""
        body = _body(request)
        fields = ("name", "areas", "start", "end", "categories", "phases", "quotas")
        if not any(f in body for f in fields):
            raise BadInput(f"请给出要修改的字段：{', '.join(fields)}", field="quotas")
        change = {f: body[f] for f in fields if f in body}
        return Response(campaign_json(services.update_campaign(request.user, pk, change)))


class CampaignProgress(APIView):
    @extend_schema(parameters=[OpenApiParameter("week", OpenApiTypes.STR, description="ISO 周 YYYY-Www"),
                               OpenApiParameter("export", OpenApiTypes.STR, description="xlsx 导出")])
    def get(self, request, pk):
        campaign = services.visible_campaign(request.user, pk)
        week = request.query_params.get("week")
        monday = services.parse_week(week) if week else services.default_week(campaign)
        data = services.week_progress(campaign, monday, scope.of(request.user))
        if request.query_params.get("export") == "xlsx":
            return xlsx_response(exports.progress_workbook(campaign, data), f"{campaign.name}-{data['week']}-进度.xlsx")
        return Response(data)


class CampaignRanking(APIView):
    """GET: the campaign's 考核评比 once its acceptance phase has begun (409 before): per village the acceptance
    result, the work phase's done and prorated target, the rate and the rank, with the rules and their sources."""

    def get(self, request, pk):
        campaign = services.visible_campaign(request.user, pk)
        ranking = services.campaign_ranking(campaign, scope.of(request.user))
        if ranking is None:
            raise Conflict("考核验收阶段尚未开始，还没有考核评比", field="campaign")
        return Response(ranking)


class CampaignAcceptance(APIView):
    def get(self, request, pk):
        campaign = services.visible_campaign(request.user, pk)
        rows = services.acceptance_results(campaign, scope.of(request.user))
        return Response([acceptance_json(r) for r in rows.values()])

    @extend_schema(request=AcceptanceRequest, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        body = _body(request)
        row, created = services.record_acceptance(
            request.user, pk, body.get("village"), body.get("result"), inputs.note(body.get("note")),
            photos=request.FILES.getlist("photos") if request.FILES else ())
        return Response(acceptance_json(row), status=201 if created else 200)


def acceptance_json(row):
    return {"id": row.pk, "village": row.village_id, "result": row.result, "result_label": row.get_result_display(),
            "note": row.note, "recorded_by": row.recorded_by.username, "recorded_at": row.recorded_at.isoformat(),
            "photos": row.photos.count()}


def task_json(t, area):
    return {"id": t.pk, "name": t.name, "year": t.year, "unit": t.unit, "level": t.level, "schedule": t.schedule,
            "category": t.category_id, "office": t.office, "person": t.person,
            "targets": [{"area": x.area, "target": x.target} for x in t.targets.all()
                        if scope.touches(area, x.area)]}


class TaskList(APIView):
    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT)])
    def get(self, request):
        year = request.query_params.get("year") or timezone.localdate().year
        try:
            year = int(year)
        except ValueError:
            raise BadInput(f"年度应为整数：{year!r}", field="year") from None
        area = scope.of(request.user)
        return Response([task_json(t, area) for t in services.visible_tasks(request.user, year)])

    @extend_schema(request=TaskRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        task = services.create_task(request.user, _body(request))
        return Response(task_json(task, scope.of(request.user)), status=201)


class TaskProgressView(APIView):
    @extend_schema(request=ProgressRequest, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        body = _body(request)
        confirm = body.get("confirm")
        confirm = confirm is True or str(confirm).lower() in ("true", "1", "yes")
        row, created = services.add_progress(
            request.user, pk, body.get("area"), body.get("value"), body.get("date"),
            note=inputs.note(body.get("note")), confirm=confirm, client_uuid=body.get("client_uuid") or None,
            photos=request.FILES.getlist("photos") if request.FILES else ())
        return Response({"id": row.pk, "task": row.task_id, "area": row.area, "value": row.value,
                         "date": row.date.isoformat(), "note": row.note, "entered_at": row.entered_at.isoformat()},
                        status=201 if created else 200)


class TaskLights(APIView):
    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
                               OpenApiParameter("level", OpenApiTypes.STR, description="town | village"),
                               OpenApiParameter("export", OpenApiTypes.STR, description="xlsx 导出")])
    def get(self, request):
        month = request.query_params.get("month") or f"{timezone.localdate():%Y-%m}"
        level = request.query_params.get("level") or "town"
        rows = services.task_lights(request.user, month, level)
        if request.query_params.get("export") == "xlsx":
            return xlsx_response(exports.task_workbook(request.user, month, level, rows), f"年度任务亮灯-{month}.xlsx")
        return Response([{"task": r.task, "area": r.area, "planned": r.planned, "done": r.done, "light": r.light}
                         for r in rows])
