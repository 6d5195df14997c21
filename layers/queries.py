"""What the maps show, as data: the caller's filtered problems, light counts, monthly area lights, heat points.

Every problem query starts from `Issue.objects.for_user(user)` and goes through `patrol.filters.IssueFilter`,
the list API's filters, so a map, a tile and the list always agree on which problems a person sees.
"""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Func, Value
from django.utils import timezone

from core import inputs
from core.errors import BadInput
from core.months import local_start, month_end, next_month, parse_month
from geo import scope
from geo.models import District, Town, Village
from patrol import history, lights
from patrol.filters import IssueFilter
from patrol.models import Issue
from patrol.querysets import light_case

LIGHTS = ("red", "yellow", "green")
# Degrees: boundaries from the API are simplified to about 30 m, with 5 decimals (about 1 m); on the overview
# map page (a district of hundreds of villages) to about 100 m with 4 decimals (about 10 m), which keeps the
# page small and is finer than a pixel at the zoom that shows a whole district.
SIMPLIFY_DEG = 0.0003
PRECISION = 5
PAGE_SIMPLIFY_DEG = 0.001
PAGE_PRECISION = 4


def has_filters(params):
    """Does a query string carry any of the list API's filters?"""
    return any(key in params for key in IssueFilter.base_filters)


def filtered_issues(user, params):
    """The caller's problems with the list API's filters applied; BadInput on an invalid filter."""
    base = Issue.objects.for_user(user)
    if not has_filters(params):
        return base  # what IssueFilter returns for no filter, without building its form (tiles are hot)
    # The filter set reads the person from its request (`mine`): give it the one asking.
    filterset = IssueFilter(params, queryset=base, request=SimpleNamespace(user=user))
    if not filterset.is_valid():
        detail = "; ".join(f"{k}: {v[0]}" for k, v in filterset.errors.items())
        raise BadInput(f"筛选条件无效：{detail}", field=next(iter(filterset.errors), None))
    return filterset.qs


def light_counts(queryset, today=None):
    """{"count", "red", "yellow", "green"} of a queryset, lights as of today (as the list API derives them)."""
    today = today or timezone.localdate()
    out = dict.fromkeys(LIGHTS, 0)
    rows = queryset.order_by().annotate(_light=light_case(today)).values("_light").annotate(n=Count("id"))
    for row in rows:
        out[row["_light"]] = row["n"]
    out["count"] = sum(out[k] for k in LIGHTS)
    return out


# --- dates ------------------------------------------------------------------------------------------------


def parse_day_or_month(value, field, end=False):
    """'YYYY-MM' or 'YYYY-MM-DD' → an aware datetime: the start of that month/day, or (end=True) the start of
    the next one (an exclusive upper bound, so `to=2026-03` takes all of March)."""
    if not value:
        return None
    if len(value) == 7:
        first = inputs.month(value, field)
        day = next_month(first) if end else first
    else:
        day = inputs.day(value, field) + (timedelta(days=1) if end else timedelta(0))
    return local_start(day)


def kind_params(query, allowed=("category", "town")):
    """IssueFilter parameters for the heat and hot spot APIs: kind=all|rebound, from, to and `allowed`."""
    kind = query.get("kind", "all")
    if kind not in ("all", "rebound"):
        raise BadInput("kind 应为 all 或 rebound", field="kind")
    params = {k: query.get(k) for k in allowed if query.get(k)}
    if kind == "rebound":
        params["rebound"] = "true"
    start = parse_day_or_month(query.get("from"), "from")
    stop = parse_day_or_month(query.get("to"), "to", end=True)
    if start:
        params["reported_after"] = start.isoformat()
    if stop:
        params["reported_before"] = stop.isoformat()
    return params


# --- areas -------------------------------------------------------------------------------------------------


def scope_areas(user, model):
    """Towns or villages a person's area covers or lies in (a grid user sees their village)."""
    return model.objects.filter(scope.areas_q(scope.of(user), "town" if model is Town else "village"))


def scope_bounds(user):
    """(minx, miny, maxx, maxy) of the person's area."""
    code = user.area_code
    key = f"layers:bounds:{code or '*'}"
    found = cache.get(key)
    if found:
        return found
    from geo.models import AREA_MODELS, level_of

    level = level_of(code) if code else None
    table = AREA_MODELS[level]._meta.db_table if level else District._meta.db_table
    where, params = ("WHERE code = %s", [code]) if level else ("", [])
    with connection.cursor() as cur:
        # Raw SQL: ST_Extent is an aggregate the ORM's Extent also offers, but only per model; one line is simpler.
        cur.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                    f"(SELECT ST_Extent(boundary) e FROM {table} {where}) t", params)
        row = cur.fetchone()
    bounds = tuple(row) if row and row[0] is not None else (121.0, 30.7, 121.9, 31.5)
    cache.set(key, bounds, 600)
    return bounds


# Names drawn on the page itself (placed in the browser, layers/maps.MapFrame); above these counts a level's
# names are left out of the page rather than make it heavy (a district of 10,000 villages shows town names).
MAX_NAMES = {"village": 1000, "grid": 1000}


def place_names(user):
    """{"town"|"village"|"grid": [[code, name, lat, lon], ...]} of the person's area, each at a point inside its
    area (ST_PointOnSurface), larger areas first (the label layer places them in this order)."""
    from django.contrib.gis.db.models.functions import Area, PointOnSurface

    from geo.models import Grid

    key = f"layers:names:{user.area_code or '*'}"
    found = cache.get(key)
    if found:
        return found
    area = scope.of(user)
    names = {}
    for level, model in (("town", Town), ("village", Village), ("grid", Grid)):
        qs = model.objects.filter(scope.areas_q(area, level))
        if level in MAX_NAMES and qs.count() > MAX_NAMES[level]:
            continue
        rows = qs.annotate(_p=PointOnSurface("boundary"), _a=Area("boundary")).order_by("-_a", "code")
        names[level] = [[code, name, round(p.y, 5), round(p.x, 5)] for code, name, p in
                        rows.values_list("code", "name", "_p")]
    cache.set(key, names, 600)
    return names


def area_features(queryset, simplify=SIMPLIFY_DEG, precision=PRECISION):
    """[(code, name, geojson geometry str), ...] with simplified boundaries."""
    geom = Func(F("boundary"), Value(simplify), function="ST_SimplifyPreserveTopology",
                output_field=GeometryField(srid=4326))
    return list(queryset.order_by("code").annotate(_geo=AsGeoJSON(geom, precision=precision))
                .values_list("code", "name", "_geo"))


# --- lights of a month ----------------------------------------------------------------------------------


# Raw SQL: patrol.history's month-end reconstruction, counted per village and light inside PostGIS instead of
# shipping a million rebuilt rows to Python. The two halves of history.STATES_SQL (same rules, same scoping):
# TOUCHED_STATES_SQL with the aggregation and the town/category/source narrowing around it, and
# UNTOUCHED_COUNTS_SQL with the same narrowing inside.
FILTERS_SQL = """(%(town)s IS NULL OR {s}.town_id = %(town)s)
  AND (%(category)s IS NULL OR {s}.category_id = %(category)s)
  AND (cardinality(%(sources)s::text[]) = 0 OR {s}.source = ANY(%(sources)s::text[]))"""
MONTH_COUNTS_SQL = """
SELECT s.village_id, s.town_id, s.light, count(*)
FROM ({states}) AS s({columns})
WHERE """ + FILTERS_SQL.format(s="s") + """
GROUP BY 1, 2, 3
"""


def month_moment(month):
    """The moment and day a month's lights are read: its end, or now for the running month."""
    moment, day = month_end(parse_month(month))
    now = timezone.now()
    if moment > now:
        moment, day = now, timezone.localdate()
    return moment, day


def month_light_counts(user, month, params=None):
    """[(village, town, light, n), ...] of the person's problems as they stood at the end of `month` (now, for
    the running month), rebuilt from the event history, optionally narrowed by town, category and source."""
    area = scope.of(user)
    if area is None:
        return []
    moment, day = month_moment(month)
    params = params or {}
    sources = params.getlist("source") if hasattr(params, "getlist") else params.get("source") or []
    if isinstance(sources, str):
        sources = [sources]
    where, scope_params = history.scope_sql(area)
    # Two queries: the problems touched after the moment, rebuilt from their history and counted, and the
    # untouched rest counted straight from their rows (parallel-capable). A (village, town, light) may come back
    # from both: callers add the counts up.
    touched = MONTH_COUNTS_SQL.format(states=history.TOUCHED_STATES_SQL.format(scope=where),
                                      columns=", ".join(history.IssueState._fields))
    untouched = history.UNTOUCHED_COUNTS_SQL.format(scope=where, filters=FILTERS_SQL.format(s="i"))
    args = {"moment": moment, "day": day, **scope_params, "town": params.get("town") or None,
            "category": params.get("category") or None, "sources": list(sources)}
    if connection.in_atomic_block:
        # Inside a caller's transaction (whose rows another connection would not see): one after the other.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(touched, args)
            rows = cur.fetchall()
            return rows + _fetch_parallel(cur, untouched, args)
    # Otherwise both at once, on two connections reading one snapshot, one core each (10,000 villages, a million
    # problems: ~1 s each, 1.9 s one after the other, 1.5 s side by side). The shared snapshot also makes the
    # halves agree on which problems were touched, where two statements in one READ COMMITTED transaction could
    # each see a different moment.
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        with ThreadPoolExecutor(1) as pool:
            rest = pool.submit(_fetch_in_snapshot, snapshot, untouched, args)
            cur.execute(touched, args)
            return cur.fetchall() + rest.result()


def _fetch_parallel(cur, sql, args):
    # The planner's default costs put the ~30,000 (village, town, light) groups above what a parallel
    # aggregate saves; measured on a million problems the parallel plan takes half the time (2 cores).
    cur.execute("SET LOCAL parallel_setup_cost = 10")
    cur.execute("SET LOCAL parallel_tuple_cost = 0.001")
    cur.execute(sql, args)
    return cur.fetchall()


def _fetch_in_snapshot(snapshot, sql, args):
    """Rows of a query run on this thread's own connection in a snapshot exported by another (then closed)."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            # Without workers of its own: with the other half on the second core they slowed both (measured).
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        connection.close()


def _light_of(counts):
    return lights.area_light_of(counts)


def area_lights(user, month, level="village", params=None, simplify=SIMPLIFY_DEG, geometry=True,
                precision=PRECISION):
    """FeatureCollection of the person's villages or towns with their light and red/yellow/green counts at
    the end of `month`. Towns also carry the share of their villages in each colour."""
    if level not in ("village", "town"):
        raise BadInput("level 应为 village 或 town", field="level")
    rows = month_light_counts(user, month, params)
    params = params or {}
    per_village, per_town = {}, {}
    for village, town, light, n in rows:
        for key, table in ((village, per_village), (town, per_town)):
            table.setdefault(key, dict.fromkeys(LIGHTS, 0))[light] += n
    villages = scope_areas(user, Village)
    towns = scope_areas(user, Town)
    if params.get("town"):
        villages, towns = villages.filter(town_id=params["town"]), towns.filter(code=params["town"])
    features = []
    if level == "village":
        rows = area_features(villages, simplify, precision) if geometry else [(c, n, None) for c, n in
                                                                     villages.values_list("code", "name")]
        towns_of = dict(villages.values_list("code", "town_id"))
        for code, name, geo in rows:
            counts = per_village.get(code, dict.fromkeys(LIGHTS, 0))
            features.append(_feature(code, name, geo, {"town": towns_of[code], **counts, "light": _light_of(counts)}))
    else:
        village_lights = {}
        for code, town in villages.values_list("code", "town_id"):
            light = _light_of(per_village.get(code, dict.fromkeys(LIGHTS, 0)))
            village_lights.setdefault(town, dict.fromkeys(LIGHTS, 0))[light] += 1
        rows = area_features(towns, simplify, precision) if geometry else [(c, n, None) for c, n in
                                                                  towns.values_list("code", "name")]
        for code, name, geo in rows:
            counts = per_town.get(code, dict.fromkeys(LIGHTS, 0))
            vl = village_lights.get(code, dict.fromkeys(LIGHTS, 0))
            n = sum(vl.values())
            share = {k: round(vl[k] / n, 4) if n else 0.0 for k in LIGHTS}
            features.append(_feature(code, name, geo, {
                **counts, "light": _light_of(counts), "villages": n,
                "villages_red": vl["red"], "villages_yellow": vl["yellow"], "villages_green": vl["green"],
                "share_red": share["red"], "share_yellow": share["yellow"], "share_green": share["green"],
            }))
    return {"type": "FeatureCollection", "month": f"{parse_month(month):%Y-%m}", "level": level,
            "features": features}


def _feature(code, name, geo, props):
    import json

    return {"type": "Feature", "id": code, "geometry": json.loads(geo) if geo else None,
            "properties": {"code": code, "name": name, **props}}


# --- heat ---------------------------------------------------------------------------------------------------

# Raw SQL: grouping snapped points needs ST_SnapToGrid in GROUP BY; the filtered queryset comes in compiled.
HEAT_SQL = """
SELECT ST_X(g), ST_Y(g), count(*) FROM (
    SELECT ST_SnapToGrid(location, %s) AS g FROM patrol_issue WHERE id IN ({subquery})
) t GROUP BY g ORDER BY 3 DESC
"""


def heat_points(queryset, grid_deg=0.001):
    """[[lon, lat, weight], ...]: problems snapped to a grid of about 100 m, weighted by how many fell there.

    The heat layer's weight stays bounded by the area, not by the number of problems.
    """
    sub_sql, sub_params = queryset.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(HEAT_SQL.format(subquery=sub_sql), [grid_deg, *sub_params])
        return [[round(x, 6), round(y, 6), n] for x, y, n in cur.fetchall()]
