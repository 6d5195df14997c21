"""Problem toilets (问题厕所) fed by inspectors' problems: plan 004 (十三) "深入开展“问题厕所”排查整改工作，
聚焦“不能用、不好用、不能常年用”的突出问题，建立问题清单和整改台账".

An inspector's `problem_toilet` problem is linked to the toilet it was reported at (the nearest coded toilet within
DUPLICATE_DISTANCE_M metres of the reported point): that toilet goes on the problem-toilet list (status `problem`)
with the problem as its cause, and comes off when the problem is verified closed and no repair order is open.
Project defaults, not the plan's: the distance; that the kind (不能用 / 不好用 / 不能常年用) is read from the
problem's description (or a villager's repair note from a scanned label) when it names one, and is otherwise left
待认定 for staff to set.
"""
import math

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D

from .models import Facility, FacilityStatus, OrderState, ProblemKind, WorkOrder

CATEGORY = "problem_toilet"


def kind_named_in(text):
    """The one of the plan's three kinds the text names, or "" (none, or more than one)."""
    named = [k for k in ProblemKind if k.label in (text or "")]
    return named[0].value if len(named) == 1 else ""


def toilet_at(lon, lat):
    """The coded toilet nearest to (lon, lat) within DUPLICATE_DISTANCE_M metres, or None."""
    metres = settings.PATROL["DUPLICATE_DISTANCE_M"]
    # A box a fifth wider than the distance on each side (degrees of latitude are ≥ 110.5 km; of longitude
    # 111.3 km · cos(lat)) lets the GiST index pick the few candidates; the spheroid distance decides.
    dy = metres / 110_500 * 1.2
    dx = metres / (111_320 * max(math.cos(math.radians(abs(lat) + 0.5)), 0.01)) * 1.2
    box = Polygon.from_bbox((lon - dx, lat - dy, lon + dx, lat + dy))
    box.srid = 4326
    here = Point(lon, lat, srid=4326)
    return (Facility.objects.filter(kind__is_toilet=True, location__bboverlaps=box,
                                    location__distance_lte=(here, D(m=metres)))
            .annotate(d=Distance("location", here)).order_by("d", "id").first())


def link_report(sender, issue, event, user, **kwargs):
    """Receiver of patrol.signals.issue_reported (inside the report's transaction)."""
    if issue.category_id != CATEGORY:
        return
    if WorkOrder.objects.filter(client_uuid=issue.client_uuid).exists():
        return  # the problem a villager's scan opened: its facility is known and already on the list
    toilet = toilet_at(issue.location.x, issue.location.y)
    if toilet is None:
        return
    fields = {}
    if toilet.status != FacilityStatus.PROBLEM or toilet.problem_issue_id is None:
        fields["problem_issue"] = issue
    if toilet.status != FacilityStatus.PROBLEM:
        fields.update(status=FacilityStatus.PROBLEM, status_since=issue.reported_at,
                      status_reason=(issue.description or "巡查发现问题厕所")[:200])
    kind = kind_named_in(issue.description)
    if kind:
        fields["problem_kind"] = kind
    if fields:
        Facility.objects.filter(pk=toilet.pk).update(**fields)


def release_on_close(sender, issue, event, action, user, **kwargs):
    """Receiver of patrol.signals.issue_transitioned: a verified (closed) problem takes its toilet off the list,
    unless a repair order is still open on it."""
    if action != "verify" or issue.category_id != CATEGORY:
        return
    for toilet in Facility.objects.filter(problem_issue=issue.pk, status=FacilityStatus.PROBLEM):
        if WorkOrder.objects.filter(facility=toilet, need="repair").exclude(state=OrderState.DONE).exists():
            continue
        Facility.objects.filter(pk=toilet.pk).update(status=FacilityStatus.IN_USE, status_since=event.at,
                                                     status_reason="", problem_kind="", problem_issue=None)

