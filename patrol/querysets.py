"""Issue queries: area scope (through geo.scope), derived lights and overdue, distances in metres."""
import math
from datetime import timedelta

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, F, FloatField, Func, Q, Value, When
from django.utils import timezone

from geo import scope

OPEN = ("reported", "assigned", "submitted")


def red_q(today):
    return ~Q(status="closed") & (Q(red_supervision=True) | Q(deadline__lt=today))


def light_case(today):
    return Case(
        When(status="closed", then=Value("green")),
        When(red_q(today), then=Value("red")),
        default=Value("yellow"),
        output_field=models.CharField(),
    )


def light_of(issue, today):
    """The same rule as light_case, for an instance in hand."""
    if issue.status == "closed":
        return "green"
    if issue.red_supervision or (issue.deadline is not None and issue.deadline < today):
        return "red"
    return "yellow"


class GeographyDistance(Func):
    """Metres between two WGS-84 geometries, on the spheroid (geography), never degrees."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        a, b = self.source_expressions
        sql_a, params_a = compiler.compile(a)
        sql_b, params_b = compiler.compile(b)
        return f"ST_Distance(({sql_a})::geography, ({sql_b})::geography)", [*params_a, *params_b]


def degree_box(lon, lat, metres):
    """A lon/lat box surely containing every point within `metres` of (lon, lat): an index pre-filter."""
    dlat = metres / 110_574 * 1.05 + 1e-7
    dlon = metres / (111_320 * max(math.cos(math.radians(lat)), 0.01)) * 1.05 + 1e-7
    return Polygon.from_bbox((lon - dlon, lat - dlat, lon + dlon, lat + dlat))


class IssueQuerySet(models.QuerySet):
    def for_user(self, user):
        area = scope.of(user)
        return self if area == scope.EVERYWHERE else self.filter(scope.place_q(area))

    def in_area(self, area_code):
        return self.filter(scope.place_q(area_code or None))

    def open(self):
        return self.exclude(status="closed")

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(deadline__lt=today)

    def long_unresolved(self, now=None, days=60):
        now = now or timezone.now()
        return self.open().filter(reported_at__lt=now - timedelta(days=days))

    def with_light(self, today=None):
        today = today or timezone.localdate()
        return self.annotate(
            light=light_case(today),
            overdue=ExpressionWrapper(~Q(status="closed") & Q(deadline__lt=today), output_field=BooleanField()),
        )

    def light(self, value, today=None):
        today = today or timezone.localdate()
        if value == "green":
            return self.filter(status="closed")
        if value == "red":
            return self.filter(red_q(today))
        return self.open().exclude(red_q(today))

    def neighbours(self, category_code, lon, lat, metres):
        """[{id, status, closed_at, reported_at, distance_m, town_id, village_id, grid_id}] of the problems of a
        category within `metres` of a point, nearest first: what `near(...).values(...)` gives (over the whole
        table: filters on the queryset do not apply).

        Raw SQL because every report runs it: compiling the ORM query (geography cast, bbox, annotation) cost
        more than running it. Bound parameters; the && box drives the GiST index as in `near`."""
        x0, y0, x1, y1 = degree_box(lon, lat, metres).extent
        sql = """
            SELECT id, status, closed_at, reported_at, distance_m, town_id, village_id, grid_id FROM (
                SELECT id, status, closed_at, reported_at, town_id, village_id, grid_id,
                       ST_Distance(location::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)
                           AS distance_m
                FROM patrol_issue
                WHERE category_id = %s AND location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
            ) n WHERE distance_m <= %s ORDER BY distance_m, id
        """
        with connection.cursor() as cur:
            cur.execute(sql, [lon, lat, category_code, x0, y0, x1, y1, metres])
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def in_bbox(self, bbox):
        return self.filter(location__contained=Polygon.from_bbox(tuple(bbox)))

    def near(self, lon, lat, metres):
        """Issues within `metres` of a point, with `distance_m` annotated, nearest first."""
        point = Point(lon, lat, srid=4326)
        return (
            self.filter(location__bboverlaps=degree_box(lon, lat, metres))
            .annotate(distance_m=GeographyDistance(F("location"), Value(point, output_field=models.PointField())))
            .filter(distance_m__lte=metres)
            .order_by("distance_m", "id")
        )
