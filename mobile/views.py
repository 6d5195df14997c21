"""The field app at /m/: one page (all screens in app.js), its service worker and its web app manifest."""
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from assessment.services import SCORERS
from geo.models import level_of
from patrol.models import Category, Source, Status
from patrol.serializers import CategorySerializer

# Static files the app needs to open with no connection (the page itself, /m/, is cached too).
SHELL_STATIC = [
    "js/offline-store.js",
    "mobile/app.js",
    "mobile/app.css",
    "mobile/icon-192.png",
    "mobile/icon-512.png",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/fontawesome/css/all.min.css",
    # The app's icons cut out of Font Awesome (mobile/make_font.py): 5 KB instead of the full font's 160 KB.
    "mobile/fa-phone.css",
    "mobile/fa-phone.woff",
]
SW_SOURCE = Path(__file__).with_name("sw.js")
# Tolerance of the phone's boundaries: a screen pixel at zoom 16 is about 2 m, so 2 m is not seen on the map.
PHONE_SIMPLIFY_M = 2
TEMPLATE = Path(__file__).parent / "templates" / "mobile" / "app.html"


def shell_urls():
    return [reverse("mobile:app"), reverse("mobile:manifest")] + [static(p) for p in SHELL_STATIC]


def api_urls(user=None):
    """The API addresses the app calls ({id} stands for a problem's or a sample's id)."""
    def with_id(name):
        return reverse(name, args=[0]).replace("/0/", "/{id}/")

    return {
        # Boundaries as the phone's map needs them (simplified to 2 m, revalidated by ETag; geo.api.AreaList).
        "villages": reverse("geo:villages") + f"?simplify={PHONE_SIMPLIFY_M}",
        "grids": reverse("geo:grids") + f"?simplify={PHONE_SIMPLIFY_M}", "issues": reverse("patrol:issues"),
        "issue_photos": with_id("patrol:issue-photos"), "issue_transition": with_id("patrol:issue-transition"),
        "reinspections": reverse("patrol:reinspections"), "reinspection_record": with_id("patrol:reinspection-record"),
        "app": reverse("mobile:app"), "sw": reverse("mobile:sw"),
        "unread": reverse("notifications:unread-count"), "home": reverse("workbench:home"),
        "plan_today": reverse("planning:plan-today"), "issue_page": with_id("patrol:issue-detail"),
        # The on-site scorecard form (现场评分表) for those who score villages; no link for the others.
        "scorecards": reverse("assessment:scorecards") if user is not None and (
            user.is_superuser or user.role in SCORERS) else None,
    }


def shell_version():
    """Changes whenever a cached file changes, so a new deploy replaces the phone's cache."""
    digest = hashlib.sha256()
    for path in [finders.find(p) for p in SHELL_STATIC] + [SW_SOURCE, TEMPLATE]:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def source_default(user):
    return Source.TOWN_SELF_CHECK if level_of(user.area_code) in ("town", "village", "grid") else Source.DISTRICT_PATROL


@ensure_csrf_cookie
def app(request):
    user = request.user
    boot = {
        "user": {"username": user.username, "name": user.first_name or user.username, "role": user.role,
                 "role_label": user.get_role_display(), "area": user.area_code},
        "categories": CategorySerializer(Category.objects.all(), many=True).data,
        "sources": [{"code": c, "name": n} for c, n in Source.choices],
        "source_default": source_default(user),
        "statuses": dict(Status.choices),
        "duplicate_m": settings.PATROL["DUPLICATE_DISTANCE_M"],
        "login_url": resolve_url(settings.LOGIN_URL),
        "urls": api_urls(user),
    }
    return render(request, "mobile/app.html", {"boot": boot})


@login_not_required
def service_worker(request):
    head = "".join(f"const {name} = {json.dumps(value)};\n" for name, value in [
        ("VERSION", shell_version()), ("SHELL", shell_urls()), ("APP", reverse("mobile:app")),
        ("MANIFEST", reverse("mobile:manifest")), ("STATIC", settings.STATIC_URL)])
    response = HttpResponse(head + SW_SOURCE.read_text(encoding="utf-8"), content_type="application/javascript")
    response["Service-Worker-Allowed"] = reverse("mobile:app")
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
def manifest(request):
    body = {
        "name": "农村人居环境巡查",
        "short_name": "人居巡查",
        "lang": "zh-CN",
        "start_url": reverse("mobile:app"),
        "scope": reverse("mobile:app"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("mobile/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("mobile/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
