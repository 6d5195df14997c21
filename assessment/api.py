"""Assessment API and work ledger: thin views over assessment.monthly and assessment.ledger."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs
from core.errors import BadInput, Forbidden, NotVisible
from core.months import current_month, parse_month
from core.spreadsheets import XLSX, xlsx_response
from geo import scope
from geo.models import Town, Village

from . import analysis, ledger, results, services
from . import monthly as assessment
from . import schemes as S


def user_area(user):
    """The area code a user's views are limited to ('' for a superuser without an area: everything)."""
    area = scope.of(user)
    if area is None:
        raise NotVisible("您没有所属区域，无法查看")
    return area


def visible_code(user, code):
    """True when an area (town or village) lies in the user's area, or contains it (a grid user's village)."""
    return scope.touches(user_area(user), code)


def checked_town(user, town):
    if not town:
        return None
    if not Town.objects.filter(code=town).exists() or not visible_code(user, town):
        raise NotVisible("街镇不存在或不在您的辖区内", field="town")
    return town


def checked_village(user, code):
    village = Village.objects.select_related("town").filter(code=code).first()
    if village is None or not visible_code(user, village.code):
        raise NotVisible("行政村不存在或不在您的辖区内", field="village")
    return village


def month_param(request):
    value = request.query_params.get("month") if hasattr(request, "query_params") else request.GET.get("month")
    return parse_month(value) if value else assessment.last_complete_month()


def month_json(result):
    """The body of /api/assessment/: the month, its schemes (rules and parameters), the lists and one row per
    village with the first contract's fields whatever the scheme (results.row_json)."""
    return {
        "month": f"{result.month:%Y-%m}", "provisional": result.provisional, "label": result.label,
        "scheme": result.schemes[0]["name"] if len(result.schemes) == 1 else None, "schemes": result.schemes,
        "list_scope": "rank_scope", "warnings": result.warnings,
        "formula": assessment.formula_lines(), "tie_rules": assessment.tie_rules(),
        "definitions": [{"key": k, "name": n, "definition": d} for k, n, d in assessment.METRIC_DEFINITIONS],
        "red_list": [r["code"] for r in result.red_list],
        "black_list": [r["code"] for r in result.black_list],
        "villages": [results.row_json(r) for r in result.rows],
    }


class AssessmentView(APIView):
    """GET ?month=YYYY-MM[&town=CODE]: the month's result of the villages in the caller's area under their towns'
    schemes. Every row carries code, name, score (null: 未评分), rank, light, metrics and flags, whatever the
    scheme."""

    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
                               OpenApiParameter("town", OpenApiTypes.STR)])
    def get(self, request):
        month = month_param(request)
        town = checked_town(request.user, request.query_params.get("town"))
        return Response(month_json(results.month(user_area(request.user), month, town)))


class LedgerView(APIView):
    """GET ?village=CODE|town=CODE[&month=YYYY-MM]: the work ledger (工作台账) as an xlsx workbook."""

    @extend_schema(parameters=[OpenApiParameter(n, OpenApiTypes.STR) for n in ("village", "town", "month")],
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        village, town = request.query_params.get("village"), request.query_params.get("town")
        if bool(village) == bool(town):
            raise BadInput("请指定 village 或 town 之一", field="village")
        month = request.query_params.get("month")
        month = parse_month(month) if month else None
        if village:
            checked_village(request.user, village)
        else:
            checked_town(request.user, town)
        content, name = ledger.build_ledger(request.user, village=village, town=town, month=month,
                                            base_url=request.build_absolute_uri("/"))
        return xlsx_response(content, name)


class TargetRequest(serializers.Serializer):
    village = serializers.CharField()
    category = serializers.CharField()
    per_week = serializers.IntegerField(min_value=1, max_value=1000)
    starts_on = inputs.DateField(required=False)
    ends_on = inputs.DateField(required=False, allow_null=True)
    note = inputs.TextField(required=False, allow_blank=True, default="", max_length=inputs.NOTE_MAX_LENGTH)


class TargetList(APIView):
    """GET ?village=CODE: weekly targets and their progress (last 4 weeks); POST: set a target (town or
    district staff, in their area)."""

    @extend_schema(parameters=[OpenApiParameter("village", OpenApiTypes.STR),
                               OpenApiParameter("weeks", OpenApiTypes.INT)])
    def get(self, request):
        village = checked_village(request.user, request.query_params.get("village") or "")
        try:
            weeks = max(1, min(52, int(request.query_params.get("weeks") or 4)))
        except ValueError:
            raise BadInput("weeks 应为整数", field="weeks") from None
        return Response({"village": village.code, "targets": assessment.target_progress([village.code], weeks=weeks)})

    @extend_schema(request=TargetRequest)
    def post(self, request):
        from django.utils import timezone

        from patrol import services as patrol_services
        from patrol.models import Category

        from .models import WeeklyTarget

        if not patrol_services.may(request.user, "assign"):
            raise Forbidden("只有街镇或区级人员可以设置每周目标")
        body = TargetRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        village = checked_village(request.user, data["village"])
        category = patrol_services.find_category(data["category"])
        starts_on = data.get("starts_on") or timezone.localdate()
        if data.get("ends_on") and data["ends_on"] < starts_on:
            raise BadInput("结束日期不能早于开始日期", field="ends_on")
        target = WeeklyTarget.objects.create(
            village=village, category=Category.objects.get(pk=category.pk), per_week=data["per_week"],
            starts_on=starts_on, ends_on=data.get("ends_on"), note=data["note"], created_by=request.user)
        progress = assessment.target_progress([village.code])
        return Response(next(t for t in progress if t["target"] == target.pk) if starts_on <= timezone.localdate()
                        else {"target": target.pk}, status=201)


# --- schemes, scorecards, evaluations, adjustments, 约谈, month closing, the year -------------------------------


class SchemeList(APIView):
    """GET: the schemes with their default parameters and scorecard template."""

    def get(self, request):
        return Response([s.describe() for s in S.SCHEMES.values()])


class ScorecardRequest(serializers.Serializer):
    village = serializers.CharField()
    month = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _body(request):
    if not isinstance(request.data, dict):
        raise BadInput("请求体应为 JSON 对象")
    return request.data


class ScorecardList(APIView):
    """GET ?month=YYYY-MM[&village=]: the current scorecards; POST: enter (or replace) one's own scorecard."""

    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR),
                               OpenApiParameter("village", OpenApiTypes.STR)])
    def get(self, request):
        month = request.query_params.get("month") or f"{current_month():%Y-%m}"
        cards = services.scorecards(request.user, month, request.query_params.get("village"))
        return Response([services.scorecard_json(c) for c in cards])

    @extend_schema(request=ScorecardRequest)
    def post(self, request):
        body = _body(request)
        card, created = services.submit_scorecard(request.user, body.get("village"), body.get("month"),
                                                  body.get("items"), body.get("note", ""))
        return Response(services.scorecard_json(card), status=201 if created else 200)


class ScorecardVillages(APIView):
    """GET [?lon=&lat=]: the villages one may score, nearest first."""

    def get(self, request):
        lon, lat = request.query_params.get("lon"), request.query_params.get("lat")
        try:
            lon, lat = (float(lon), float(lat)) if lon and lat else (None, None)
        except ValueError:
            raise BadInput("lon、lat 应为数字", field="lon") from None
        if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadInput("坐标超出范围", field="lon")
        return Response(services.nearest_villages(request.user, lon, lat))


class EvaluationList(APIView):
    """GET ?year=: the villages the third-party evaluation visited; POST {year, villages}: replace the list."""

    def get(self, request):
        from .models import EvaluatedVillage

        year = services._year(request.query_params.get("year") or current_month().year)
        codes = (EvaluatedVillage.objects.filter(year=year)
                 .filter(scope.code_q(user_area(request.user), "village__code")).values_list("village_id", flat=True))
        return Response({"year": year, "villages": sorted(codes)})

    def post(self, request):
        body = _body(request)
        codes = services.set_evaluated(request.user, body.get("year"), body.get("villages"))
        return Response({"year": int(body.get("year")), "villages": sorted(codes)}, status=201)


def adjustment_json(a):
    return {"id": a.pk, "village": a.village_id, "year": a.year, "kind": a.kind, "points": float(a.points),
            "reason": a.reason, "month": f"{a.month:%Y-%m}" if a.month else None}


class AdjustmentList(APIView):
    """GET ?year=[&village=]: entered year-end adjustments; POST {village, year, points, reason[, kind, month]}."""

    def get(self, request):
        from .models import Adjustment

        year = services._year(request.query_params.get("year") or current_month().year)
        qs = Adjustment.objects.filter(year=year).filter(scope.code_q(user_area(request.user), "village__code"))
        if request.query_params.get("village"):
            qs = qs.filter(village=services.visible_village(request.user, request.query_params["village"]))
        return Response([adjustment_json(a) for a in qs.order_by("village_id", "id")])

    def post(self, request):
        body = _body(request)
        a = services.add_adjustment(request.user, body.get("village"), body.get("year"), body.get("points"),
                                    body.get("reason"), body.get("kind") or "manual", body.get("month"))
        return Response(adjustment_json(a), status=201)


class InterviewList(APIView):
    """POST {village, month, held_on, held_by, note}: record that a flag's 约谈 took place."""

    def post(self, request):
        body = _body(request)
        i = services.record_interview(request.user, body.get("village"), body.get("month"), body.get("held_on"),
                                      body.get("held_by"), body.get("note", ""))
        return Response({"village": i.village_id, "month": f"{i.month:%Y-%m}", **services.interview_json(i)},
                        status=201)


class AnalysisList(APIView):
    """一村一档一分析. GET ?village=CODE: the village's analyses, newest revision first (each round's current one is
    the first of its round). POST {village, month, causes, measures}: write the analysis of the round `month`
    falls in (201; the same text again answers 200 with the stored one)."""

    @extend_schema(parameters=[OpenApiParameter("village", OpenApiTypes.STR)])
    def get(self, request):
        from .models import VillageAnalysis

        village = checked_village(request.user, request.query_params.get("village"))
        rows = VillageAnalysis.objects.filter(village=village).select_related("written_by").order_by(
            "-round", "-written_at", "-id")
        return Response([analysis.as_json(a) for a in rows])

    def post(self, request):
        body = _body(request)
        row, created = analysis.write(request.user, body.get("village"), body.get("month"), body.get("causes"),
                                      body.get("measures"))
        return Response(analysis.as_json(row), status=201 if created else 200)


class MonthReopen(APIView):
    """POST {month, note[, district]}: a district admin reopens a closed month (logged)."""

    def post(self, request):
        body = _body(request)
        row = services.reopen_month(request.user, body.get("month"), str(body.get("note") or ""),
                                    body.get("district"))
        return Response({"month": f"{row.month:%Y-%m}", "district": row.district, "closed": row.closed})


def _year_param(request):
    return services._year(request.query_params.get("year") or current_month().year)


class YearView(APIView):
    """GET ?year=YYYY[&town=]: the year-end totals."""

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT), OpenApiParameter("town", OpenApiTypes.STR)])
    def get(self, request):
        town = checked_town(request.user, request.query_params.get("town"))
        return Response(results.year(_year_param(request), user_area(request.user), town))


class YearXlsx(APIView):
    """GET ?year=YYYY[&town=]: the year-end totals as an xlsx workbook (one row per village)."""

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        from .year_export import year_xlsx

        town = checked_town(request.user, request.query_params.get("town"))
        result = results.year(_year_param(request), user_area(request.user), town)
        return xlsx_response(year_xlsx(result), f"年度考核-{result['year']}{('-' + town) if town else ''}.xlsx")
