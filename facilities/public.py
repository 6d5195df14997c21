"""The login-free pages behind the QR labels: /f/<code> and POST /f/<code>/report/.

No session and no CSRF token: a villager's phone has neither. What keeps them honest is rate limiting (per
facility code and per client address, core.ratelimit's atomic counters), the same 404 for
every unknown code, and answers that say nothing about any record other than the one asked for.
"""
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import APIException

from core import inputs, ratelimit
from core.errors import DomainError, NotVisible
from geo import parsers

from . import services
from .models import Need
from .serializers import public_order

NOT_FOUND_BODY = json.dumps({"detail": services.NOT_FOUND}, ensure_ascii=False)
NOT_FOUND_PAGE = ("<!doctype html><html lang=\"zh-hans\"><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>设施编码不存在</title>"
                  "<p style=\"font-size:20px;padding:1em\">设施编码不存在，请核对标签。</p></html>")


def _limited(request, code):
    """True when this client, or this code (known or not, so a limit reveals nothing), is over its rate."""
    conf = settings.FACILITIES
    return ratelimit.limited(request, ("facility-report-client", "ip", conf["RATE_PER_CLIENT"]),
                             ("facility-report-code", code[:40], conf["RATE_PER_FACILITY"]))


def _wants_html(request):
    accept = request.headers.get("Accept", "")
    return request.content_type != "application/json" and "text/html" in accept and "json" not in accept


def _not_found(html=False):
    if html:
        return HttpResponse(NOT_FOUND_PAGE, status=404)
    return HttpResponse(NOT_FOUND_BODY, status=404, content_type="application/json")


@login_not_required
@require_GET
def scan(request, code):
    if ratelimit.limited(request, ("facility-scan-client", "ip", settings.FACILITIES["RATE_SCAN_PER_CLIENT"])):
        return HttpResponse("访问太频繁，请稍后再试", status=429, content_type="text/plain; charset=utf-8")
    try:
        facility = services.public_facility(code)
    except NotVisible:
        return _not_found(html=True)
    return render(request, "facilities/scan.html", {
        "facility": facility, "needs": Need.choices,
        "report_url": reverse("facilities:report", args=[facility.code]),
    })


@login_not_required
@csrf_exempt
@require_POST
def report(request, code):
    html = _wants_html(request)
    if _limited(request, code):
        body = {"detail": "提交太频繁，请稍后再试"}
        if html:
            return render(request, "facilities/reported.html", {"error": body["detail"]}, status=429)
        return JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    if request.content_type == "application/json":
        try:
            data = parsers.loads(request.body or b"{}")
        except APIException as exc:
            return JsonResponse({"detail": str(exc.detail)}, status=exc.status_code,
                                json_dumps_params={"ensure_ascii": False})
        if not isinstance(data, dict):
            return JsonResponse({"detail": "请求体应为 JSON 对象"}, status=400,
                                json_dumps_params={"ensure_ascii": False})
        photo = None
    else:
        data, photo = request.POST, request.FILES.get("photo")
    try:
        outcome = services.report(code, inputs.note(data.get("need"), "need", 40), inputs.note(data.get("note")),
                                  inputs.note(data.get("phone"), "phone", 30), photo)
    except NotVisible:
        return _not_found(html)
    except DomainError as exc:
        if html:
            return render(request, "facilities/reported.html", {"error": exc.detail}, status=exc.status_code)
        return JsonResponse(exc.as_json(), status=exc.status_code, json_dumps_params={"ensure_ascii": False})
    status = 200 if outcome.merged else 201
    if html:
        return render(request, "facilities/reported.html", {"order": outcome.order, "merged": outcome.merged},
                      status=status)
    return JsonResponse({"order": public_order(outcome.order), "merged": outcome.merged}, status=status)
