"""The inbox pages (/notifications/, /notifications/settings/): the same services and serializer as the API."""
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import NotVisible
from geo import scope

from . import services
from .api import PreferenceSerializer
from .models import Channel, Kind, Notification, Preference

PAGE_SIZE = 20


def _inbox_url(request):
    """Back to the inbox page the form was sent from (its kind filter and page), never off-site."""
    kind, page = request.POST.get("kind_filter", ""), request.POST.get("page", "")
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("page", page)) if v and (k != "kind" or v in Kind.values)
                     and (k != "page" or v.isdigit()))
    return reverse("notifications:inbox") + (f"?{query}" if query else "")


def inbox(request):
    kind = request.GET.get("kind", "")
    unread_only = request.GET.get("unread") == "1"
    qs = Notification.objects.filter(user=request.user).select_related("issue__category", "order")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs.order_by("-created", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "notifications/inbox.html", {
        "page": page, "kinds": Kind.choices, "kind": kind, "unread_only": unread_only, "query": query.urlencode(),
        "kind_unread": services.unread_count(request.user) if not kind else
        Notification.objects.filter(user=request.user, kind=kind, read_at__isnull=True).count(),
    })


@require_POST
def mark_read(request, pk):
    try:
        n = services.mark_read(request.user, pk)
    except NotVisible:
        raise Http404("消息不存在") from None
    if request.headers.get("HX-Request"):
        # The row in place, and the navbar badge out of band: both change at once.
        return render(request, "notifications/_row.html", {
            "n": n, "oob": True, "unread_notifications": services.unread_count(request.user),
            "kind_filter": request.POST.get("kind_filter", ""), "page_number": request.POST.get("page", "")})
    messages.success(request, "已标记为已读")
    return redirect(_inbox_url(request))


@require_POST
def mark_all_read(request):
    kind = request.POST.get("kind_filter") or None
    if kind is not None and kind not in Kind.values:
        kind = None
    count = services.mark_all_read(request.user, kind)
    if count:
        messages.success(request, f"已将 {count} 条消息标为已读")
    else:
        messages.info(request, "没有未读消息")
    return redirect(_inbox_url(request))


def _channels(user):
    """What can reach this user: the inbox always; e-mail and SMS where the office configured them; the robots of
    the user's town and district (set by an administrator)."""
    area = scope.of(user)
    codes = {scope.district_of(area), scope.town_of(area)} if area else set()
    robots = Channel.objects.filter(area_code__in=codes, enabled=True, kind__in=("wecom", "dingtalk"))
    return {"email": bool(settings.NOTIFY["EMAIL"]), "sms": bool(settings.NOTIFY["SMS_BACKEND"]),
            "robots": list(robots.order_by("area_code", "kind"))}


def preferences(request):
    pref, _ = Preference.objects.get_or_create(user=request.user)
    channels = _channels(request.user)
    errors = {}
    if request.method == "POST":
        data = {"email": request.POST.get("email") == "on" and channels["email"],
                "sms": request.POST.get("sms") == "on" and channels["sms"],
                "phone": request.POST.get("phone", "").strip(),
                "quiet_start": request.POST.get("quiet_start") or None,
                "quiet_end": request.POST.get("quiet_end") or None}
        body = PreferenceSerializer(pref, data=data, partial=True)
        if body.is_valid():
            body.save()
            messages.success(request, "提醒设置已保存")
            return redirect("notifications:settings")
        errors = {k: "；".join(str(e) for e in v) for k, v in body.errors.items()}
        messages.error(request, "提醒设置未保存，请按提示修改")
        values = {**data, "quiet_start": request.POST.get("quiet_start", ""),
                  "quiet_end": request.POST.get("quiet_end", "")}
    else:
        values = {"email": pref.email, "sms": pref.sms, "phone": pref.phone,
                  "quiet_start": f"{pref.quiet_start:%H:%M}" if pref.quiet_start else "",
                  "quiet_end": f"{pref.quiet_end:%H:%M}" if pref.quiet_end else ""}
    return render(request, "notifications/settings.html", {"pref": values, "channels": channels, "errors": errors},
                  status=400 if errors else 200)
