"""Household points API: thin views over households.services."""
from datetime import date

from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs
from core.errors import BadInput, Forbidden
from core.spreadsheets import XLSX, add_sheet, new_workbook, xlsx_response

from . import services
from .models import ExportLog, Good, PointEntry
from .serializers import GoodRequest, LinkRequest, PublishRequest, RedeemRequest, RulesRequest, ScoreRequest

STR = OpenApiTypes.STR


def _body(request):
    """The request body as a mapping, or a 400 (a JSON list or a bare value is not a body here)."""
    if not hasattr(request.data, "get"):
        raise BadInput("请求体应为 JSON 对象")
    return request.data


def _int(value, field):
    if isinstance(value, bool):
        raise BadInput(f"{field} 应为整数", field=field)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, int):
        return value
    raise BadInput(f"{field} 应为整数：{value!r}", field=field)


class HouseholdList(APIView):
    """GET ?village=CODE[&group=NAME]: the village's households in gate order, masked for all but its own
    village's and town's staff."""

    @extend_schema(parameters=[OpenApiParameter("village", STR, required=True), OpenApiParameter("group", STR)])
    def get(self, request):
        code = request.query_params.get("village")
        if not code:
            raise BadInput("请给出 village（行政村代码）", field="village")
        village = services.village_for(request.user, code)
        personal = services.sees_personal(request.user, village.code)
        qs = services.visible_households(request.user).filter(village=village)
        if request.query_params.get("group"):
            qs = qs.filter(group=request.query_params["group"])
        return Response([services.household_row(request.user, h, personal) for h in qs.order_by("group", "code")])


    def post(self, request):
        """Register a household by hand: `village` (code), `code` (the door card's), `group`, `head`, `address`,
        `phone`, `members`, `resident`, `longitude`, `latitude` (the gate, inside the village). 201 when created;
        200 when the same household was already registered (a resent request); 409 when the code is taken."""
        data = _body(request)
        household, created = services.add_household(request.user, village=data.get("village"), data=data)
        return Response(services.household_row(request.user, household), status=201 if created else 200)


def _body(request):
    if not isinstance(request.data, dict):
        raise BadInput("请求体应为对象", field="body")
    return request.data


class HouseholdDetail(APIView):
    """PATCH: change a household's facts (the same fields as registering, without code and village), or only its
    `status` (active 在册 / moved_out 已迁出; its ledger stays)."""

    def patch(self, request, code):
        data = _body(request)
        household = services.household_for(request.user, code)
        if set(data) - {"status"}:
            household = services.edit_household(request.user, code, data=data)
        if "status" in data:
            household, _ = services.set_household_status(request.user, code, data["status"])
        return Response(services.household_row(request.user, household))


class HouseholdExport(APIView):
    """GET ?village=CODE: the households as xlsx, names and phones included for those allowed; logged."""

    @extend_schema(parameters=[OpenApiParameter("village", STR, required=True)],
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        code = request.query_params.get("village") or ""
        village = services.village_for(request.user, code)
        personal = services.sees_personal(request.user, village.code)
        rows = [services.household_row(request.user, h, personal)
                for h in services.visible_households(request.user).filter(village=village).order_by("group", "code")]
        wb = new_workbook()
        columns = ["code", "village", "group", "address", "head", "phone", "members", "resident", "status", "balance"]
        ws = add_sheet(wb, "农户", columns)
        for r in rows:
            ws.append([r[c] if c != "resident" else ("是" if r[c] else "否") for c in columns])
        ExportLog.objects.create(user=request.user, what="households.xlsx",
                                 params={"village": village.code, "personal": personal}, rows=len(rows))
        return xlsx_response(wb, f"农户-{village.code}.xlsx")


class Rules(APIView):
    @extend_schema(parameters=[OpenApiParameter("village", STR), OpenApiParameter("year", OpenApiTypes.INT),
                               OpenApiParameter("on", OpenApiTypes.DATE)])
    def get(self, request):
        village = request.query_params.get("village") or None
        today = timezone.localdate()
        year = _int(request.query_params.get("year") or str(today.year), "year")
        if village:
            village = services.village_for(request.user, village)
            ruleset = services.ruleset_of(village.code, year)
        else:
            from geo import scope

            from .models import RuleSet

            area = scope.of(request.user)
            ruleset = RuleSet.objects.filter(village=None, year=year,
                                             district_id=scope.district_of(area) if area else None).first()
        if ruleset is None:
            raise Http404("没有该年度的积分细则")
        day = inputs.day(request.query_params["on"], "on") if request.query_params.get("on") else (
            today if today.year == year else date(year, 1, 1) if year > today.year else
            date(year, 12, 31))
        return Response(services.rules_json(ruleset, day))

    @extend_schema(request=RulesRequest, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = _body(request)
        ruleset, created = services.save_rules(
            request.user, village=data.get("village") or None, year=data.get("year"), board_n=data.get("board_n"),
            items=data.get("items"), valid_from=data.get("valid_from"))
        today = timezone.localdate()
        day = today if ruleset.year == today.year else date(ruleset.year, 1, 1)
        if data.get("valid_from"):
            day = inputs.day(data["valid_from"], "valid_from")
        return Response(services.rules_json(ruleset, day), status=201 if created else 200)


class Points(APIView):
    def get(self, request, code):
        household = services.household_for(request.user, code)
        return Response({"code": household.code, "balance": household.balance,
                         "entries": [services.entry_json(e) for e in services.ledger(household)]})

    @extend_schema(request=ScoreRequest, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request, code):
        data = _body(request)
        entry, created = services.score(
            request.user, code, item=data.get("item"), month=data.get("month") or None, day=data.get("date") or None,
            note=inputs.note(data.get("note")), photo=request.FILES.get("photo"),
            client_uuid=data.get("client_uuid") or None, source=data.get("source") or None,
            scorer_group=data.get("scorer_group") or "")
        return Response(services.entry_json(entry), status=201 if created else 200)


class Goods(APIView):
    @extend_schema(parameters=[OpenApiParameter("village", STR, required=True)])
    def get(self, request):
        village = services.village_for(request.user, request.query_params.get("village"))
        return Response([{"id": g.pk, "village": g.village_id, "name": g.name, "price": g.price, "stock": g.stock}
                         for g in Good.objects.filter(village=village, active=True)])

    @extend_schema(request=GoodRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = _body(request)
        good = services.create_good(request.user, village=data.get("village"), name=data.get("name"),
                                    price=data.get("price"), stock=data.get("stock"))
        return Response({"id": good.pk, "village": good.village_id, "name": good.name, "price": good.price,
                         "stock": good.stock}, status=201)


class GoodDetail(APIView):
    """PATCH {"add_stock": n} restocks (added in the database, safe beside a redemption); {"active": false|true}
    takes a good off the shelf or puts it back."""

    def patch(self, request, pk):
        data = _body(request)
        active = data.get("active")
        if active is not None and not isinstance(active, bool):
            raise BadInput("active 应为 true 或 false", field="active")
        good = services.change_good(request.user, pk, add_stock=data.get("add_stock"), active=active)
        return Response({"id": good.pk, "village": good.village_id, "name": good.name, "price": good.price,
                         "stock": good.stock, "active": good.active})


class Redeem(APIView):
    @extend_schema(request=RedeemRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, code):
        data = _body(request)
        entry = services.redeem(request.user, code, good=data.get("good"), quantity=data.get("quantity", 1))
        body = services.entry_json(entry)
        body["balance"] = entry.household.balance
        return Response(body, status=201)


class LinkIssue(APIView):
    @extend_schema(request=LinkRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, code):
        data = _body(request)
        link = services.link_issue(request.user, code, issue=data.get("issue"), item=data.get("item"))
        return Response({"issue": link.issue_id, "household": link.household.code, "item": link.item_key}, status=201)


class Boards(APIView):
    """GET ?village=&quarter=YYYY-Qn[&group=]: the red and black lists (names masked for everyone)."""

    @extend_schema(parameters=[OpenApiParameter("village", STR, required=True), OpenApiParameter("quarter", STR),
                               OpenApiParameter("group", STR)])
    def get(self, request):
        village = services.village_for(request.user, request.query_params.get("village"))
        quarter = request.query_params.get("quarter") or services.quarter_of(timezone.localdate())
        return Response(services.board(village.code, quarter, group=request.query_params.get("group") or None))


class PublishBoard(APIView):
    @extend_schema(request=PublishRequest, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = _body(request)
        pub = services.publish_board(request.user, data.get("village"), data.get("quarter"))
        return Response({"village": pub.village_id, "quarter": pub.quarter, "published_at": pub.published_at},
                        status=201)


class Supervision(APIView):
    @extend_schema(parameters=[OpenApiParameter("month", STR, description="YYYY-MM")])
    def get(self, request):
        if not services.is_manager(request.user):
            raise Forbidden("只有管理人员可以查看积分制督查")
        return Response(services.supervision(request.user, request.query_params.get("month") or None))


class EntryPhoto(APIView):
    def get(self, request, pk):
        entry = PointEntry.objects.filter(pk=pk).exclude(photo="").select_related("household").first()
        if entry is None:
            raise Http404("照片不存在")
        services.household_for(request.user, entry.household.code)
        return FileResponse(entry.photo.open("rb"))
