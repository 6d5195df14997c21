"""Pages for signed-in users: the company's phone list of work orders, and the monthly company scores."""
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.errors import BadInput
from patrol.photo_checks import flags_for_review

from . import scores
from .api import _orders
from .models import OrderPhoto
from .querysets import is_operator
from .serializers import order_json

# A match of a work-order photo is another work-order photo (its kind: 群众上传 or 处理后).
MATCH_IMAGES = {kind: (lambda pk: reverse("facilities:order-photo", args=[pk])) for kind in OrderPhoto.Kind.values}


class _Query:
    """request-like access to GET for api._orders."""

    def __init__(self, request):
        self.user = request.user
        self.query_params = request.GET


def workorders(request):
    error = None
    try:
        orders = list(_orders(_Query(request))[:200])
    except BadInput as exc:
        error, orders = exc.detail, []
    now = timezone.now()
    # the photo checks' flags are for whoever reviews the 完成, not for the company that sent the photo
    show_flags = not is_operator(request.user)
    rows = []
    for o in orders:
        photos = list(o.photos.all())
        row = order_json(request.user, o, photos=photos, now=now)
        if show_flags:  # in the problem page's wording (patrol/_photo_flags.html), beside the earlier photo
            for shown, p in zip(row["photos"], photos, strict=True):
                shown["review"] = flags_for_review(request.user, p.flags, MATCH_IMAGES)
        rows.append(row)
    return render(request, "facilities/workorders.html", {
        "orders": rows, "error": error, "api": reverse("facilities:workorders"), "show_flags": show_flags,
        "deadline_hours": settings.FACILITIES["DEADLINE_HOURS"],
    })


# The plan's sentence behind the 60 / 40 weights (seed 002, 渠口乡), shown when the settings keep them.
WEIGHTS_SOURCE = ("工作方案 002：“由乡、村两级采取各占比60%和40%的方式每月对二泉公司的服务质量进行考核打分”")


def score_page(request):
    """The month's company scores; town staff 评分 for their town (乡, 60 %) and village staff for their village
    (村, 40 %) here, through scores.rate as the API does. Others read only."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from core import once
    from core.errors import DomainError

    from .forms import RatingForm

    error, failed = None, None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, request.get_full_path(), "这一评分已经提交过，未重复提交")
        form = RatingForm(request.POST, key=request.POST.get("operator", ""))
        if form.is_valid():
            d = form.cleaned_data
            try:
                rating = scores.rate(request.user, d["operator"], d["month"], d["score"])
                messages.success(request, f"已评分：{rating.operator.name} {rating.month:%Y-%m} "
                                          f"{rating.get_level_display()}评分 {rating.score.normalize():f} 分")
                return redirect(request.get_full_path())
            except DomainError as exc:
                form.put_error(exc)
        failed = form
        messages.error(request, "评分未保存：" + ("；".join(form.non_field_errors()) or "请按提示修改"))
    try:
        data = scores.scores(request.user, request.GET.get("month"))
    except BadInput as exc:
        error, data = exc.detail, scores.scores(request.user, None)
    may_rate = scores.may_rate(request.user)
    given = scores.own_ratings(request.user, data["month"]) if may_rate else {}
    for r in data["results"]:
        r["given"] = given.get(r["operator"])
        r["form"] = None
        if may_rate:
            r["form"] = (failed if failed is not None and failed.data.get("operator") == r["operator"] else
                         RatingForm(initial={"operator": r["operator"], "month": data["month"]}, key=r["operator"]))
    w = data["weights"]
    xlsx = reverse("facilities:scores") + f"?month={data['month']}&export=xlsx"
    return render(request, "facilities/scores.html", {
        "data": data, "error": error, "xlsx": xlsx, "may_rate": may_rate,
        "level": "街镇（乡）" if request.user.role == "town" else "村",
        "weights_source": WEIGHTS_SOURCE if (w["town"], w["village"]) == (0.6, 0.4) else "本单位设置",
    }, status=400 if failed is not None else 200)


# --- /facilities/: register and edit facilities on a map; the labels PDF and the problem-toilet ledger --------------

def _facility_map(user, facilities, bounds):
    import folium

    from geo import scope
    from geo.models import Village
    from layers import maps

    m = maps.new_map(bounds=bounds, user=user)
    villages = Village.objects.filter(scope.areas_q(scope.of(user), "village")).order_by("code") \
        if not is_operator(user) else Village.objects.filter(code__in={f.village_id for f in facilities})
    maps.add_boundaries(m, maps.area_geojson(villages, tolerance=0.0001), "行政村", color="#888888", weight=1)
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [f.location.x, f.location.y]},
         "properties": {"code": f.code, "kind": f.kind.name, "name": f.name or "", "status": f.get_status_display()}}
        for f in facilities]}
    if points["features"]:
        folium.GeoJson(maps.display_geojson(m, points), name="设施",
                       marker=folium.CircleMarker(radius=6, color="#fff", weight=2, fill_color="#1f4e79",
                                                  fill_opacity=1),
                       tooltip=folium.GeoJsonTooltip(fields=["code", "kind", "name", "status"],
                                                     aliases=["编码", "类型", "名称", "状态"])).add_to(m)
    return maps.map_parts(m)


FORM_FIELDS = ("code", "kind", "name", "location", "household", "operator", "status", "upkeep_days")


def facilities_page(request, pk=None):
    """/facilities/ (register) and /facilities/<pk>/edit/: the form, the map to click the place on, the list."""
    from django.contrib import messages
    from django.http import Http404
    from django.shortcuts import redirect

    from core import once
    from core.errors import DomainError, NotVisible
    from geo.models import Village

    from . import register
    from .models import Facility, FacilityStatus, Kind, Operator

    user = request.user
    editing = None
    if pk is not None:
        try:
            editing = register.editable(user, pk)
        except NotVisible:
            raise Http404("设施不存在或不在您的辖区内") from None
    failed = None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, "facilities:facility-list", "这一设施已经提交过，未重复登记")
        try:
            facility, created = register.save_facility(user, request.POST, pk)
            if pk is None and not created:  # the same registration again: the stored facility, nothing new
                messages.info(request, f"设施 {facility.code} 已经登记过，未重复登记")
                return redirect("facilities:facility-list")
            messages.success(request, f"已{'登记' if created else '保存'}设施 {facility.code}"
                                      f"（{facility.kind.name}，{Village.objects.get(pk=facility.village_id).name}）")
            return redirect("facilities:facility-list")
        except DomainError as exc:
            failed = {"field": exc.field, "detail": exc.detail, "inline": exc.field in FORM_FIELDS}
            messages.error(request, f"设施未保存：{exc.detail}")
    village = request.GET.get("village", "")
    listed = (Facility.objects.for_user(user).select_related("kind", "operator", "village")
              .defer("village__boundary").order_by("village_id", "code"))
    if village:
        listed = listed.filter(village_id=village)
    shown = list(listed[:300])
    total = listed.count()
    if failed:
        values = request.POST
    elif editing:
        values = {"code": editing.code, "kind": editing.kind_id, "name": editing.name,
                  "lon": f"{editing.location.x:.6f}", "lat": f"{editing.location.y:.6f}",
                  "household": editing.household, "operator": editing.operator_id or "", "status": editing.status,
                  "upkeep_days": editing.upkeep_days or ""}
    else:
        values = {"status": FacilityStatus.IN_USE}
    extent = [f.location for f in shown]
    if editing:
        x, y = editing.location.x, editing.location.y
        bounds = (x - 0.01, y - 0.01, x + 0.01, y + 0.01)
    elif extent:
        xs, ys = [p.x for p in extent], [p.y for p in extent]
        bounds = (min(xs) - 0.005, min(ys) - 0.005, max(xs) + 0.005, max(ys) + 0.005)
    elif not is_operator(user):
        from layers import queries

        bounds = queries.scope_bounds(user)
    else:
        bounds = None
    query = f"?village={village}" if village else ""
    from geo import scope

    return render(request, "facilities/facilities.html", {
        "facilities": shown, "total": total, "editing": editing, "values": values, "failed": failed,
        "kinds": Kind.objects.order_by("sort", "code"), "operators": Operator.objects.order_by("code"),
        "statuses": FacilityStatus.choices, "is_operator": is_operator(user), "may_edit": register.may_edit(user),
        "villages": Village.objects.filter(scope.areas_q(scope.of(user), "village")).order_by("code")
        .only("code", "name") if not is_operator(user) else [],
        "village": village, "map": _facility_map(user, shown, bounds),
        "labels_url": reverse("facilities:labels") + query, "ledger_url": reverse("facilities:ledger") + query,
    }, status=400 if failed else 200)
