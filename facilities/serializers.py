"""JSON shapes of facilities and work orders (built from rows in hand: no query per item)."""
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from patrol.serializers import photo_flags_for

from .models import Need, OrderState
from .services import may_see_phone


def facility_feature(row):
    return {
        "type": "Feature", "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [round(row["location"].x, 7), round(row["location"].y, 7)]},
        "properties": {
            "id": row["id"], "code": row["code"], "kind": row["kind_id"], "kind_name": row["kind__name"],
            "name": row["name"], "status": row["status"], "open_orders": row["open_orders"],
            "town": row["town_id"], "village": row["village_id"], "village_name": row["village__name"],
            "grid": row["grid_id"], "household": row["household"], "operator": row["operator_id"],
            "upkeep_days": row["upkeep_days"],
        },
    }


FACILITY_VALUES = ("id", "code", "kind_id", "kind__name", "name", "status", "open_orders", "town_id", "village_id",
                   "village__name", "grid_id", "household", "operator_id", "upkeep_days", "location")


def order_json(user, order, photos=None, now=None):
    now = now or timezone.now()
    f = order.facility
    out = {
        "id": order.pk, "need": order.need, "need_label": Need(order.need).label, "state": order.state,
        "state_label": OrderState(order.state).label, "reports": order.reports,
        "reported_at": order.reported_at.isoformat(), "last_reported_at": order.last_reported_at.isoformat(),
        "deadline": order.deadline.isoformat(),
        "overdue": order.state != OrderState.DONE and order.deadline < now,
        "escalated": order.escalated_at is not None, "note": order.note,
        "accepted_at": order.accepted_at and order.accepted_at.isoformat(),
        "done_at": order.done_at and order.done_at.isoformat(), "done_note": order.done_note,
        "operator": order.operator_id, "issue": order.issue_id, "reopen_of": order.reopen_of_id,
        "facility": {"code": f.code, "kind": f.kind_id, "kind_name": f.kind.name, "name": f.name,
                     "village": f.village_id, "village_name": f.village.name, "status": f.status,
                     "lon": f.location.x, "lat": f.location.y},
    }
    if may_see_phone(user):
        out["phone"] = order.phone
    if getattr(order, "distance", None) is not None:
        out["distance_m"] = round(order.distance.m, 1)
    if photos is not None:
        out["photos"] = [{"id": p.pk, "kind": p.kind, "url": reverse("facilities:order-photo", args=[p.pk]),
                          "phash": p.phash, "flags": photo_flags_for(user, p.flags)}
                         for p in photos]
    return out


def public_order(order):
    """What a villager gets back: their order's own state, nothing about anyone else."""
    return {"id": order.pk, "facility": order.facility.code, "need": order.need, "state": order.state,
            "reports": order.reports, "deadline": order.deadline.isoformat()}


class RatingRequest(serializers.Serializer):
    operator = serializers.CharField(max_length=30)
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class PhotoUpload(serializers.Serializer):
    image = serializers.FileField()


class DoneRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
