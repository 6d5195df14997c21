"""Campaign and task rules, once: creation checks, weekly quota progress, acceptance, task lights.

Frozen past: a week's `done` counts verify events (patrol's append-only history), so reopening a problem later
never takes it out of the week it was closed in; a quota changed after the start applies from the next week
(the old version keeps its weeks). A task's `done` counts progress reports by when they were entered (reports
are append-only) or verify events up to the month's end, so a past month's light never changes either.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Collate
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from core.months import local_start, next_month, parse_month
from geo import scope
from geo.models import District, Town, Village
from patrol.models import Category, Issue, IssueEvent, Status

from .models import (
    Acceptance,
    Campaign,
    Phase,
    PhaseKind,
    Quota,
    QuotaChange,
    Task,
    TaskLevel,
    TaskProgress,
    TaskTarget,
    default_schedule,
)

PLANNERS = {Role.DISTRICT, Role.TOWN}
MAX_QUANTITY = 1e9  # a year's target or one progress report (project default: far above any county's count)


def may_plan(user):
    """District and town staff (and administrators) create and change campaigns and tasks; leaders only read."""
    return user.is_authenticated and (user.is_superuser or user.role in (*PLANNERS, Role.ADMIN))


def may_edit(user, campaign):
    return may_plan(user) and all(scope.covers(scope.of(user), code) for code in campaign.areas)


def _planner(user, what):
    if not (user.is_superuser or user.role in (*PLANNERS, Role.ADMIN)):
        raise Forbidden(f"只有区、街镇工作人员可以{what}")


def _date(value, field):
    """A date within core.inputs.YEARS, like every date the system takes."""
    return inputs.day(value, field)


def _known_categories(codes, field):
    codes = list(dict.fromkeys(codes or []))
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BadInput(f"未知的问题类别：{'、'.join(unknown)}", field=field)
    return codes


# --- campaigns -------------------------------------------------------------------------------------


def visible_campaigns(user):
    area = scope.of(user)
    return [c for c in Campaign.objects.prefetch_related("phases", "quotas")
            if any(scope.touches(area, code) for code in c.areas)]


def visible_campaign(user, pk):
    campaign = Campaign.objects.prefetch_related("phases").filter(pk=pk).first()
    if campaign is None or not any(scope.touches(scope.of(user), code) for code in campaign.areas):
        raise NotVisible("专项行动不存在或不在您的辖区内")
    return campaign


def _check_areas(user, areas):
    if not areas:
        raise BadInput("请给出专项行动范围（区或街镇代码）", field="areas")
    area = scope.of(user)
    out = []
    for code in dict.fromkeys(str(a) for a in areas):
        level = {6: District, 9: Town}.get(len(code))
        if level is None or not level.objects.filter(code=code).exists():
            raise BadInput(f"范围应为区或街镇代码：{code!r}", field="areas")
        if not scope.covers(area, code):
            raise Forbidden(f"范围 {code} 不在您的辖区内", field="areas")
        out.append(code)
    return out


def _check_phases(phases, start, end):
    rows = []
    if not isinstance(phases or [], list) or not all(isinstance(p, dict) for p in phases or []):
        raise BadInput("阶段应为 [{name, kind, start, end}] 列表", field="phases")
    for i, p in enumerate(phases or []):
        name = inputs.note(p.get("name"), "phases", 50)
        if not name:
            raise BadInput(f"第 {i + 1} 个阶段缺少名称", field="phases")
        if p.get("kind") not in PhaseKind.values:
            raise BadInput(f"阶段类型应为 {' | '.join(PhaseKind.values)}：{p.get('kind')!r}", field="phases")
        p_start, p_end = _date(p.get("start"), "phases"), _date(p.get("end"), "phases")
        if p_end < p_start:
            raise BadInput(f"阶段“{name}”的结束日期早于开始日期", field="phases")
        if p_start < start or p_end > end:
            raise BadInput(f"阶段“{name}”（{p_start}—{p_end}）超出专项行动期间 {start}—{end}", field="phases")
        rows.append(Phase(name=name, kind=p["kind"], start=p_start, end=p_end))
    rows.sort(key=lambda r: (r.start, r.end))
    for a, b in zip(rows, rows[1:], strict=False):
        # The plans write consecutive phases sharing their boundary day (12-15–12-22, 12-22–2-17): allowed.
        if b.start < a.end:
            raise BadInput(f"阶段“{a.name}”与“{b.name}”时间重叠", field="phases")
    return rows


def _check_quotas(quotas, categories):
    rows = []
    if not isinstance(quotas or [], list) or not all(isinstance(q, dict) for q in quotas or []):
        raise BadInput("指标应为 [{name, categories, per_village_per_week}] 列表", field="quotas")
    for i, q in enumerate(quotas or []):
        name = inputs.note(q.get("name"), "quotas", 50) or f"指标{i + 1}"
        codes = q.get("categories") or []
        if not codes:
            raise BadInput(f"指标“{name}”没有问题类别", field="quotas")
        codes = _known_categories(codes, "quotas")
        if categories and set(codes) - set(categories):
            raise BadInput(f"指标“{name}”的类别不在专项行动的类别内：{'、'.join(sorted(set(codes) - set(categories)))}",
                           field="quotas")
        n = q.get("per_village_per_week")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise BadInput(f"指标“{name}”的每村每周数量应为正整数：{n!r}", field="quotas")
        if name in {r.name for r in rows}:
            raise BadInput(f"指标名称重复：{name}", field="quotas")
        rows.append(Quota(name=name, categories=codes, per_village_per_week=n, sort=i))
    return rows


def create_campaign(user, data):
    _planner(user, "创建专项行动")
    name = inputs.note(data.get("name"), "name", inputs.NAME_MAX_LENGTH)
    if not name:
        raise BadInput("请填写专项行动名称", field="name")
    start, end = _date(data.get("start"), "start"), _date(data.get("end"), "end")
    if end < start:
        raise BadInput("结束日期早于开始日期", field="end")
    areas = _check_areas(user, data.get("areas"))
    categories = _known_categories(data.get("categories"), "categories")
    phases = _check_phases(data.get("phases"), start, end)
    quotas = _check_quotas(data.get("quotas"), categories)
    with transaction.atomic():
        campaign = Campaign.objects.create(name=name, areas=areas, start=start, end=end, categories=categories,
                                           created_by=user)
        for row in [*phases, *quotas]:
            row.campaign = campaign
        Phase.objects.bulk_create(phases)
        Quota.objects.bulk_create(quotas)
    return campaign


def _quota_json(q):
    return {"name": q.name, "categories": q.categories, "per_village_per_week": q.per_village_per_week}


def week_monday(day):
    return day - timedelta(days=day.weekday())


def _editable(user, campaign_id, what, field):
    _planner(user, what)
    campaign = visible_campaign(user, campaign_id)
    if not all(scope.covers(scope.of(user), code) for code in campaign.areas):
        raise Forbidden("专项行动范围超出您的辖区，不能修改", field=field)
    return campaign


def change_quotas(user, campaign_id, quotas, now=None):
    """Replace a campaign's quotas. Before the start: outright. After: from next Monday on, the old rows kept
    for the weeks already begun; logged either way."""
    now = now or timezone.now()
    campaign = _editable(user, campaign_id, "修改指标", "quotas")
    rows = _check_quotas(quotas, campaign.categories)
    with transaction.atomic():
        _replace_quotas(user, campaign, rows, now)
    return campaign


# What may change once a campaign has started (its weeks are being counted): the name and the quotas (from next
# week on). Areas, dates, categories and phases are fixed then (project default: a week already counted keeps
# the villages, categories and period it was counted with).
AFTER_START = ("name", "quotas")


def started(campaign, now=None):
    return timezone.localdate(now or timezone.now()) >= campaign.start


def update_campaign(user, campaign_id, data, now=None):
    """Change a campaign: before its start every field (checked as on creation); from its start on the name and
    the quotas only (quotas from next Monday on, logged). Fields absent from `data` stay as they are."""
    now = now or timezone.now()
    campaign = _editable(user, campaign_id, "修改专项行动", "name")
    if started(campaign, now):
        for field in ("areas", "start", "end", "categories", "phases"):
            if field in data:
                raise BadInput(f"专项行动已于 {campaign.start} 开始，只能修改名称和每周指标", field=field)
    name = campaign.name
    if "name" in data:
        name = inputs.note(data.get("name"), "name", inputs.NAME_MAX_LENGTH)
        if not name:
            raise BadInput("请填写专项行动名称", field="name")
    start = _date(data["start"], "start") if "start" in data else campaign.start
    end = _date(data["end"], "end") if "end" in data else campaign.end
    if end < start:
        raise BadInput("结束日期早于开始日期", field="end")
    areas = _check_areas(user, data.get("areas")) if "areas" in data else campaign.areas
    categories = (_known_categories(data.get("categories"), "categories") if "categories" in data
                  else campaign.categories)
    phases = data.get("phases") if "phases" in data else [
        {"name": p.name, "kind": p.kind, "start": p.start, "end": p.end} for p in campaign.phases.all()]
    phases = _check_phases(phases, start, end)
    quotas = data["quotas"] if "quotas" in data else [_quota_json(q) for q in current_quotas(campaign)]
    quotas = _check_quotas(quotas, categories)
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(name=name, areas=areas, start=start, end=end,
                                                       categories=categories)
        campaign.refresh_from_db()
        if "phases" in data:
            campaign.phases.all().delete()
            for row in phases:
                row.campaign = campaign
            Phase.objects.bulk_create(phases)
        if "quotas" in data:
            _replace_quotas(user, campaign, quotas, now)
    return campaign


def _replace_quotas(user, campaign, rows, now):
    today = timezone.localdate(now)
    current = list(campaign.quotas.select_for_update().filter(valid_until__isnull=True))
    effective = None if today < campaign.start else week_monday(today) + timedelta(days=7)
    if effective is None:
        campaign.quotas.all().delete()
    else:
        Quota.objects.filter(pk__in=[q.pk for q in current]).update(valid_until=effective)
    for row in rows:
        row.campaign, row.valid_from = campaign, effective
    Quota.objects.bulk_create(rows)
    QuotaChange.objects.create(campaign=campaign, actor=user, at=now, effective_from=effective,
                               before=[_quota_json(q) for q in current], after=[_quota_json(q) for q in rows])


def quotas_for_week(campaign, monday):
    return [q for q in campaign.quotas.all()
            if (q.valid_from is None or q.valid_from <= monday) and (q.valid_until is None or monday < q.valid_until)]


def current_quotas(campaign):
    return [q for q in campaign.quotas.all() if q.valid_until is None]


def parse_week(value):
    """'YYYY-Www' (ISO week) → its Monday."""
    try:
        year, week = str(value).upper().split("-W")
        if not (len(year) == 4 and year.isdigit() and week.isdigit()):
            raise ValueError
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise BadInput(f"周应为 ISO 周 YYYY-Www（如 2021-W51）：{value!r}", field="week") from None
    return inputs.day(monday, "week")


def default_week(campaign, today=None):
    today = today or timezone.localdate()
    day = min(max(today, campaign.start), campaign.end)
    return week_monday(day)


def campaign_villages(campaign, area=scope.EVERYWHERE):
    """The villages in the campaign's areas (and in `area`, the viewer's)."""
    q = Q(pk__in=[])
    for code in campaign.areas:
        q |= scope.code_q(code)
    return Village.objects.filter(q).filter(scope.areas_q(area, "village"))


def _areas_issue_q(campaign, prefix=""):
    q = Q(pk__in=[])
    for code in campaign.areas:
        q |= scope.place_q(code, prefix)
    return q


PRORATE_RULE = ("每周指标按该周落在集中攻坚阶段内的天数折算（一周只有 1 天在攻坚阶段，则目标为周指标的 1/7）；"
                "宣传动员和考核验收阶段不设指标")


def work_days(campaign, lo, hi):
    """The days in [lo, hi) that fall inside a work phase (集中攻坚; its boundary days included); every day of the
    campaign when it has no phases at all."""
    phases = list(campaign.phases.all())
    if not phases:
        return (hi - lo).days
    phases = [p for p in phases if p.kind == PhaseKind.WORK]
    return sum(1 for i in range((hi - lo).days)
               if any(p.start <= lo + timedelta(days=i) <= p.end for p in phases))


def week_target(per_week, days):
    """A weekly quota prorated by the week's work days (seed 002: "各村每周整治不少于5处"; the proration is ours)."""
    return round(per_week * days / 7, 2)


def week_progress(campaign, monday, area=scope.EVERYWHERE):
    """{villages: [{code, name, quotas: [{name, target, per_week, done, light}]}], week, start, end, work_days} for
    one ISO week. `target` is the quota prorated by the week's days in the work phase (0 and light None when the
    week has none: no quota while mobilising or in acceptance)."""
    week_end = monday + timedelta(days=7)
    lo, hi = max(monday, campaign.start), min(week_end, campaign.end + timedelta(days=1))
    if lo >= hi:
        raise BadInput(f"该周（{monday:%G-W%V}）不在专项行动期间 {campaign.start}—{campaign.end}", field="week")
    days = work_days(campaign, lo, hi)
    quotas = quotas_for_week(campaign, monday)
    codes = sorted({c for q in quotas for c in q.categories})
    done = _done(campaign, codes, lo, hi, area)
    villages = campaign_villages(campaign, area).order_by("code").values_list("code", "name")
    out = []
    for code, name in villages:
        qs = []
        for q in quotas:
            n = sum(done.get((code, c), 0) for c in q.categories)
            target = week_target(q.per_village_per_week, days)
            qs.append({"name": q.name, "target": target, "per_week": q.per_village_per_week, "done": n,
                       "light": quota_light(n, target) if target else None})
        out.append({"code": code, "name": name, "quotas": qs})
    return {"week": f"{monday:%G-W%V}", "start": lo.isoformat(), "end": (hi - timedelta(days=1)).isoformat(),
            "work_days": days, "rule": PRORATE_RULE, "villages": out}


def _done(campaign, codes, lo, hi, area=scope.EVERYWHERE):
    """{(village, category): problems closed in [lo, hi)} of the campaign's areas."""
    done = {}
    if codes:
        # Verify events, not issues' closed_at: history is append-only, so a week once past keeps its count.
        rows = (IssueEvent.objects.filter(action="verify", at__gte=local_start(lo), at__lt=local_start(hi),
                                          issue__category_id__in=codes)
                .filter(_areas_issue_q(campaign, "issue__")).filter(scope.place_q(area, "issue__"))
                .values_list("issue__village_id", "issue__category_id").annotate(n=Count("issue_id", distinct=True)))
        for village, category, n in rows:
            done[(village, category)] = n
    return done


RANKING_RULES = [
    ("考核验收通过的村排在未通过的村之前；未验收的村不参加评比",
     "工作方案 002：“由乡农村人居环境整治工作领导小组办公室对各村…进行考核验收，并根据考核验收结果进行考核评比”"),
    ("同一验收结果内按集中攻坚阶段各项指标的总完成率（完成数 ÷ 折算后目标）排序，同率同名次",
     "项目默认（工作方案未规定评比细则）"),
]


def campaign_ranking(campaign, area=scope.EVERYWHERE, today=None):
    """评比 after acceptance: per village its latest acceptance result, its work-phase totals (done, prorated
    target, rate) and its rank (RANKING_RULES). None before the acceptance phase has begun."""
    today = today or timezone.localdate()
    acceptance = [p for p in campaign.phases.all() if p.kind == PhaseKind.ACCEPTANCE]
    opens = min((p.start for p in acceptance), default=campaign.end + timedelta(days=1))
    if today < opens:
        return None
    totals = defaultdict(lambda: [0, 0.0])
    monday = week_monday(campaign.start)
    while monday <= campaign.end:
        week = week_progress(campaign, monday, area)
        for v in week["villages"]:
            for q in v["quotas"]:
                if q["target"]:
                    totals[v["code"]][0] += q["done"]
                    totals[v["code"]][1] += q["target"]
        monday += timedelta(days=7)
    results = acceptance_results(campaign, area)
    rows = []
    for code, name in campaign_villages(campaign, area).order_by("code").values_list("code", "name"):
        done, target = totals[code]
        latest = results.get(code)
        rows.append({"code": code, "name": name, "result": latest.result if latest else None,
                     "result_label": latest.get_result_display() if latest else "未验收",
                     "done": done, "target": round(target, 2),
                     "rate": round(done / target, 4) if target else None})
    order = {Acceptance.Result.PASS: 0, Acceptance.Result.FAIL: 1}
    ranked = sorted((r for r in rows if r["result"]), key=lambda r: (order[r["result"]], -(r["rate"] or 0), r["code"]))
    rank = 0
    for i, r in enumerate(ranked):
        prev = ranked[i - 1] if i else None
        if prev is None or (prev["result"], prev["rate"]) != (r["result"], r["rate"]):
            rank = i + 1
        r["rank"] = rank
    unranked = [dict(r, rank=None) for r in rows if not r["result"]]
    return {"rules": [{"rule": a, "source": b} for a, b in RANKING_RULES], "villages": ranked + unranked}


def quota_light(done, target):
    if done >= target:
        return "green"
    if done >= target / 2:
        return "yellow"
    return "red"


def village_light(quotas):
    """A village's overall light for the map: its worst quota light (green when the week asks nothing)."""
    order = {"red": 0, "yellow": 1, "green": 2}
    return min((q["light"] for q in quotas if q["light"]), key=order.__getitem__, default="green")


def campaign_issues(campaign):
    """The campaign's problems: of its categories in its areas, found or closed within its period, or tagged."""
    lo, hi = local_start(campaign.start), local_start(campaign.end + timedelta(days=1))
    own = _areas_issue_q(campaign) & (Q(reported_at__gte=lo, reported_at__lt=hi) | Q(closed_at__gte=lo,
                                                                                      closed_at__lt=hi))
    if campaign.categories:
        own &= Q(category_id__in=campaign.categories)
    return Issue.objects.filter(own | Q(campaign=campaign.pk))


def campaign_closed_issues(sender, campaign, **kwargs):
    """Receiver of patrol.signals.campaign_sampling: the campaign's closed problems, for its 回头看 sample."""
    found = Campaign.objects.filter(pk=campaign).first()
    if found is None:
        raise BadInput(f"专项行动不存在：{campaign}", field="campaign")
    return campaign_issues(found).filter(status=Status.CLOSED)


def check_campaign_tag(sender, user, campaign, town_id, village_id, **kwargs):
    """Receiver of patrol.signals.campaign_tagging: a report tagged to a campaign must lie in its area (and the
    campaign be visible)."""
    campaign = visible_campaign(user, campaign)
    if not any(scope.covers(code, village_id) for code in campaign.areas):
        raise BadInput(f"该位置不在专项行动“{campaign.name}”的范围内", field="campaign")


def phase_on(campaign, day):
    """The phase on a day; on a boundary day two phases share, the one that starts there."""
    return next((p for p in reversed(list(campaign.phases.all())) if p.start <= day <= p.end), None)


def record_acceptance(user, campaign_id, village_code, result, note="", photos=(), now=None):
    """考核验收 of a village, in an acceptance phase, by district or town staff. The same result and note again
    (a retry) returns the stored record; a different one is a new record that supersedes it."""
    from core.photos import clean_photo
    from core.stored_photos import attach_photo

    now = now or timezone.now()
    note = inputs.note(note)
    _planner(user, "记录考核验收")
    campaign = visible_campaign(user, campaign_id)
    if result not in Acceptance.Result.values:
        raise BadInput("结果应为 pass（通过）或 fail（不通过）", field="result")
    village = Village.objects.filter(code=village_code).first()
    if village is None or not any(scope.covers(code, village.code) for code in campaign.areas):
        raise BadInput(f"行政村不在专项行动范围内：{village_code!r}", field="village")
    if not scope.covers(scope.of(user), village.code):
        raise Forbidden("该行政村不在您的辖区内", field="village")
    phase = phase_on(campaign, timezone.localdate(now))
    if phase is None or phase.kind != PhaseKind.ACCEPTANCE:
        raise Conflict("当前不在该专项行动的考核验收阶段", field="result")
    if result == Acceptance.Result.FAIL and not note:
        # Project default: a village told it failed is told why (the record is what it will rectify against).
        raise BadInput("不通过须写明原因", field="note")
    processed = [clean_photo(f, field="photos") for f in photos]
    with transaction.atomic():
        # One acceptance at a time per campaign (acceptances are records: no row of them is ever locked for update)
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        last = (Acceptance.objects.filter(campaign=campaign, village=village)
                .order_by("-recorded_at", "-id").first())
        if last and last.result == result and last.note == note and not processed:
            return last, False
        row = Acceptance.objects.create(campaign=campaign, village=village, result=result, note=note,
                                        recorded_by=user, recorded_at=now)
        from .models import AcceptancePhoto
        from .photo_checks import check_acceptance_photo

        for p in processed:
            attach_photo(AcceptancePhoto(acceptance=row), p, name=row.pk, check=check_acceptance_photo)
    return row, True


def acceptance_results(campaign, area=scope.EVERYWHERE):
    """{village code: latest Acceptance}."""
    rows = (Acceptance.objects.filter(campaign=campaign).filter(scope.areas_q(area, "village", "village__code"))
            .select_related("village", "recorded_by").prefetch_related("photos").order_by("recorded_at", "id"))
    return {row.village_id: row for row in rows}


def acceptance_photo(user, pk):
    """An acceptance photo for someone who sees its campaign and its village, or NotVisible."""
    from .models import AcceptancePhoto

    photo = AcceptancePhoto.objects.select_related("acceptance").filter(pk=pk).first()
    if photo is None or not scope.touches(scope.of(user), photo.acceptance.village_id):
        raise NotVisible("照片不存在或不在您的辖区内")
    visible_campaign(user, photo.acceptance.campaign_id)
    return photo


# --- tasks -----------------------------------------------------------------------------------------


def _check_schedule(schedule):
    if schedule in (None, []):
        return default_schedule()
    if not isinstance(schedule, list) or len(schedule) != 12:
        raise BadInput("月度计划应为 12 个累计比例（1 月至 12 月）", field="schedule")
    values = [inputs.number(v, "schedule", low=0, high=1) for v in schedule]
    if any(v < 0 or v > 1 for v in values) or any(b < a for a, b in zip(values, values[1:], strict=False)):
        raise BadInput("月度计划应为 0 到 1 之间、逐月不减的累计比例", field="schedule")
    if abs(values[-1] - 1) > 1e-9:
        raise BadInput("月度计划 12 月应为 1（全年目标）", field="schedule")
    return values


def create_task(user, data):
    _planner(user, "下达年度任务")
    name = inputs.note(data.get("name"), "name", inputs.NAME_MAX_LENGTH)
    if not name:
        raise BadInput("请填写任务名称", field="name")
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise BadInput(f"年度无效：{year!r}", field="year")
    level = data.get("level")
    if level not in TaskLevel.values:
        raise BadInput("目标层级应为 town 或 village", field="level")
    schedule = _check_schedule(data.get("schedule"))
    category = None
    if data.get("category"):
        category = _known_categories([data["category"]], "category")[0]
    targets = data.get("targets") or []
    if not targets:
        raise BadInput("请给出各区域的年度目标", field="targets")
    model = Town if level == TaskLevel.TOWN else Village
    area = scope.of(user)
    rows, seen = [], set()
    if not isinstance(targets, list):
        raise BadInput("年度目标应为 [{area, target}] 列表", field="targets")
    for t in targets:
        if not isinstance(t, dict):
            raise BadInput("年度目标应为 [{area, target}] 列表", field="targets")
        code = str(t.get("area") or "")
        if len(code) != scope.WIDTH[level] or not model.objects.filter(code=code).exists():
            raise BadInput(f"区域应为{TaskLevel(level).label}代码：{code!r}", field="targets")
        if not scope.covers(area, code):
            raise Forbidden(f"区域 {code} 不在您的辖区内", field="targets")
        if code in seen:
            raise BadInput(f"区域重复：{code}", field="targets")
        value = inputs.number(t.get("target"), "targets", low=0, high=MAX_QUANTITY)
        if value <= 0:
            raise BadInput(f"区域 {code} 的年度目标应大于 0", field="targets")
        seen.add(code)
        rows.append(TaskTarget(area=code, target=value))
    with transaction.atomic():
        task = Task.objects.create(
            name=name, year=year, unit=inputs.note(data.get("unit"), "unit", 20) or "个", level=level,
            schedule=schedule, category_id=category, office=inputs.note(data.get("office"), "office", 100),
            person=inputs.note(data.get("person"), "person", 50),
            created_by=user)
        for row in rows:
            row.task = task
        TaskTarget.objects.bulk_create(rows)
    return task


def _task_area_q(area):
    """Q for task rows (targets, progress reports) whose area (a town or village code) lies in or contains `area`."""
    return scope.areas_q(area, "village", "area") | scope.areas_q(area, "town", "area")


def visible_tasks(user, year=None):
    visible = TaskTarget.objects.filter(_task_area_q(scope.of(user)))
    qs = Task.objects.filter(pk__in=visible.values("task_id")).prefetch_related("targets")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("year", "id")


def progress_reports(user, year, limit=100):
    """The year's manual progress reports in the user's area (their areas and the ones around it), newest first,
    with their photos: what a reviewer reads on /tasks/."""
    rows = TaskProgress.objects.filter(task__in=visible_tasks(user, year)).filter(_task_area_q(scope.of(user)))
    return list(rows.select_related("task", "entered_by").prefetch_related("photos")
                .order_by("-entered_at", "-id")[:limit])


def progress_photo(user, pk):
    """A progress report's photo for someone whose area holds (or lies in) the report's area, or NotVisible."""
    from .models import TaskProgressPhoto

    photo = (TaskProgressPhoto.objects.select_related("progress")
             .filter(pk=pk, progress__in=TaskProgress.objects.filter(_task_area_q(scope.of(user)))).first())
    if photo is None:
        raise NotVisible("照片不存在或不在您的辖区内")
    return photo


def progress_totals(tasks):
    """{(task id, area): the sum of its manual reports so far}."""
    rows = (TaskProgress.objects.filter(task__in=tasks).values_list("task_id", "area").annotate(s=Sum("value"))
            .order_by())
    return {(t, a): s for t, a, s in rows}


def _progress_total(task, area, until=None):
    qs = TaskProgress.objects.filter(task=task, area=area)
    if until is not None:
        qs = qs.filter(entered_at__lt=until)
    return qs.aggregate(s=Sum("value"))["s"] or 0


def _visible_task(user, task_id):
    if not (user.is_superuser or user.role in (Role.TOWN, Role.DISTRICT, Role.ADMIN)):
        raise Forbidden("只有街镇、区工作人员可以填报任务进度")
    task = Task.objects.filter(pk=task_id).first()
    area = scope.of(user)
    if task is None or not task.targets.filter(
            scope.areas_q(area, "village", "area") | scope.areas_q(area, "town", "area")).exists():
        raise NotVisible("任务不存在或不在您的辖区内")
    return task


def _checked_progress(user, task, area_code, value, day, now):
    """(target, day) of a manual report, or the BadInput naming what is wrong."""
    if task.category_id:
        raise BadInput("该任务按关联问题类别的销号数自动统计，不能手工填报", field="task")
    target = task.targets.filter(area=str(area_code)).first()
    if target is None:
        raise BadInput(f"该任务没有区域 {area_code!r} 的目标", field="area")
    if not scope.covers(scope.of(user), target.area):
        raise Forbidden("该区域不在您的辖区内", field="area")
    if value <= 0:
        raise BadInput("数量应大于 0", field="value")
    day = _date(day, "date") if day else timezone.localdate(now)
    if day > timezone.localdate(now):
        raise BadInput("完成日期不能晚于今天", field="date")
    return target, day


@dataclass
class ProgressPreview:
    """What a report would store, for a page's confirm step: the total after it and whether it is far above the
    target (then the report needs `confirm`)."""
    task: Task
    target: TaskTarget
    value: float
    date: date
    done_before: float
    done_after: float

    @property
    def far_above(self):
        return self.done_after > 2 * self.target.target


def preview_progress(user, task_id, area_code, value, day, now=None):
    """The checks of add_progress without storing anything: the confirm step of the /tasks/ page."""
    now = now or timezone.now()
    task = _visible_task(user, task_id)
    value = inputs.number(value, "value", low=0, high=MAX_QUANTITY)
    target, day = _checked_progress(user, task, area_code, value, day, now)
    before = _progress_total(task, target.area)
    return ProgressPreview(task, target, value, day, before, before + value)


def add_progress(user, task_id, area_code, value, day, note="", confirm=False, client_uuid=None, photos=(),
                 now=None):
    """A manual progress report by town (or district) staff. Idempotent by client_uuid."""
    from core.photos import clean_photo
    from core.stored_photos import attach_photo

    now = now or timezone.now()
    note = inputs.note(note)
    task = _visible_task(user, task_id)
    value = inputs.number(value, "value", low=0, high=MAX_QUANTITY)
    if client_uuid:
        existing = TaskProgress.objects.filter(client_uuid=client_uuid).first()
        if existing:
            if existing.task_id != task.pk or existing.area != str(area_code) or existing.value != value:
                raise Conflict("该 client_uuid 已用于另一条内容不同的填报", field="client_uuid")
            return existing, False
    target, day = _checked_progress(user, task, area_code, value, day, now)
    processed = [clean_photo(f, field="photos") for f in photos]
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=task.pk).first()  # one report at a time per task
        total = _progress_total(task, target.area) + value
        if total > 2 * target.target and not confirm:
            raise BadInput(f"填报后完成数 {total:g} 超过年度目标 {target.target:g} 的两倍，可能填错；"
                           "确认无误请带 confirm: true 再次提交", field="value", done=total, target=target.target)
        try:
            with transaction.atomic():
                row = TaskProgress.objects.create(task=task, area=target.area, value=value, date=day, note=note,
                                                  entered_by=user, entered_at=now, client_uuid=client_uuid)
        except IntegrityError:
            return TaskProgress.objects.get(client_uuid=client_uuid), False
        from .models import TaskProgressPhoto
        from .photo_checks import check_progress_photo

        for p in processed:
            attach_photo(TaskProgressPhoto(progress=row), p, name=row.pk, check=check_progress_photo)
    return row, True


def task_light_rule():
    """What a task light means, with its sources (seed 000 says only "按月实施调度和落实亮灯管理")."""
    share = settings.PATROL["TASK_YELLOW_SHARE"]
    return (f"月末按进度亮灯：完成数达到本月计划（年度目标 × 已过月数 ÷ 12）为绿灯，达到计划的 {share:.0%} 为黄灯，"
            "否则红灯。“按月调度、落实亮灯管理”出自工作方案 000；计划进度、颜色划分和黄灯线均为项目默认"
            "（TASK_YELLOW_SHARE 可调）。")


def task_light(done, planned, share=None):
    share = settings.PATROL["TASK_YELLOW_SHARE"] if share is None else share
    if done >= planned - 1e-9:
        return "green"
    if done >= planned * share - 1e-9:
        return "yellow"
    return "red"


@dataclass
class LightRow:
    task: int
    area: str
    planned: float
    done: float
    light: str


def task_lights(user, month, level="town"):
    """Task lights at a month's end, per task and area of `level` (a village-level task is summed up to its
    towns for level=town; a town-level task has no village rows). Rows in the caller's area only."""
    if level not in TaskLevel.values:
        raise BadInput("level 应为 town 或 village", field="level")
    first = parse_month(month)
    until = local_start(next_month(first))
    year_start = local_start(date(first.year, 1, 1))
    area = scope.of(user)
    tasks = {t.pk: t for t in Task.objects.filter(year=first.year).order_by("id")}
    if level == TaskLevel.VILLAGE:
        tasks = {k: t for k, t in tasks.items() if t.level == TaskLevel.VILLAGE}
    targets = (TaskTarget.objects.filter(task_id__in=list(tasks))
               .filter(scope.areas_q(area, "village", "area") | scope.areas_q(area, "town", "area"))
               .values_list("task_id", "area", "target"))
    done = {}
    manual = [k for k, t in tasks.items() if not t.category_id]
    for task_id, code, s in (TaskProgress.objects.filter(task_id__in=manual, entered_at__lt=until)
                             .values_list("task_id", "area").annotate(s=Sum("value")).order_by()):
        done[(task_id, code)] = s
    linked = [t for t in tasks.values() if t.category_id]
    if linked:
        # One pass over the year's verify events for every linked category, counted per category and village;
        # a town's count is the sum of its villages' (each problem lies in one village of one town).
        rows = (IssueEvent.objects.filter(action="verify", at__gte=year_start, at__lt=until,
                                          issue__category_id__in={t.category_id for t in linked})
                .values_list("issue__category_id", "issue__village_id", "issue__town_id")
                .annotate(n=Count("issue_id", distinct=True)).order_by())
        per_village, per_town = defaultdict(int), defaultdict(int)
        for category, village, town, n in rows:
            per_village[(category, village)] += n
            per_town[(category, town)] += n
        for t in linked:
            counts = per_village if t.level == TaskLevel.VILLAGE else per_town
            for (category, code), n in counts.items():
                if category == t.category_id:
                    done[(t.pk, code)] = n
    month_index = first.month - 1
    shares = {k: t.schedule[month_index] for k, t in tasks.items()}
    if level == TaskLevel.TOWN:
        sums = defaultdict(lambda: [0.0, 0.0])
        for task_id, code, target in targets:
            acc = sums[(task_id, scope.town_of(code))]
            acc[0] += target * shares[task_id]
            acc[1] += done.get((task_id, code), 0)
        rows = ((task_id, code, p, d) for (task_id, code), (p, d) in sorted(sums.items()))
    else:
        # One target per task and area (task_target_once_per_area): nothing to add up, and the database sorts
        # (byte order, as Python's sort of the town rows).
        rows = ((task_id, code, target * shares[task_id], float(done.get((task_id, code), 0)))
                for task_id, code, target in targets.order_by("task_id", Collate("area", "C")))
    share = settings.PATROL["TASK_YELLOW_SHARE"]
    return [LightRow(task_id, code, round(p, 4), round(d, 4), task_light(d, p, share)) for task_id, code, p, d in rows]


def worst(lights):
    order = {"red": 0, "yellow": 1, "green": 2}
    return min(lights, key=order.__getitem__, default=None)
