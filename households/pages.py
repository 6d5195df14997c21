"""Pages: the villagers' look-up (/h/, login-free, rate-limited), the poster, the door card, a household's ledger
for the staff, supervision, scoring."""

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from core import ratelimit
from core.errors import DomainError
from patrol.photo_checks import flags_for_review

from . import services
from .models import EntryPhoto, Household, HouseholdStatus

LEDGER_ROWS = 200


def _lookup_limited(request):
    return ratelimit.limited(request, ("households.lookup", "ip", settings.HOUSEHOLD_LOOKUP_RATE))


def _too_many():
    return HttpResponse(render_to_string("households/lookup_limited.html"), status=429)


def _unknown():
    # The same body for every unknown code: it names no code and says nothing about which codes exist.
    return HttpResponse(render_to_string("households/lookup_unknown.html"), status=404)


@login_not_required
@require_http_methods(["GET"])
def lookup_form(request):
    if _lookup_limited(request):
        return _too_many()
    code = (request.GET.get("code") or "").strip()
    if code:
        return redirect("households:lookup", code=code)
    return render(request, "households/lookup_form.html")


@login_not_required
@require_http_methods(["GET"])
def lookup(request, code):
    if _lookup_limited(request):
        return _too_many()
    household = Household.objects.filter(code=code, status=HouseholdStatus.ACTIVE).first()
    if household is None:
        return _unknown()
    today = timezone.localdate()
    quarter = services.quarter_of(today)
    entries = services.ledger(household, limit=10)
    return render(request, "households/lookup.html", {
        "household": household, "head": services.mask(household.head), "entries": entries, "quarter": quarter,
        "board": services.board(household.village_id, quarter, group=household.group),
    })


def poster(request, village, quarter):
    """The printable A3 poster of a village's quarterly board, one red and one black list per group and the
    village's; names masked whoever prints it."""
    try:
        v = services.village_for(request.user, village)
        start, _ = services.parse_quarter(quarter)
        boards = [services.board(v.code, quarter)]
        groups = (Household.objects.filter(village=v, status=HouseholdStatus.ACTIVE).values_list("group", flat=True)
                  .distinct().order_by("group"))
        boards += [services.board(v.code, quarter, group=g) for g in groups]
    except DomainError as exc:
        raise Http404(exc.detail) from None
    published = None
    if request.method == "POST":
        try:
            published = services.publish_board(request.user, v.code, quarter)
        except DomainError as exc:
            return HttpResponse(exc.detail, status=exc.status_code)
    from .models import BoardPublication

    published = published or BoardPublication.objects.filter(village=v, quarter=services.quarter_of(start)).first()
    return render(request, "households/poster.html", {
        "village": v, "quarter": services.quarter_of(start), "boards": boards, "published": published,
        "may_publish": services.may_manage_village(request.user, v),
    })


def door_card(request, code):
    """A printable door card with the household's code as a QR code pointing at its public look-up page."""
    try:
        household = services.household_for(request.user, code)
    except DomainError:
        raise Http404("农户不存在或不在您的辖区内") from None
    url = request.build_absolute_uri(reverse("households:lookup", args=[household.code]))
    qr = segno.make(url, error="m")
    return render(request, "households/card.html", {
        "household": household, "head": services.mask(household.head), "url": url,
        "qr_svg": qr.svg_inline(scale=6, dark="#000", light="#fff"),
    })


def sees_photo_flags(user):
    """Who reads the trust checks' flags on ledger photos (issue 28): the town and district staff who review the
    village's scoring, not the village cadre who took and sent the photo (as the field app and the work orders'
    company are told nothing beyond "已上传")."""
    return user.is_superuser or user.role not in (Role.VILLAGE, Role.OPERATOR)


def ledger_page(request, code):
    """/households/<code>/ledger/: a household's points ledger (newest first) with each entry's photo; for the
    reviewing staff, a photo's trust-check flags in the problem page's wording (templates/patrol/_photo_flags.html)
    beside the matching earlier photo they may see."""
    try:
        household = services.household_for(request.user, code)
    except DomainError:
        raise Http404("农户不存在或不在您的辖区内") from None
    entries = list(household.entries.select_related("actor", "photo_check").order_by("-date", "-id")[:LEDGER_ROWS])
    show_flags = sees_photo_flags(request.user)
    checks = [e.photo_check for e in entries if e.photo and hasattr(e, "photo_check")]
    matched = {(f.get("match") or {}).get("photo") for c in checks for f in c.flags} - {None}
    entry_of = dict(EntryPhoto.objects.filter(pk__in=matched).values_list("pk", "entry_id"))
    images = {"household": lambda pk: reverse("households:entry-photo", args=[entry_of[pk]]) if pk in entry_of
              else None}
    for e in entries:
        e.photo_url = reverse("households:entry-photo", args=[e.pk]) if e.photo else None
        check = getattr(e, "photo_check", None) if e.photo else None
        e.flags = flags_for_review(request.user, check.flags, images) if show_flags and check else []
    return render(request, "households/ledger.html", {
        "household": household, "entries": entries, "more": household.entries.count() > len(entries),
        "show_flags": show_flags, "personal": services.sees_personal(request.user, household.village_id)})


def supervision_page(request):
    if not services.is_manager(request.user):
        raise Http404("只有管理人员可以查看积分制督查")
    try:
        data = services.supervision(request.user, request.GET.get("month") or None)
    except DomainError as exc:
        return HttpResponse(exc.detail, status=400)
    return render(request, "households/supervision.html", {"data": data})


def scoring_page(request):
    """Monthly scoring on a phone: a group's households in gate order; scores go through a local outbox with a
    client uuid each, so a retry after a lost connection never scores twice."""
    # Village and grid staff score their own village; town and district staff pick one of theirs by name.
    villages = list(services.managed_villages(request.user).values_list("code", "name"))
    chosen = request.GET.get("village") or (villages[0][0] if len(villages) == 1 else "")
    boot = {
        "households": reverse("households:households"),
        "rules": reverse("households:rules"),
        "points": reverse("households:points", args=["CODE"]),
        "month": timezone.localdate().strftime("%Y-%m"),
        "village": chosen,
    }
    return render(request, "households/score.html", {"boot": boot, "villages": villages})
