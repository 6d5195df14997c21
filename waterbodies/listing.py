"""The dynamic list as GeoJSON (built in PostGIS: a district's list of thousands of polygons is one query) and as
an xlsx in the list's own columns."""
import json

from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import CharField, Count, F, Func, OuterRef, Subquery
from django.utils import timezone

from core import inputs
from core.errors import BadInput

from .models import Finding, Kind, Status, StatusChange, Visit, WaterBody

FILTERS = ("town", "village", "status", "kind", "bbox")


def filtered(user, query):
    """The caller's water bodies with the list filters (town, village, status, kind, bbox)."""
    qs = WaterBody.objects.for_user(user)
    for name in ("town", "village"):
        if query.get(name):
            qs = qs.filter(**{f"{name}_id": inputs.code(query[name], name)})
    for name, choices in (("status", Status), ("kind", Kind)):
        value = query.get(name)
        if value:
            if value not in choices.values:
                raise BadInput(f"{name} 应为：{' | '.join(choices.values)}", field=name)
            qs = qs.filter(**{name: value})
    if query.get("bbox"):
        qs = qs.filter(geom__bboverlaps=Polygon.from_bbox(inputs.bbox(query["bbox"])))
    return qs.order_by("town_id", "village_id", "name", "id")


# Raw SQL around the compiled queryset, as in patrol.geojson: json_build_object/json_agg and ST_AsGeoJSON make the
# whole collection in one pass inside PostGIS, where Python would parse and re-serialise every geometry.
FEATURES_SQL = """
SELECT COALESCE(json_agg(json_build_object(
    'type', 'Feature', 'id', r.id, 'geometry', r.geojson::json,
    'properties', json_build_object(
        'id', r.id, 'name', r.name, 'village', r.village_id, 'status', r.status, 'kind', r.kind,
        'village_name', r.village_name, 'town', r.town_id, 'status_since', r.status_since)
) ORDER BY r.row_order), '[]')::text
FROM (SELECT q.*, row_number() OVER () AS row_order FROM ({inner}) q) r
"""
VALUES = ("id", "name", "village_id", "status", "kind", "town_id", "status_since")


def features_json(qs):
    """A JSON array (text) of the queryset's water bodies as GeoJSON features."""
    from django.core.exceptions import EmptyResultSet

    try:
        from django.contrib.gis.db.models.functions import AsGeoJSON

        rows = qs.values(*VALUES, village_name=F("village__name"), geojson=AsGeoJSON("geom", precision=6))  # 0.1 m
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return "[]"
    with connection.cursor() as cur:
        cur.execute(FEATURES_SQL.format(inner=sql), params)
        return cur.fetchone()[0]


def feature_collection(qs):
    text = features_json(qs)
    return '{"type": "FeatureCollection", "features": ' + text + "}"


def feature(body):
    """One water body as a Feature (the same properties as the list's)."""
    from patrol.geojson import utc

    return {
        "type": "Feature", "id": body.pk, "geometry": json.loads(body.geom.json),
        "properties": {"id": body.pk, "name": body.name, "village": body.village_id, "status": body.status,
                       "kind": body.kind, "village_name": body.village.name, "town": body.town_id,
                       "status_since": utc(body.status_since)},
    }


def history_json(body):
    return [{"from_status": c.from_status, "to_status": c.to_status, "at": c.at.isoformat(),
             "actor": c.actor.get_full_name() or c.actor.username, "note": c.note, "issue": c.issue}
            for c in body.history.select_related("actor").order_by("at", "id")]


def visit_json(visit, photo_url):
    return {"id": visit.pk, "at": visit.at.isoformat(), "finding": visit.finding,
            "finding_label": Finding(visit.finding).label, "note": visit.note,
            "visitor": visit.visitor.get_full_name() or visit.visitor.username,
            "photos": [{"id": p.pk, "url": photo_url(p.pk), "flags": p.flag_codes} for p in visit.photos.all()]}


HEADERS = ["序号", "街镇", "责任行政村", "水体名称", "类型", "形态", "长度（米）", "面积（平方米）", "状态",
           "状态起始时间", "纳入清单时间", "监测次数", "最近监测", "关联问题数", "返黑返臭次数", "备注"]


class GeometryType(Func):
    """PostGIS GeometryType(): 'POLYGON', 'LINESTRING' … (the ORM has no function for it)."""

    function, output_field = "GeometryType", CharField()


def rows(qs):
    """The list's own rows: one per water body with its town's and village's names, its shape and measures on the
    spheroid, its visits, linked problems and rebounds — each a subquery, so no GROUP BY and no boundary is read."""
    from django.contrib.gis.db.models import GeometryField
    from django.contrib.gis.db.models.functions import Area, Length
    from django.db.models import DateTimeField, IntegerField
    from django.db.models.functions import Cast, Coalesce

    from patrol.models import Issue

    def count(model, **where):
        return Coalesce(Subquery(model.objects.filter(**where).order_by().values("water_body" if model is Issue
                                                                                   else "water_body_id")
                                 .annotate(n=Count("id")).values("n"), output_field=IntegerField()), 0)

    visits = Visit.objects.filter(water_body=OuterRef("pk")).order_by("-at", "-id")
    geog = Cast("geom", GeometryField(geography=True, srid=4326))
    return (qs.defer("geom")
            .annotate(town_name=F("town__name"), village_name=F("village__name"), shape=GeometryType("geom"),
                      length_m=Length(geog), area_m2=Area(geog),
                      visit_count=count(Visit, water_body=OuterRef("pk")),
                      last_at=Subquery(visits.values("at")[:1], output_field=DateTimeField()),
                      last_finding=Subquery(visits.values("finding")[:1]),
                      problems=count(Issue, water_body=OuterRef("pk")),
                      rebounds=count(StatusChange, water_body=OuterRef("pk"), to_status=Status.REBOUNDED)))


def workbook(qs):
    from core.spreadsheets import add_sheet, new_workbook, workbook_bytes

    wb = new_workbook()
    ws = add_sheet(wb, "黑臭水体动态清单", HEADERS, widths=(6, 12, 12, 20, 8, 6, 12, 14, 10, 12, 12, 8, 20, 10, 12, 30))
    local = timezone.localtime
    for n, b in enumerate(rows(qs), 1):
        line = b.shape in ("LINESTRING", "MULTILINESTRING")
        last = f"{local(b.last_at):%Y-%m-%d} {Finding(b.last_finding).label}" if b.last_at else ""
        ws.append([n, b.town_name, b.village_name, b.name, Kind(b.kind).label, "线" if line else "面",
                   round(b.length_m.m, 1) if line else None, None if line else round(b.area_m2.sq_m, 1),
                   Status(b.status).label, f"{local(b.status_since):%Y-%m-%d}", f"{local(b.listed_at):%Y-%m-%d}",
                   b.visit_count, last, b.problems, b.rebounds, b.note])
    return workbook_bytes(wb)
