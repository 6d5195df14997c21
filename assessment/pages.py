"""Pages: the monthly ranking (/assessment/), the village dossier (一村一档) and the printable monthly report."""
import functools
from datetime import date

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone

from core import once
from core.downloads import DOCX, download
from core.errors import BadInput, DomainError, NotVisible
from core.months import current_month, month_bounds, parse_month
from core.pdf import pdf_response
from geo import scope
from geo.models import Town, Village
from patrol.geojson import feature, feature_rows
from patrol.models import Category, Issue, IssueEvent, Photo, Source, Status
from patrol.photo_checks import village_month_counts

from . import maps as assessment_maps
from . import monthly as assessment
from . import schemes as S
from .api import checked_town, checked_village, user_area
from .models import VillageAnalysis


def page_errors(view):
    """Domain errors on a page: 404 for what the user may not see, 400 for bad input."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotVisible as exc:
            raise Http404(exc.detail) from None
        except (BadInput, DomainError) as exc:
            return HttpResponseBadRequest(exc.detail, content_type="text/plain; charset=utf-8")

    return wrapped


def _month(request):
    value = request.GET.get("month")
    return parse_month(value) if value else assessment.last_complete_month()


def _pct(value):
    return "—" if value is None else f"{value:.0%}"


def _post_action(request):
    """One write of the page (记录约谈 or 加减分) through the service the API calls: (message, None) when done,
    (None, (action, bound form)) when refused (the service's error is on the form's field)."""
    from . import services
    from .forms import AdjustmentForm, InterviewForm

    action = request.POST.get("action", "")
    if action == "interview":
        form = InterviewForm(request.POST, key=request.POST.get("village", ""))
    elif action == "adjustment":
        form = AdjustmentForm(request.POST, villages=_village_choices(request.user))
    else:
        raise BadInput("未知的操作", field="action")
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "interview":
                row = services.record_interview(request.user, d["village"], d["month"], d["held_on"].isoformat(),
                                                d["held_by"], d["note"])
                return f"已记录约谈：{row.village.name}（{row.month:%Y-%m}）{row.held_on} {row.held_by}", None
            row = services.add_adjustment(request.user, d["village"], d["year"], d["points"], d["reason"])
            return f"已加减分：{row.village.name} {row.year} 年 {row.points:+g} 分（{row.reason}）", None
        except DomainError as exc:
            form.put_error(exc)
    return None, (action, form)


def _village_choices(user):
    area = user_area(user)
    return [(c, f"{n}（{t}）") for c, n, t in Village.objects.filter(scope.code_q(area)).order_by("town_id", "code")
            .values_list("code", "name", "town__name")]


@page_errors
def assessment_page(request):
    """The month's ranking, from results.month whatever the schemes: the metrics table when every village shown is
    on the standard formula, the scorecard table (with 约谈) when a scorecard scheme is in force. Below it: the
    parameters in force with their sources, the 待约谈 villages with 记录约谈, 加减分, and the photo-trust counts.
    District and town staff write here (POST, the same services as the API); others only read."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from core import once

    from . import results, services
    from .forms import AdjustmentForm, InterviewForm

    month = _month(request)
    failed = None
    if request.method == "POST":
        if not once.first_submit(request):
            return once.repeated(request, request.get_full_path())
        done, failed = _post_action(request)
        if done:
            messages.success(request, done)
            return redirect(request.get_full_path())
        messages.error(request, "未保存：" + ("；".join(failed[1].non_field_errors()) or "请按提示修改"))
    area = user_area(request.user)
    town = checked_town(request.user, request.GET.get("town"))
    result = results.month(area, month, town)
    rows = result.rows
    for r in rows:
        mt = r["metrics"]
        r["fmt"] = {k: _pct(mt[k]) for k in ("closure_rate", "on_time_rate", "rework_rate", "rebound_rate")}
    towns = Town.objects.filter(scope.areas_q(area, "town")).order_by("code")
    scorecards = any(S.get(r["scheme"]).uses_scorecards for r in rows)
    template = "assessment/assessment_schemes.html" if scorecards else "assessment/assessment.html"
    may_edit = services.may_edit(request.user)
    interviews = []
    for r in rows:
        for f in r["flags"]:
            if f["code"] in ("bottom", "bottom_twice"):
                form = None
                if may_edit and f.get("interview") is None:
                    form = InterviewForm(initial={"village": r["code"], "month": f"{month:%Y-%m}"}, key=r["code"])
                    if failed and failed[0] == "interview" and failed[1].data.get("village") == r["code"]:
                        form = failed[1]
                interviews.append({"row": r, "flag": f, "form": form})
    adjustment_form = None
    if may_edit:
        adjustment_form = (failed[1] if failed and failed[0] == "adjustment" else
                           AdjustmentForm(initial={"year": month.year}, villages=_village_choices(request.user)))
    return render(request, template, {
        "month": month, "month_value": f"{month:%Y-%m}", "in_progress": result.provisional,
        "provisional_label": results.PROVISIONAL, "result": result, "rows": rows, "towns": towns, "town": town,
        "map": assessment_maps.score_map(rows), "schemes": result.schemes, "warnings": result.warnings,
        "definitions": assessment.METRIC_DEFINITIONS, "formula": assessment.formula_lines(),
        "tie_rules": assessment.tie_rules(), "list_scope": "排名范围（街镇或全区）",
        "flagged": sum(1 for r in rows if r["flags"]),
        "communities": any(r["community"] for r in rows), "community_summary": results.communities(rows),
        "inspected": any(r["inspection"] is not None for r in rows),
        "unscored": sum(1 for r in rows if r["score"] is None),
        "may_edit": may_edit, "interviews": interviews, "adjustment_form": adjustment_form,
        "adjustments": _year_adjustments(area, town, month.year),
        "trust": _trust(rows, month, result.schemes),
    }, status=400 if failed else 200)


def _year_adjustments(area, town, year):
    from .models import Adjustment

    qs = Adjustment.objects.filter(year=year).filter(scope.code_q(area, "village__code"))
    if town:
        qs = qs.filter(village__town_id=town)
    return list(qs.select_related("village", "entered_by").order_by("-id")[:50])


def _trust(rows, month, schemes):
    """Issue 28's KPI of the month: per village shown, problem photos that came in flagged and 复核 rejections
    citing a flag; the villages with any, most first, and the totals."""
    from patrol.photo_checks import trust_counts

    start, end = month_bounds(month)
    names = {r["code"]: r for r in rows}
    counts = trust_counts(names, start, end)
    found = [{"code": code, "name": names[code]["name"], "town_name": names[code]["town_name"],
              "flagged": f, "rejected": x} for (code, m), (f, x) in counts.items() if m == month]
    found.sort(key=lambda t: (-t["rejected"], -t["flagged"], t["code"]))
    return {"rows": found, "flagged": sum(t["flagged"] for t in found),
            "rejected": sum(t["rejected"] for t in found),
            "points_on": any(s["parameters"].get(S.PHOTO_POINTS) for s in schemes)}


def _analysis_section(request, village, failed=None):
    """一村一档一分析 on the dossier: the round of the last complete month, whether the village is in the district's
    bottom third then, its analysis (newest revision) and the earlier rounds', and the form for district and town
    staff."""
    from . import analysis
    from .services import EDITORS

    month = assessment.last_complete_month()
    first = analysis.round_of(village.town_id, month)
    history = list(VillageAnalysis.objects.filter(village=village).select_related("written_by")
                   .order_by("-round", "-written_at", "-id"))
    latest_by_round = {}
    for a in history:
        latest_by_round.setdefault(a.round, a)
    rounds = [{"label": analysis.round_label(village.town_id, r), "analysis": a, "current": r == first}
              for r, a in latest_by_round.items()]
    return {"round_label": analysis.round_label(village.town_id, first), "round_value": f"{month:%Y-%m}",
            "needed": analysis.needs_analysis(village.code, month), "current": latest_by_round.get(first),
            "rounds": rounds, "may_write": request.user.role in EDITORS, "failed": failed,
            "source": analysis.SOURCE}


def _write_analysis(request, village):
    from . import analysis

    if not once.first_submit(request):
        messages.info(request, "这份分析已经提交过，未重复保存")
        return None
    try:
        row, created = analysis.write(request.user, village.code, request.POST.get("round", ""),
                                      request.POST.get("causes", ""), request.POST.get("measures", ""))
    except DomainError as exc:
        messages.error(request, f"分析未保存：{exc.detail}")
        return {"field": exc.field, "detail": exc.detail, "causes": request.POST.get("causes", ""),
                "measures": request.POST.get("measures", "")}
    label = analysis.round_label(village.town_id, row.round)
    messages.success(request, f"已保存 {village.name} {label}的一村一档一分析" if created else "内容未变，未另存新版本")
    return None


@page_errors
def village_dossier(request, code):
    village = checked_village(request.user, code)
    failed = None
    if request.method == "POST":
        failed = _write_analysis(request, village)
        if failed is None:
            return redirect(request.get_full_path())
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = 0
    if not 2000 <= year <= today.year:
        raise BadInput("年份无效", field="year")
    last = 12 if year < today.year else today.month
    months = [date(year, i, 1) for i in range(1, last + 1)]
    from . import results

    series = results.series(village.code, months)

    issues_qs = Issue.objects.filter(village=village)
    features = [feature(r) for r in feature_rows(issues_qs, today)]
    lights = {k: sum(1 for f in features if f["properties"]["light"] == k) for k in ("red", "yellow", "green")}
    village_map = assessment_maps.village_map(request.user, village, features, lights)

    issues = (issues_qs.with_light(today).select_related("category", "grid")
              .prefetch_related(Prefetch("events", IssueEvent.objects.select_related("actor").order_by("at", "id")),
                                Prefetch("photos", Photo.objects.order_by("uploaded_at", "id")))
              .order_by("-reported_at", "-id")[:300])
    return render(request, "assessment/village_dossier.html", {
        "village": village, "year": year, "series": series, "issues": issues, "issue_count": len(features),
        "lights": lights, "map": village_map, "targets": assessment.target_progress([village.code], today),
        "statuses": dict(Status.choices), "sources": dict(Source.choices),
        "photo_trust": village_month_counts(village.code, months),
        "analysis": _analysis_section(request, village, failed),
    }, status=400 if failed else 200)


@page_errors
def village_dossier_pdf(request, code):
    """The dossier printed on A4 (map with its legend, the problem list)."""
    from .dossier_pdf import village_dossier_pdf as make_pdf

    village = checked_village(request.user, code)
    return pdf_response(make_pdf(village, timezone.localdate()), f"dossier-{village.code}.pdf")


@page_errors
def monthly_report(request, month):
    from .report_pdf import monthly_report_pdf

    month = parse_month(month)
    town = checked_town(request.user, request.GET.get("town"))
    content = monthly_report_pdf(month, user_area(request.user) or None, town)
    return pdf_response(content, f"report-{month:%Y-%m}{('-' + town) if town else ''}.pdf")


# --- schemes: the scorecard form, the year, the 通报 --------------------------------------------------------


@page_errors
def scorecards_page(request):
    """A leader's on-site scorecard form (phone or laptop): village nearest first, the items, save."""
    from django.urls import reverse

    user_area(request.user)
    templates = {name: s.items() for name, s in S.SCHEMES.items() if s.uses_scorecards}
    source = Source.TOWN_SELF_CHECK if request.user.role == "town" else Source.DISTRICT_PATROL
    return render(request, "assessment/scorecards.html", {
        "month_value": f"{current_month():%Y-%m}", "templates": templates,
        "categories": Category.objects.order_by("code"), "source": source, "source_label": Source(source).label,
        "urls": {"villages": reverse("assessment:scorecard-villages"),
                 "scorecards": reverse("assessment:scorecards-api"), "issues": reverse("patrol:issues"),
                 "photos": reverse("patrol:issue-photos", args=[0])},
    })


@page_errors
def year_page(request):
    from . import results

    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        raise BadInput("年份无效", field="year") from None
    area = user_area(request.user)
    town = checked_town(request.user, request.GET.get("town"))
    result = results.year(year, area, town)
    kinds = {"bottom": "当月后N名", "bottom_twice": "连续两月后N名", "third_party": "第三方测评",
             "unrectified": "未整改/整改不到位", "model": "典型村", "manual": "其他", "notice": "通报",
             "photo": "整改照片被标记退回"}
    for r in result["villages"]:
        r["month_cells"] = [r["months"].get(m) for m in result["months"]]
        for a in r["adjustments"]:
            a["kind_label"] = kinds.get(a["kind"], a["kind"])
    return render(request, "assessment/year.html", {
        "result": result, "year": year, "town": town,
        "communities": any(r["community"] for r in result["villages"]),
        "community_summary": results.communities(result["villages"], key="total", flag_key="marks"),
        "towns": Town.objects.filter(scope.areas_q(area, "town")).order_by("code"),
        "years": list(range(today.year, today.year - 5, -1)),
    })


def _notice_data(request, month):
    from django.conf import settings as dj_settings

    from . import results

    month = parse_month(month)
    area = user_area(request.user)
    town = checked_town(request.user, request.GET.get("town"))
    wanted = request.GET.get("scheme") or ""
    if wanted and wanted not in S.SCHEMES:
        raise BadInput(f"未知的考核方案：{wanted}", field="scheme")
    result = results.month(area, month, town)
    rows = [dict(r) for r in result.rows if r["flags"]]
    if wanted:
        rows = [r for r in rows if r["scheme"] == wanted]
    rows.sort(key=lambda r: (r["score"] if r["score"] is not None else 0, r["code"]))
    start, end = month_bounds(month)
    problems = {}
    for code, cat in (Issue.objects.filter(village_id__in=[r["code"] for r in rows], reported_at__gte=start,
                                           reported_at__lt=end).values_list("village_id", "category__name")):
        problems.setdefault(code, {}).setdefault(cat, 0)
        problems[code][cat] += 1
    for r in rows:
        found = problems.get(r["code"], {})
        r["problems"] = "、".join(f"{c}{n}处" for c, n in sorted(found.items(), key=lambda x: -x[1])) or "—"
        r["flag_text"] = "；".join(f["label"] for f in r["flags"])
    office = dj_settings.NOTICE_OFFICE
    return {"month": month, "rows": rows, "office": office, "provisional": result.provisional,
            "number": f"{office[:2]}人居〔{month.year}〕{month.month}号",
            "title": f"关于{month.year}年{month.month}月农村人居环境考核排名靠后村的通报"
                     f"{results.PROVISIONAL if result.provisional else ''}",
            "follow_up": [
                "被通报的村要在收到通报后 10 日内制定整改方案，逐项销号，并将整改情况报镇（街道）整治办"
                "（10 日为本系统默认期限，工作方案未作规定，可按本单位要求修改）。",
                "当月排名靠后的村由分管领导约谈提醒村支部书记；连续两个月排名靠后的村由主要领导约谈。",
                "各镇（街道）整治办要于次月现场检查时一并抽查整改情况，形成问题整改闭环。",
            ], "date": timezone.localdate()}


@page_errors
def notice_docx(request, month):
    from .notice import notice_docx as build

    data = _notice_data(request, month)
    return download(build(data), DOCX, f"notice-{data['month']:%Y-%m}.docx")


@page_errors
def notice_pdf(request, month):
    from .notice import notice_pdf as build

    data = _notice_data(request, month)
    return pdf_response(build(data), f"notice-{data['month']:%Y-%m}.pdf")


@page_errors
def evaluations_page(request):
    """The villages the city third-party evaluation visited in a year (unvisited ones get the visited ones' mean)."""
    from django.shortcuts import redirect
    from django.urls import reverse

    from . import services
    from .models import EvaluatedVillage

    today = timezone.localdate()
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or today.year)
    except ValueError:
        raise BadInput("年份无效", field="year") from None
    area = user_area(request.user)
    saved = None
    if request.method == "POST":
        codes = services.set_evaluated(request.user, year, request.POST.getlist("village"))
        return redirect(f"{reverse('assessment:evaluations-page')}?year={year}&saved={len(codes)}")
    if request.GET.get("saved", "").isdigit():
        saved = int(request.GET["saved"])
    visited = set(EvaluatedVillage.objects.filter(year=year).filter(scope.code_q(area, "village__code"))
                  .values_list("village_id", flat=True))
    villages = [{"code": c, "name": n, "town_name": t, "visited": c in visited} for c, n, t in
                Village.objects.filter(scope.code_q(area)).order_by("town_id", "code")
                .values_list("code", "name", "town__name")]
    return render(request, "assessment/evaluations.html", {
        "year": year, "years": list(range(today.year, today.year - 5, -1)), "villages": villages,
        "visited": len(visited), "saved": saved,
    })


def may_import_communities(user):
    """District staff (and administrators) keep the district's 党建共同体; town staff and leaders read them."""
    from accounts.models import Role
    from geo.communities import may_import

    return may_import(user) and (user.is_superuser or user.role in (Role.DISTRICT, Role.ADMIN))


def communities_page(request):
    """/assessment/communities/: the 党建共同体 in the user's area (plan 001: villages of a town under a 共同体书记),
    each with its villages, and for district staff 导入党建共同体 from a spreadsheet through geo.communities, the
    function `manage.py import_communities` calls. A bad file changes nothing: its error is shown next to the file
    field, and each bad row with its row and column."""
    from geo import communities
    from geo.models import Community

    may_import = may_import_communities(request.user)
    failed, import_result, status = None, None, 200
    if request.method == "POST":
        if not may_import:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("只有区级工作人员可以导入党建共同体")
        if not once.first_submit(request):
            return once.repeated(request, request.get_full_path(), "这一文件已经提交过，未重复导入")
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise BadInput("请选择要导入的表格文件（.xlsx）", field="file")
            if upload.size > 5 * 1024 * 1024:
                raise BadInput("文件过大（上限 5 MB）", field="file")
            import_result = communities.import_file(request.user, upload.read(), upload.name)
        except DomainError as exc:
            failed, status = exc.detail, 400
            messages.error(request, f"未导入：{exc.detail}")
        else:
            if import_result.errors:
                status = 400
                messages.error(request, import_result.summary)
            else:
                messages.success(request, f"已导入党建共同体：{import_result.summary}")
                return redirect(request.get_full_path())
    area = scope.of(request.user)
    rows = (Community.objects.filter(scope.areas_q(area, "town", "town__code")).select_related("town")
            .prefetch_related(Prefetch("villages", queryset=Village.objects.order_by("code")))
            .order_by("town_id", "name"))
    return render(request, "assessment/communities.html", {
        "communities": rows, "may_import": may_import, "failed": failed, "import_result": import_result,
        "columns": [c[0] for c in communities.COLUMNS.values()],
    }, status=status)
