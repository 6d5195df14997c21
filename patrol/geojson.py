"""Issues as RFC 7946 GeoJSON.

The list endpoint serves pages of up to 10,000 features. DRF serialisation stood in the way there (per-object
fields, then json.dumps of megabytes), so a page is built as JSON text inside PostGIS from the very queryset the
filters and area scope produced (`features_json`); single issues use `feature(row)` in Python, same format.
"""
from datetime import UTC

from django.db.models import F, FloatField, Func

from .querysets import light_case


class X(Func):
    function, output_field = "ST_X", FloatField()


class Y(Func):
    function, output_field = "ST_Y", FloatField()


def feature_rows(queryset, today):
    return queryset.annotate(light=light_case(today), lon=X("location"), lat=Y("location")).values(
        "id", "lon", "lat", "light", "status", "deadline", "reported_at", "source", "red_supervision", "assignee",
        "closed_at", "description", category_code=F("category_id"), town_code=F("town_id"),
        village_code=F("village_id"), grid_code=F("grid_id"), rebound_id=F("rebound_of_id"),
        water_body_id=F("water_body"),
    )


def utc(moment):
    """ISO 8601 in UTC exactly as PostgreSQL writes a timestamptz into JSON on Django's UTC connections
    (fraction without trailing zeros, "+00:00"), so a feature reads the same from either path."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    if "." in text:
        whole, rest = text.split(".")
        fraction = rest[:6].rstrip("0")
        text = whole + ("." + fraction if fraction else "") + "+00:00"
    return text

# Raw SQL around the compiled queryset: json_build_object/json_agg make the page in one pass in PostGIS.
# row_number() OVER () numbers the rows in the order the (sorted, limited) inner query yields them.
FEATURES_SQL = """
SELECT COALESCE(json_agg(json_build_object(
    'type', 'Feature', 'id', r.id,
    'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array(r.lon, r.lat)),
    'properties', json_build_object(
        'id', r.id, 'category', r.category_code, 'status', r.status, 'light', r.light, 'town', r.town_code,
        'village', r.village_code, 'grid', r.grid_code, 'deadline', r.deadline,
        'reported_at', r.reported_at, 'rebound_of', r.rebound_id, 'source', r.source,
        'red_supervision', r.red_supervision, 'assignee', r.assignee, 'closed_at', r.closed_at,
        'description', r.description, 'water_body', r.water_body_id)
) ORDER BY r.row_order), '[]')::text
FROM (SELECT q.*, row_number() OVER () AS row_order FROM ({inner}) q) r
"""


def features_json(rows):
    """A JSON array (text) of the features of a `feature_rows` queryset, possibly sliced."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # the ORM knows the answer is empty without asking the database
        return "[]"
    with connection.cursor() as cur:
        cur.execute(FEATURES_SQL.format(inner=sql), params)
        return cur.fetchone()[0]


def feature(row):
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": {
            "id": row["id"],
            "category": row["category_code"],
            "status": row["status"],
            "light": row["light"],
            "town": row["town_code"],
            "village": row["village_code"],
            "grid": row["grid_code"],
            "deadline": row["deadline"].isoformat() if row["deadline"] else None,
            "reported_at": utc(row["reported_at"]),
            "rebound_of": row["rebound_id"],
            "source": row["source"],
            "red_supervision": row["red_supervision"],
            "assignee": row["assignee"],
            "closed_at": utc(row["closed_at"]),
            "description": row["description"],
            "water_body": row["water_body_id"],
        },
    }
