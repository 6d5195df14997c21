"""Tracks of patrols that were done: what a GPX track covered, and the monthly coverage of villages.

A village (grid) counts as visited on a day when an uploaded track of that day passes within it; a planned stop
counts as visited when the track passes within TRACK_VISIT_RADIUS_M of it.
"""

import numpy as np
from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import LineString, MultiLineString
from django.db import connection, transaction
from django.utils import timezone

from core import inputs
from core.errors import BadInput
from core.months import last_day
from geo.models import BoundaryPiece, Grid, Village

from . import gpx
from .models import PatrolStop, Track
from .routing import EARTH_RADIUS_M
from .services import village_scope, visible_plan


def track_length_m(segments):
    total = 0.0
    for seg in segments:
        lon, lat = np.radians(np.asarray(seg, float)).T
        a = (np.sin(np.diff(lat) / 2) ** 2
             + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2)
        total += float((2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))).sum())
    return total


def upload_track(user, data, plan_id=None):
    """Store a GPX track with what it covered. Returns (track, summary dict)."""
    parsed = gpx.read_track(data)
    plan = visible_plan(user, plan_id) if plan_id else None
    lines = [LineString(seg, srid=4326) for seg in parsed.segments if len(seg) >= 2]
    if not lines:
        raise BadInput("GPX 轨迹至少需要两个点", field="file")
    geom = MultiLineString(lines, srid=4326)
    scope = village_scope(user)
    village_codes = set(
        BoundaryPiece.objects.filter(level="village", geom__intersects=geom).values_list("code", flat=True))
    villages = list(Village.objects.filter(scope, code__in=village_codes).order_by("code"))
    if not villages:
        raise BadInput("轨迹没有经过您辖区内的任何行政村", field="file")
    grid_codes = set(BoundaryPiece.objects.filter(level="grid", geom__intersects=geom).values_list("code", flat=True))
    grids = list(Grid.objects.filter(code__in=grid_codes, village__in=villages).order_by("code"))
    times = sorted(parsed.times)
    day = timezone.localdate(times[0]) if times else (plan.date if plan else timezone.localdate())
    with transaction.atomic():
        track = Track.objects.create(
            uploaded_by=user, plan=plan, name=parsed.name, started_at=times[0] if times else None,
            ended_at=times[-1] if times else None, day=day, geom=geom, points=parsed.points,
            distance_m=round(track_length_m(parsed.segments), 1),
        )
        track.villages.set(villages)
        track.grids.set(grids)
        visited = []
        if plan:
            radius = settings.PATROL["TRACK_VISIT_RADIUS_M"]
            # Raw SQL: a geography ST_DWithin against the one track geometry (metres, on the spheroid).
            with connection.cursor() as cur:
                cur.execute(
                    """SELECT s.id FROM patrol_patrolstop s, patrol_track t
                       WHERE s.plan_id = %s AND t.id = %s
                         AND ST_DWithin(s.location::geography, t.geom::geography, %s)""",
                    [plan.pk, track.pk, radius],
                )
                ids = [r[0] for r in cur.fetchall()]
            PatrolStop.objects.filter(pk__in=ids, visited_by__isnull=True).update(visited_by=track)
            visited = list(PatrolStop.objects.filter(pk__in=ids).order_by("team", "seq", "id"))
    summary = {
        "id": track.pk, "name": track.name, "day": track.day.isoformat(), "points": track.points,
        "distance_m": track.distance_m,
        "villages": [{"code": v.code, "name": v.name} for v in villages],
        "grids": [{"code": g.code, "name": g.name} for g in grids],
        "plan": plan.pk if plan else None,
        "visited_stops": [{"key": s.key, "label": s.label, "team": s.team, "seq": s.seq} for s in visited],
        "planned_not_visited": (
            [{"key": s.key, "label": s.label, "team": s.team, "seq": s.seq}
             for s in plan.stops.filter(team__isnull=False).exclude(pk__in=[s.pk for s in visited])
             .order_by("team", "seq")] if plan else []
        ),
    }
    return track, summary


def coverage(user, month):
    """Villages of the user's area for a month: [{code, name, visits, last_day, geometry}] (visits = tracks)."""
    month = inputs.month(month)
    first, last = month, last_day(month)
    through = Track.villages.through.objects.filter(track__day__range=(first, last))
    visits = {}
    for village_id, day in through.values_list("village_id", "track__day"):
        n, latest = visits.get(village_id, (0, None))
        visits[village_id] = (n + 1, max(day, latest) if latest else day)
    out = []
    for v in Village.objects.filter(village_scope(user)).annotate(pt=PointOnSurface("boundary")).order_by("code"):
        n, latest = visits.get(v.code, (0, None))
        out.append({"code": v.code, "name": v.name, "town": v.town_id, "visits": n,
                    "last_day": latest.isoformat() if latest else None, "visited": n > 0,
                    "boundary": v.boundary, "point": (v.pt.x, v.pt.y)})
    return first, out
