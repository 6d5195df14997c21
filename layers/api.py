"""Map APIs: thin views over layers.queries, layers.tiles, layers.hotspots and layers.emerging."""
import functools

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs
from core.errors import BadInput, DomainError, Forbidden, NotVisible
from core.months import current_month, parse_month
from geo import scope
from patrol.filters import IssueFilter

from . import basemap, emerging, hotspots, queries, tiles, tiletoken

STR = OpenApiTypes.STR


def _int(query, name, default, low, high):
    return inputs.number(query.get(name, default), name, low, high, integer=True)


def _has_area(user):
    """Heat and hot spots are of an area: an account without one (a service company's) is told so, not a 500."""
    if scope.of(user) is None:
        raise Forbidden("您的账号没有辖区，不能查看热力图和热点")


def _area(request):
    """The area hot spots cover: the caller's, or one of their towns (town=)."""
    town = request.query_params.get("town")
    user = request.user
    if town:
        if not queries.scope_areas(user, queries.Town).filter(code=town).exists():
            raise BadInput("该街镇不在您的辖区内", field="town")
        return town
    return user.area_code or None


def token_tile(request, z, x, y):
    """The tile for a request carrying `token=`: the signature is the whole check (no session, no user row, no
    DRF machinery: a map asks for dozens of these a second). Errors are the API's JSON."""
    try:
        user = tiletoken.bearer(request.GET["token"])
        params = request.GET.copy()
        del params["token"]
        return _tile_response(user, params, z, x, y)
    except DomainError as exc:
        return JsonResponse(exc.as_json(), status=exc.status_code)


def _tile_response(user, params, z, x, y):
    """Both doors' tile: 404 for a tile number outside the zoom level, else the MVT bytes."""
    if not tiles.valid_tile(z, x, y):
        raise NotVisible("瓦片编号无效")
    if queries.has_filters(params):
        data = tiles.issue_tile(queries.filtered_issues(user, params), z, x, y)
    else:  # the map's usual tile: the area alone, one query
        data = tiles.area_tile(scope.of(user), z, x, y)
    response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile")
    response["Cache-Control"] = "private, max-age=60"
    return response


class IssueTile(APIView):
    """GET /tiles/issues/{z}/{x}/{y}.pbf: a Mapbox vector tile, layer `issues` (id, category, status, light),
    with the list API's filters and area scoping. With `token=` (from /api/tiles/token/ or the map page) the
    request is checked by the token's signature alone, without the session or the user table; a bad or expired
    token is a 403. Without one, the session or API token as everywhere else."""

    @classmethod
    def as_view(cls, **initkwargs):
        api_view = super().as_view(**initkwargs)

        @functools.wraps(api_view)  # keeps DRF's marks (csrf_exempt, login_required=False, cls for the schema)
        def view(request, *args, **kwargs):
            if "token" in request.GET:
                return token_tile(request, *args, **kwargs)
            return api_view(request, *args, **kwargs)

        return view

    @extend_schema(parameters=[OpenApiParameter(n, STR) for n in ("token", *IssueFilter.base_filters)],
                   responses={(200, "application/vnd.mapbox-vector-tile"): OpenApiTypes.BINARY})
    def get(self, request, z, x, y):
        return _tile_response(request.user, request.query_params, z, x, y)


class BaseTile(APIView):
    """GET /tiles/base/{z}/{x}/{y}.pbf: a Mapbox vector tile of the offline base map drawn under every map:
    layers `roads` (kind, name), `water` (kind; the water-body extents recorded on problems in the caller's
    area) and `boundaries` (level town | village | grid, code; villages from zoom 11, grids from 15)."""

    @extend_schema(responses={(200, "application/vnd.mapbox-vector-tile"): OpenApiTypes.BINARY})
    def get(self, request, z, x, y):
        if not tiles.valid_tile(z, x, y):
            raise NotVisible("瓦片编号无效")
        response = HttpResponse(basemap.base_tile(scope.of(request.user), z, x, y),
                                content_type="application/vnd.mapbox-vector-tile")
        response["Cache-Control"] = "private, max-age=300"
        return response


class TileToken(APIView):
    """GET /api/tiles/token/: {token, expires, issues}: a short-lived token for vector tile URLs and the URL
    template of the problem tiles carrying it ({z}/{x}/{y} left for the map library)."""

    def get(self, request):
        token, expires = tiletoken.issue(request.user)
        return Response({"token": token, "expires": expires, "issues": tiletoken.url_template(token)})


class IssueCounts(APIView):
    """GET /api/issues/counts/: {count, red, yellow, green} for the list API's filters (same scoping)."""

    @extend_schema(parameters=[OpenApiParameter(n, STR) for n in IssueFilter.base_filters])
    def get(self, request):
        return Response(queries.light_counts(queries.filtered_issues(request.user, request.query_params)))


class Lights(APIView):
    """GET /api/lights/?month=YYYY-MM&level=village|town: each area's light and red/yellow/green counts at the
    end of the month, rebuilt from the event history (towns add the share of their villages per colour)."""

    @extend_schema(parameters=[OpenApiParameter("month", STR), OpenApiParameter("level", STR),
                               OpenApiParameter("town", STR), OpenApiParameter("category", STR),
                               OpenApiParameter("source", STR)])
    def get(self, request):
        q = request.query_params
        month = q.get("month") or f"{timezone.localdate():%Y-%m}"
        return Response(queries.area_lights(request.user, month, q.get("level", "village"), q))


class Heatmap(APIView):
    """GET /api/heatmap/?kind=all|rebound&from=&to=&category=&town=: weighted points [[lon, lat, weight], ...]."""

    @extend_schema(parameters=[OpenApiParameter(n, STR) for n in ("kind", "from", "to", "category", "town")])
    def get(self, request):
        _has_area(request.user)
        params = queries.kind_params(request.query_params)
        points = queries.heat_points(queries.filtered_issues(request.user, params))
        return Response({"kind": request.query_params.get("kind", "all"), "count": sum(p[2] for p in points),
                         "points": points})


class Hotspots(APIView):
    """GET /api/hotspots/?kind=all|rebound&from=&to=&category=&cell_m=500: Gi* hexagonal cells."""

    @extend_schema(parameters=[OpenApiParameter(n, STR) for n in ("kind", "from", "to", "category", "town",
                                                                    "cell_m")])
    def get(self, request):
        q = request.query_params
        _has_area(request.user)
        cell_m = _int(q, "cell_m", 500, 100, 20_000)
        qs = queries.filtered_issues(request.user, queries.kind_params(q))
        cells, counts, z, p, classes = hotspots.hotspots(qs, _area(request), cell_m)
        body = hotspots.feature_collection(cells, {"count": counts, "gi_z": z, "p_value": p,
                                                   "class": classes})
        body["count"] = int(counts.sum())
        return Response(body)


class EmergingHotspots(APIView):
    """GET /api/hotspots/emerging/?kind=rebound&months=12&to=YYYY-MM&cell_m=500: emerging hot spot categories."""

    @extend_schema(parameters=[OpenApiParameter(n, STR) for n in ("kind", "months", "to", "category", "town",
                                                                    "cell_m")])
    def get(self, request):
        q = request.query_params
        cell_m = _int(q, "cell_m", 500, 100, 20_000)
        months = _int(q, "months", 12, 2, settings.PATROL["EMERGING_MAX_MONTHS"])
        last = parse_month(q["to"], "to") if q.get("to") else current_month()
        params = queries.kind_params({"kind": q.get("kind", "rebound"), "category": q.get("category"),
                                      "town": q.get("town")})
        qs = queries.filtered_issues(request.user, params)
        cells, labels, counts, z, bins, tz, tp, categories = emerging.emerging(qs, _area(request), last, months,
                                                                               cell_m)
        body = hotspots.feature_collection(cells, {
            "category": categories, "trend_z": tz.round(6), "trend_p": tp.round(8), "count": counts.sum(axis=1),
            "bins": bins.tolist(), "gi_z": z.round(4).tolist(),
        })
        body["months"] = labels
        return Response(body)
