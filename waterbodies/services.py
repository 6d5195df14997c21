"""The black-odorous list's rules, once: listing a water body, changing its status (history kept), monitoring
visits, and the rebound (返黑返臭) a new black_water report on an eliminated water body makes.

What the plan says (004 (十二)): "加强水体动态排查整治，建立动态问题清单，将新发现的黑臭水体及时纳入监管清单，分期分批
实施整治，采取控源截污、清淤疏浚、水系连通、生态修复等方式综合治理，实现水体有效治理和管护，杜绝返黑返臭。"
Everything else here is a project default: which status may follow which (TRANSITIONS), who may do what (ROLES),
the kinds of water (models.Kind), and that a report is linked to the nearest listed water body it lies on.
"""
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from geo import scope
from geo.lookup import locate
from geo.models import Village

from .models import Finding, Kind, Status, StatusChange, Visit, VisitPhoto, WaterBody

S = Status

# Project default: the order of treatment. A water body is listed black-odorous (or, when an existing list is
# entered, at any status but rebounded); treatment starts, ends in elimination, and an eliminated one that turns
# black again is rebounded (by hand or by a new black_water report on it) and is treated again.
TRANSITIONS = {
    S.BLACK_ODOROUS: {S.TREATING, S.ELIMINATED},
    S.TREATING: {S.ELIMINATED, S.BLACK_ODOROUS},
    S.ELIMINATED: {S.REBOUNDED},
    S.REBOUNDED: {S.TREATING, S.ELIMINATED},
}
INITIAL = (S.BLACK_ODOROUS, S.TREATING, S.ELIMINATED)

# Project default: town and district staff keep the list; village staff, inspectors and supervisors record visits.
ROLES = {
    "list": {Role.TOWN, Role.DISTRICT},
    "status": {Role.TOWN, Role.DISTRICT},
    "visit": {Role.INSPECTOR, Role.VILLAGE, Role.TOWN, Role.DISTRICT, Role.SUPERVISOR},
}
BLACK_WATER = "black_water"


def may(user, what):
    return user.role == Role.ADMIN or user.is_superuser or user.role in ROLES[what]


def visible(user, pk, lock=False):
    """The water body if it lies in the user's area; 404 otherwise (another area's does not exist for them)."""
    qs = WaterBody.objects.select_related("village", "town")
    if lock:
        qs = qs.select_for_update(of=("self",))
    body = qs.filter(pk=pk).first()
    if body is None or not scope.covers_place(scope.of(user), body.town_id, body.village_id, body.grid_id or ""):
        raise NotVisible("黑臭水体不存在或不在您的辖区内")
    return body


def _choice(value, field, choices, allowed=None):
    allowed = allowed or choices.values
    if value not in allowed:
        raise BadInput(f"{field} 应为：{' | '.join(allowed)}（收到 {value!r}）", field=field)
    return choices(value)


def list_water_body(user, *, geometry, name, kind=Kind.POND, village=None, status=S.BLACK_ODOROUS, note="",
                    client_uuid=None, now=None):
    """Put a water body on the list (纳入监管清单). Its responsible village is `village` (a code in the user's
    area) or, when not given, the village containing the geometry's point on surface. Idempotent by
    client_uuid: a retry returns the stored one (created=False). Returns (water_body, created)."""
    if not may(user, "list"):
        raise Forbidden("您的角色不能把水体纳入黑臭水体清单")
    name = inputs.note(name, "name", 100)
    if not name:
        raise BadInput("请填写水体名称", field="name")
    kind = _choice(kind, "kind", Kind)
    status = _choice(status, "status", Status, [s.value for s in INITIAL])
    note = inputs.note(note, "note", 500)
    geom = inputs.geometry(geometry, "geometry")
    now = now or timezone.now()
    if client_uuid is not None:
        existing = WaterBody.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            return _same_listing(user, existing, name, geom), False
    inside = geom.point_on_surface
    found = locate(inside.x, inside.y)
    if village:
        code = inputs.code(village, "village")
        row = Village.objects.filter(code=code).values("code", "town_id").first()
        if row is None:
            raise BadInput(f"没有代码为 {code} 的行政村", field="village")
        village_id, town_id = row["code"], row["town_id"]
    elif found["village"] is None:
        raise BadInput("水体范围不在任何行政村内，请指定责任行政村（village）", field="geometry")
    else:
        village_id, town_id = found["village"].code, found["village"].town_id
    grid = found["grid"]
    grid_id = grid.code if grid is not None and scope.village_of(grid.code) == village_id else None
    if not scope.covers_place(scope.of(user), town_id, village_id, grid_id or ""):
        raise Forbidden("责任行政村不在您的辖区内", field="village" if village else "geometry")
    body = WaterBody(name=name, kind=kind, geom=geom, town_id=town_id, village_id=village_id, grid_id=grid_id,
                     status=status, status_since=now, listed_at=now, listed_by=user, note=note)
    if client_uuid is not None:
        body.client_uuid = client_uuid
    try:
        with transaction.atomic():
            body.save(force_insert=True)
            StatusChange.objects.create(water_body=body, from_status="", to_status=status, actor=user, at=now,
                                        note=note or "纳入清单")
    except IntegrityError:
        existing = WaterBody.objects.filter(client_uuid=body.client_uuid).first()
        if existing is None:
            raise
        return _same_listing(user, existing, name, geom), False
    return body, True


def _same_listing(user, existing, name, geom):
    if existing.listed_by_id != user.pk or existing.name != name or not existing.geom.equals_exact(geom, 1e-9):
        raise Conflict("该 client_uuid 已用于另一条内容不同的水体", field="client_uuid")
    return existing


def change_status(user, pk, status, note="", now=None):
    """Move a water body to `status` (history kept, append-only). Returns the StatusChange."""
    if not may(user, "status"):
        raise Forbidden("您的角色不能变更黑臭水体状态")
    status = _choice(status, "status", Status)
    note = inputs.note(note, "note", 500)
    with transaction.atomic():
        body = visible(user, pk, lock=True)
        return _move(body, status, user, note, now or timezone.now())


def _move(body, status, user, note, now, issue=None):
    if status not in TRANSITIONS[body.status]:
        allowed = " / ".join(f"{s.value}（{s.label}）" for s in TRANSITIONS[Status(body.status)])
        raise Conflict(f"当前状态为“{Status(body.status).label}”，不能改为“{status.label}”；可改为：{allowed}",
                       field="status", status=body.status)
    change = StatusChange.objects.create(water_body=body, from_status=body.status, to_status=status, actor=user,
                                         at=now, note=note, issue=issue)
    WaterBody.objects.filter(pk=body.pk).update(status=status, status_since=now)
    body.status, body.status_since = status, now
    return change


def record_visit(user, pk, *, finding, note="", photos=(), client_uuid=None, at=None):
    """A monitoring visit with its photos (at least one). A retry with the same client_uuid returns the stored
    visit. Returns (visit, created)."""
    if not may(user, "visit"):
        raise Forbidden("您的角色不能记录黑臭水体监测")
    finding = _choice(finding, "finding", Finding)
    note = inputs.note(note, "note", 500)
    body = visible(user, pk)
    if client_uuid is not None:
        existing = Visit.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.water_body_id != body.pk or existing.visitor_id != user.pk:
                raise Conflict("该 client_uuid 已用于另一次监测", field="client_uuid")
            return existing, False
    if not photos:
        raise BadInput("监测记录需要至少一张现场照片", field="photos")
    from core.photos import clean_photo

    processed = [clean_photo(p, "photos") for p in photos]  # every photo checked before anything is written
    visit = Visit(water_body=body, visitor=user, at=at or timezone.now(), finding=finding, note=note)
    if client_uuid is not None:
        visit.client_uuid = client_uuid
    from core.stored_photos import attach_photo

    with transaction.atomic():
        visit.save(force_insert=True)
        for n, p in enumerate(processed):
            attach_photo(VisitPhoto(visit=visit), p, name=f"water{body.pk}-visit{visit.pk}-{n}", field="photos",
                         same=("visit",))
    return visit, True


# --- the rebound (返黑返臭) --------------------------------------------------------------------------------------

# Raw SQL: the ORM has no metric ST_DWithin on a geometry(4326) column. Both sides are cast to geography so the
# distance is metres on the spheroid; the expression index waterbodies_geog_gist serves the search. Nearest
# first (to the reported point), so a report between two water bodies goes to the one it lies on.
NEAR_SQL = """
SELECT w.id, w.status
FROM waterbodies_waterbody w
WHERE ST_DWithin(w.geom::geography(Geometry, 4326), ST_GeomFromEWKT(%(target)s)::geography, %(metres)s)
ORDER BY w.geom::geography(Geometry, 4326) <-> ST_GeomFromEWKT(%(point)s)::geography, w.id
LIMIT 1
"""


def water_body_at(lon, lat, extent=None):
    """(id, status) of the listed water body a report at (lon, lat) — with its own extent, if any — lies on: its
    point within DUPLICATE_DISTANCE_M metres of the water body's geometry (the geometry buffered by that
    distance), or its extent within that distance of it. None when it lies on none."""
    from django.contrib.gis.geos import GeometryCollection, Point

    point = Point(float(lon), float(lat), srid=4326)
    target = GeometryCollection(point, extent, srid=4326) if extent is not None else point
    with connection.cursor() as cur:
        cur.execute(NEAR_SQL, {"target": target.ewkt, "point": point.ewkt,
                               "metres": float(settings.PATROL["DUPLICATE_DISTANCE_M"])})
        return cur.fetchone()


def link_report(sender, issue, event, user, **kwargs):
    """Receiver of patrol.signals.issue_reported (inside the report's transaction): a black_water problem on a
    listed water body is linked to it (Issue.water_body); an eliminated one turns rebounded (返黑返臭), the
    problem named in its history."""
    if issue.category_id != BLACK_WATER:
        return
    found = water_body_at(issue.location.x, issue.location.y, issue.extent)
    if found is None:
        return
    body_id, status = found
    type(issue).objects.filter(pk=issue.pk).update(water_body=body_id)
    issue.water_body = body_id
    if status == S.ELIMINATED:
        body = WaterBody.objects.select_for_update().get(pk=body_id)
        if body.status == S.ELIMINATED:
            _move(body, S.REBOUNDED, user, f"返黑返臭：上报黑臭水体问题 #{issue.pk}", issue.reported_at, issue=issue.pk)
