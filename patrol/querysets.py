"""Issue queries: area scope (through geo.scope), derived lights and overdue, distances in metres."""
import functools
import math
import re
from datetime import timedelta

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Func, Q, Value
from django.utils import timezone

from core.prepared import Statement
from geo import scope

from . import lights

OPEN = ("reported", "assigned", "submitted")


def light_case(today):
    """The problem light of each row (patrol.lights.problem_light)."""
    return lights.problem_light(day=today)


def light_of(issue, today):
    """The same rule as light_case, for an instance in hand."""
    return lights.light(issue.status, issue.red_supervision, issue.deadline, today)


class GeographyDistance(Func):
    """Metres between two WGS-84 geometries, on the spheroid (geography), never degrees."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        a, b = self.source_expressions
        sql_a, params_a = compiler.compile(a)
        sql_b, params_b = compiler.compile(b)
        return f"ST_Distance(({sql_a})::geography, ({sql_b})::geography)", [*params_a, *params_b]


def degree_margins(lat, metres):
    """(dlon, dlat): half the sides of a lon/lat box surely containing every point within `metres` of a point."""
    dlat = metres / 110_574 * 1.05 + 1e-7
    dlon = metres / (111_320 * max(math.cos(math.radians(lat)), 0.01)) * 1.05 + 1e-7
    return dlon, dlat


def degree_box(lon, lat, metres):
    """A lon/lat box surely containing every point within `metres` of (lon, lat): an index pre-filter."""
    dlon, dlat = degree_margins(lat, metres)
    return Polygon.from_bbox((lon - dlon, lat - dlat, lon + dlon, lat + dlat))


# The neighbour search of every report (see IssueQuerySet.neighbours), prepared once per connection. Its plan is
# generic (settings: plan_cache_mode), so the box search is fenced (OFFSET 0): without knowing the values the
# planner preferred the category index, which reads a whole category (9 ms instead of 0.2 ms on 1M problems).
NEIGHBOURS = Statement("patrol_neighbours", """
    SELECT id, status, closed_at, reported_at, distance_m, town_id, village_id, grid_id FROM (
        SELECT id, status, closed_at, reported_at, town_id, village_id, grid_id,
               ST_Distance(location::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_m
        FROM (SELECT * FROM patrol_issue WHERE location && ST_MakeEnvelope($4, $5, $6, $7, 4326) OFFSET 0) boxed
        WHERE category_id = $3
    ) n WHERE distance_m <= $8 ORDER BY distance_m, id
""", ["float8", "float8", "text", "float8", "float8", "float8", "float8", "float8"])


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
        """The problems of one light (the same expression as with_light's, so a problem with no deadline is
        yellow here too: SQL's NULL never drops it from both red and yellow)."""
        today = today or timezone.localdate()
        matching = self.alias(_light=light_case(today)).filter(_light=value)
        # The light's own parts as plain predicates too (the same Q the expression is built from), which the
        # planner can estimate and match to indexes: on a CASE alone it guesses and may walk the whole table.
        if value == "green":
            return matching.filter(status=lights.CLOSED)
        matching = matching.exclude(status=lights.CLOSED)
        return matching.filter(lights.red_when_open(day=today)) if value == "red" else matching

    def neighbours(self, category_code, lon, lat, metres):
        """[{id, status, closed_at, reported_at, distance_m, town_id, village_id, grid_id}] of the problems of a
        category within `metres` of a point, nearest first: what `near(...).values(...)` gives (over the whole
        table: filters on the queryset do not apply).

        Raw SQL, prepared once per connection, because every report runs it: compiling the ORM query (geography
        cast, bbox, annotation) and planning it cost more than running it. The && box drives the GiST index as in
        `near`."""
        dlon, dlat = degree_margins(lat, metres)
        with connection.cursor() as cur:
            NEIGHBOURS.execute(cur, [lon, lat, category_code, lon - dlon, lat - dlat, lon + dlon, lat + dlat, metres])
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def insert_with_event(self, issue, event):
        """Store a new issue and its first event (whose issue is this one) in one statement, and give both their
        ids. What `issue.save()` then `event.save()` store, column for column (the values are the fields' own
        `pre_save` and `get_db_prep_save`), in one round trip of a statement prepared once per connection:
        every report runs it, and compiling the two ORM inserts cost more than running them. One statement, so
        both rows or neither are stored, with or without a transaction around it; a duplicate client_uuid raises
        the IntegrityError that save() would."""
        statement, issue_fields, event_fields = _insert_with_event()
        params = [f.get_db_prep_save(f.pre_save(issue, True), connection) for f in issue_fields]
        params += [f.get_db_prep_save(f.pre_save(event, True), connection) for f in event_fields]
        with connection.cursor() as cur:
            issue.pk, event.pk = statement.execute(cur, params).fetchone()
        for obj in (issue, event):
            obj._state.adding, obj._state.db = False, connection.alias
        event.issue = issue

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


@functools.cache
def _insert_with_event():
    """(statement, issue fields, event fields) of IssueQuerySet.insert_with_event, built from the models once."""
    from django.contrib.gis.db.models import GeometryField

    from .models import Issue, IssueEvent

    def stored(model, skip=()):
        return [f for f in model._meta.local_concrete_fields
                if not f.primary_key and not f.generated and f.attname not in skip]

    def value(field, n):
        if isinstance(field, GeometryField):
            return f"ST_GeomFromEWKB(${n})"  # as Django's PostGIS backend writes a geometry
        # The type without its length: an explicit cast to varchar(n) would cut a long value where the insert
        # must refuse it (DataError, a 400) as save() does.
        return f"${n}::{re.sub(r'[(][0-9, ]+[)]$', '', field.db_type(connection))}"

    issue_fields, event_fields = stored(Issue), stored(IssueEvent, skip=("issue_id",))
    n = len(issue_fields)
    sql = f"""
        WITH issue AS (
            INSERT INTO {Issue._meta.db_table} ({", ".join(f'"{f.column}"' for f in issue_fields)})
            VALUES ({", ".join(value(f, i) for i, f in enumerate(issue_fields, 1))}) RETURNING id
        )
        INSERT INTO {IssueEvent._meta.db_table} ("issue_id", {", ".join(f'"{f.column}"' for f in event_fields)})
        SELECT issue.id, {", ".join(value(f, n + i) for i, f in enumerate(event_fields, 1))} FROM issue
        RETURNING issue_id, id
    """
    statement = Statement("patrol_insert_with_event", sql, ["unknown"] * (n + len(event_fields)))
    return statement, issue_fields, event_fields
