"""Each role's work queue (工作台) and the leaders' one-screen page: small queries over the user's area only."""
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role
from assessment import monthly, results
from geo import scope
from notifications.models import Notification
from patrol.models import Action, Issue, IssueEvent, ReinspectionSample, Status
from supervision.models import OPEN_STATES, Order
from supervision.serializers import age_days

LIMIT = 20


def _issues(user):
    return Issue.objects.for_user(user).select_related("category", "village")


def village_queue(user, today):
    to_fix = _issues(user).filter(status=Status.ASSIGNED).order_by("deadline", "id")
    rejected_ids = (IssueEvent.objects.filter(action=Action.REJECT, issue__in=to_fix.values("pk"))
                    .values_list("issue_id", flat=True))
    return {
        "to_fix": list(to_fix[:LIMIT]), "to_fix_count": to_fix.count(),
        "rejected": list(to_fix.filter(pk__in=rejected_ids)[:LIMIT]),
    }


def town_queue(user, today):
    area = scope.of(user)
    issues = _issues(user)
    villages = []
    if area:
        from geo.models import Village

        villages = list(Village.objects.filter(scope.areas_q(area, "village")).values_list("code", flat=True))
    return {
        "to_assign": list(issues.filter(status=Status.REPORTED).order_by("reported_at", "id")[:LIMIT]),
        "to_assign_count": issues.filter(status=Status.REPORTED).count(),
        "to_verify": list(issues.filter(status=Status.SUBMITTED).order_by("reported_at", "id")[:LIMIT]),
        "to_verify_count": issues.filter(status=Status.SUBMITTED).count(),
        "orders_to_answer": open_orders(user, states=("issued", "returned")),
        "targets": monthly.target_progress(villages, today=today, weeks=1) if villages else [],
    }


def open_orders(user, states=OPEN_STATES):
    orders = Order.objects.filter(scope.code_q(scope.of(user), "addressee_code"), state__in=states)
    orders = list(orders.order_by("issued_at", "id"))
    for o in orders:
        o.age = age_days(o)
    return orders


def overview(user, today, now=None):
    """Lights at a glance, overdue and long-unresolved counts, open orders by age, bottom villages."""
    now = now or timezone.now()
    issues = Issue.objects.for_user(user)
    days = settings.PATROL["LONG_UNRESOLVED_DAYS"]
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    lights = issues.with_light(today).aggregate(
        red=Count("pk", filter=Q(light="red")), yellow=Count("pk", filter=Q(light="yellow")),
        green=Count("pk", filter=Q(light="green", closed_at__gte=month_start)),
    )
    long_qs = issues.long_unresolved(now=now, days=days).select_related("category", "village")
    area = scope.of(user)
    bottom = results.bottom(area, settings.PATROL["BOTTOM_VILLAGES"]) if area else []
    return {
        "lights": lights, "overdue_count": issues.overdue(today).count(), "long_days": days,
        "long_count": long_qs.count(), "long": list(long_qs.order_by("reported_at", "id")[:LIMIT]),
        "orders": open_orders(user), "bottom": bottom,
        "drafts": Order.objects.filter(scope.code_q(area, "addressee_code"), state="draft").count(),
    }


def patrol_queue(user, today):
    from planning.models import PatrolPlan

    plans = list(PatrolPlan.objects.filter(scope.code_q(scope.of(user), "area_code"), date=today).order_by("id"))
    visible = Issue.objects.for_user(user).values("pk")
    samples = (ReinspectionSample.objects.filter(month=today.replace(day=1), result="", issue__in=visible)
               .select_related("issue__category", "village").order_by("village_id", "issue_id"))
    return {"plans": plans, "samples": list(samples[:LIMIT]), "samples_count": samples.count()}


def for_user(user, today=None):
    today = today or timezone.localdate()
    role = user.role
    out = {"role": role, "unread": list(Notification.objects.filter(user=user, read_at__isnull=True)
                                         .order_by("-created", "-id")[:10])}
    if role == Role.VILLAGE:
        out["village"] = village_queue(user, today)
    elif role == Role.TOWN:
        out["town"] = town_queue(user, today)
    elif role in (Role.DISTRICT, Role.LEADER, Role.ADMIN) or user.is_superuser:
        out["overview"] = overview(user, today)
    if role in (Role.INSPECTOR, Role.SUPERVISOR):
        out["patrol"] = patrol_queue(user, today)
    out["week_ago"] = today - timedelta(days=7)
    return out
