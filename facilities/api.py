"""Facilities API: thin views over facilities.services, scores, labels, ledger and tiles."""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs
from core.errors import BadInput, Forbidden
from core.pdf import pdf_response
from core.spreadsheets import XLSX, xlsx_response
from geo.parsers import StrictJSONParser

from . import ledger, scores, services, tiles
from .labels import labels_pdf
from .models import Facility, FacilityStatus, Kind, OrderPhoto, OrderState, WorkOrder
from .serializers import FACILITY_VALUES, DoneRequest, PhotoUpload, RatingRequest, facility_feature, order_json

STR = OpenApiTypes.STR
MAX_FEATURES = 5000


def _choice(query, name, allowed):
    value = query.get(name)
    if value and value not in allowed:
        raise BadInput(f"{name} 应为：{' | '.join(allowed)}", field=name)
    return value


def filtered_facilities(user, query):
    """The caller's facilities with the list filters (village, kind, status, operator, bbox)."""
    qs = Facility.objects.for_user(user)
    if query.get("village"):
        qs = qs.filter(village_id=query["village"])
    if query.get("town"):
        qs = qs.filter(town_id=query["town"])
    # The kinds are read only when a kind is asked for (a tile or list without one costs no query for them).
    kind = _choice(query, "kind", list(Kind.objects.values_list("code", flat=True))) if query.get("kind") else None
    if kind:
        qs = qs.filter(kind_id=kind)
    status = _choice(query, "status", FacilityStatus.values)
    if status:
        qs = qs.filter(status=status)
    if query.get("operator"):
        qs = qs.filter(operator_id=query["operator"])
    if query.get("bbox"):
        x0, y0, x1, y1 = inputs.bbox(query["bbox"])
        qs = qs.filter(location__bboverlaps=Polygon.from_bbox((x0, y0, x1, y1)))
    return qs



FILTERS = [OpenApiParameter(n, STR) for n in ("village", "town", "kind", "status", "operator", "bbox")]


class FacilityList(APIView):
    """GET: the caller's facilities as a GeoJSON FeatureCollection (at most `page_size`, 5000).

    POST (district, town, operator): register one facility — code, kind, lon, lat, and optionally name, household,
    operator, status, upkeep_days; the village and grid come from the point (facilities.register, as the page
    /facilities/ does). 201 with the feature; 400 naming the field (a code in use: `code`)."""
    parser_classes = [StrictJSONParser]

    @extend_schema(parameters=[*FILTERS, OpenApiParameter("page_size", OpenApiTypes.INT)])
    def get(self, request):
        qs = filtered_facilities(request.user, request.query_params)
        try:
            size = min(MAX_FEATURES, max(1, int(request.query_params.get("page_size", MAX_FEATURES))))
        except ValueError:
            raise BadInput("page_size 应为整数", field="page_size") from None
        rows = list(qs.order_by("code").values(*FACILITY_VALUES)[:size + 1])
        count = len(rows) if len(rows) <= size else qs.count()
        return Response({"type": "FeatureCollection", "count": count,
                         "features": [facility_feature(r) for r in rows[:size]]})

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request):
        from . import register

        if not isinstance(request.data, dict):
            raise BadInput("请求体应为 JSON 对象", field="body")
        facility, created = register.save_facility(request.user, request.data)
        row = Facility.objects.filter(pk=facility.pk).values(*FACILITY_VALUES).get()
        return Response(facility_feature(row), status=201 if created else 200)  # 200: a retry, the stored one


class LabelsPdf(APIView):
    """GET /api/facilities/labels.pdf?village=: an A4 sheet of QR labels, each the absolute /f/<code> URL."""

    @extend_schema(parameters=FILTERS, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        qs = filtered_facilities(request.user, request.query_params).select_related("kind", "village")
        if qs.count() > 2000:
            raise BadInput("一次最多打印 2000 张标签，请按行政村（village=）筛选", field="village")
        return pdf_response(labels_pdf(qs.order_by("village_id", "code"), request), "facility-labels.pdf")


class ProblemToiletLedger(APIView):
    """GET /api/facilities/problem-toilets.xlsx?village=: 问题厕所整改台账."""

    @extend_schema(parameters=[OpenApiParameter("village", STR)], responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        village = request.query_params.get("village") or None
        return xlsx_response(ledger.ledger_workbook(request.user, village),
                           f"问题厕所整改台账{village or ''}.xlsx")


class FacilityTile(APIView):
    """GET /tiles/facilities/{z}/{x}/{y}.pbf: layer `facilities` (code, kind, status, open_orders)."""

    @extend_schema(parameters=FILTERS[:5], responses={(200, "application/vnd.mapbox-vector-tile"): OpenApiTypes.BINARY})
    def get(self, request, z, x, y):
        if not tiles.valid_tile(z, x, y):
            raise NotFound("瓦片编号无效")
        data = tiles.facility_tile(filtered_facilities(request.user, request.query_params), z, x, y)
        response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile")
        response["Cache-Control"] = "private, max-age=60"
        return response


def _orders(request):
    qs = WorkOrder.objects.for_user(request.user).select_related("facility", "facility__kind", "facility__village")
    q = request.query_params
    state = _choice(q, "state", [*OrderState.values, "unfinished"])
    if state == "unfinished" or not state:
        qs = qs.unfinished() if state else qs
    else:
        qs = qs.filter(state=state)
    if q.get("lon") or q.get("lat"):
        try:
            here = Point(float(q["lon"]), float(q["lat"]), srid=4326)
        except (KeyError, ValueError):
            raise BadInput("lon 和 lat 应同时给出，且为数字", field="lon") from None
        return qs.annotate(distance=Distance("facility__location", here)).order_by("distance", "id")
    return qs.order_by("deadline", "id")


class WorkOrderList(APIView):
    """GET: the caller's work orders (an operator: its facilities'; staff: their area's), nearest first when
    lon/lat are given, else soonest deadline first. state=open|accepted|done|unfinished."""

    @extend_schema(parameters=[OpenApiParameter(n, STR) for n in ("state", "lon", "lat")])
    def get(self, request):
        now = timezone.now()
        orders = list(_orders(request)[:500])
        return Response({"count": len(orders), "results": [order_json(request.user, o, now=now) for o in orders]})


class WorkOrderDetail(APIView):
    def get(self, request, pk):
        order = services.visible_order(request.user, pk)
        return Response(order_json(request.user, order, photos=list(order.photos.all())))


class WorkOrderAccept(APIView):
    def post(self, request, pk):
        order = services.accept(request.user, pk)
        return Response(order_json(request.user, order, photos=list(order.photos.all())))


class WorkOrderPhotos(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=PhotoUpload)
    def post(self, request, pk):
        body = PhotoUpload(data=request.data)
        body.is_valid(raise_exception=True)
        photo, created = services.add_after_photo(request.user, pk, body.validated_data["image"])
        order = services.visible_order(request.user, pk)
        return Response(order_json(request.user, order, photos=list(order.photos.all())),
                        status=201 if created else 200)


class WorkOrderDone(APIView):
    @extend_schema(request=DoneRequest)
    def post(self, request, pk):
        body = DoneRequest(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.done(request.user, pk, body.validated_data["note"])
        return Response(order_json(request.user, order, photos=list(order.photos.all())))


class OrderPhotoImage(APIView):
    def get(self, request, pk):
        photo = OrderPhoto.objects.filter(pk=pk).first()
        if photo is None:
            raise Http404("照片不存在")
        services.visible_order(request.user, photo.order_id)
        return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


class Ratings(APIView):
    """POST {operator, month, score}: the township's rating (town staff) or the village's (village staff)."""

    @extend_schema(request=RatingRequest)
    def post(self, request):
        body = RatingRequest(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        rating = scores.rate(request.user, d["operator"], d["month"], d["score"])
        return Response({"operator": rating.operator_id, "month": f"{rating.month:%Y-%m}", "level": rating.level,
                         "area": rating.area_code, "score": float(rating.score)}, status=201)


class Scores(APIView):
    """GET /api/operators/scores/?month=YYYY-MM[&export=xlsx]: one row per company."""

    @extend_schema(parameters=[OpenApiParameter("month", STR)])
    def get(self, request):
        if request.user.role == "inspector":
            raise Forbidden("您的角色不能查看服务公司考核")
        data = scores.scores(request.user, request.query_params.get("month"))
        if request.query_params.get("export") == "xlsx":
            return xlsx_response(scores.scores_workbook(data), f"服务公司考核{data['month']}.xlsx")
        return Response(data["results"], headers={"X-Month": data["month"]})
