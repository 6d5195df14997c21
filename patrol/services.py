"""The rectification loop: reporting, transitions, rebounds, escalation. Every rule lives here, once."""
import contextlib
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from core.months import parse_month
from geo import coords, scope
from geo.lookup import locate

from . import signals
from .models import Action, Category, Issue, IssueEvent, Photo, ReinspectionSample, Source, Status

A, S = Action, Status

# Which action may start from which state, and where it leads. supervise/release keep the state.
TRANSITIONS = {
    A.ASSIGN: ({S.REPORTED}, S.ASSIGNED),
    A.SUBMIT: ({S.ASSIGNED}, S.SUBMITTED),
    A.VERIFY: ({S.SUBMITTED}, S.CLOSED),
    A.REJECT: ({S.SUBMITTED}, S.ASSIGNED),
    A.REOPEN: ({S.CLOSED}, S.ASSIGNED),
    A.SUPERVISE: ({S.REPORTED, S.ASSIGNED, S.SUBMITTED}, None),
    A.RELEASE: ({S.REPORTED, S.ASSIGNED, S.SUBMITTED}, None),
}

# Who may do what (besides the area check). Admins may do everything.
ROLES = {
    A.REPORT: {Role.INSPECTOR, Role.VILLAGE, Role.TOWN, Role.DISTRICT},
    A.ASSIGN: {Role.TOWN, Role.DISTRICT},
    A.SUBMIT: {Role.VILLAGE, Role.DISTRICT},
    A.VERIFY: {Role.TOWN, Role.DISTRICT},
    A.REJECT: {Role.TOWN, Role.DISTRICT},
    A.REOPEN: {Role.INSPECTOR, Role.TOWN, Role.DISTRICT},
    A.SUPERVISE: {Role.DISTRICT},
    A.RELEASE: {Role.DISTRICT},
    A.REINSPECT: {Role.INSPECTOR, Role.TOWN, Role.DISTRICT},
}


def conf(name):
    return settings.PATROL[name]


def covers(user, town_id, village_id, grid_id):
    """Does the user's area contain a place with these codes?"""
    return scope.covers_place(scope.of(user), town_id, village_id, grid_id)


def may(user, action):
    return user.role == Role.ADMIN or user.is_superuser or user.role in ROLES[action]


def visible_issue(user, issue_id, lock=False):
    """The issue if it lies in the user's area; 404 otherwise (another area's issue does not exist for them)."""
    qs = Issue.objects.select_related("category")
    if lock:
        qs = qs.select_for_update(of=("self",))
    issue = qs.filter(pk=issue_id).first()
    if issue is None or not covers(user, issue.town_id, issue.village_id, issue.grid_id):
        raise NotVisible("问题不存在或不在您的辖区内")
    return issue


def allowed_actions(user, issue):
    out = []
    for action, (sources, _) in TRANSITIONS.items():
        if issue.status not in sources or not may(user, action):
            continue
        if action == A.SUPERVISE and issue.red_supervision or action == A.RELEASE and not issue.red_supervision:
            continue
        out.append(action.value)
    return out


def _point(lon, lat):
    return Point(float(lon), float(lat), srid=4326)


# --- reporting -----------------------------------------------------------------------------------


@dataclass
class ReportResult:
    issue: Issue
    created: bool
    nearby: list = field(default_factory=list)


_categories = {"at": 0.0, "by_key": {}}


def find_category(value):
    """A category by code or Chinese name. Categories change rarely (admin edits): kept a minute per process."""
    if time.monotonic() - _categories["at"] > 60 or value not in _categories["by_key"]:
        by_key = {}
        for c in Category.objects.order_by("-sort"):
            by_key[c.name] = by_key[c.code] = c
        _categories.update(at=time.monotonic(), by_key=by_key)
    category = _categories["by_key"].get(value)
    if category is None:
        raise BadInput(f"未知的问题类别：{value!r}", field="category")
    return category


def report_issue(user, *, lon, lat, category, client_uuid, source=Source.DISTRICT_PATROL, description="",
                 crs="wgs84", accuracy_m=None, extent=None, reported_at=None, campaign=None):
    """Create an issue at a point (any supported crs), tied to the village and grid containing it.

    Idempotent by client_uuid: a retry returns the stored issue (created=False), also when two retries race;
    the same uuid with other content is a Conflict.
    """
    if not may(user, A.REPORT):
        raise Forbidden("您的角色不能上报问题")
    if source not in Source.values:
        raise BadInput(f"未知的来源：{source!r}，可选：{', '.join(Source.values)}", field="source")
    category = find_category(inputs.text(category, "category", 30))
    description = inputs.text(description, "description", 2000)
    if accuracy_m is not None:
        accuracy_m = inputs.number(accuracy_m, "accuracy_m", 0, 100_000)
    lon, lat = inputs.lonlat(lon, lat, "geometry")
    try:
        lon, lat = coords.to_wgs84(lon, lat, crs)
    except ValueError as exc:
        raise BadInput(str(exc), field="crs") from exc
    reported_at = reported_at or timezone.now()

    found = locate(lon, lat)
    village = found["village"]
    if village is None:
        raise BadInput("该位置不在任何行政村内", field="geometry")
    grid = found["grid"]
    if not covers(user, village.town_id, village.code, grid.code if grid else ""):
        raise Forbidden("该位置不在您的辖区内", field="geometry")
    if extent is not None:
        extent = inputs.geometry(extent, "extent", near=(lon, lat))
    if campaign is not None:
        _ask_campaigns(signals.campaign_tagging, Issue, user=user, campaign=campaign, town_id=village.town_id,
                       village_id=village.code)

    # One query for both rules: closed ones near enough to be rebounded, open ones near enough to be duplicates.
    neighbours = _neighbours(category.code, lon, lat)
    since = reported_at - timedelta(days=conf("REBOUND_WINDOW_DAYS"))
    rebound = next((n for n in neighbours if n["status"] == S.CLOSED and n["distance_m"] <= conf("REBOUND_DISTANCE_M")
                    and since <= n["closed_at"] <= reported_at), None)
    issue = Issue(
        location=_point(lon, lat), extent=extent, category=category, description=description, source=source,
        reporter=user, reported_at=reported_at, town_id=village.town_id, village=village, grid=grid,
        client_uuid=client_uuid, accuracy_m=accuracy_m, crs=crs, rebound_of_id=rebound and rebound["id"],
        campaign=campaign,
    )
    data = {"rebound_of": rebound["id"]} if rebound else {}
    if campaign is not None:
        data["campaign"] = campaign
    event = IssueEvent(action=A.REPORT, to_status=S.REPORTED, actor=user, at=reported_at, location=issue.location,
                       data=data)
    # One statement stores both rows, so it needs a transaction of its own only for listeners that must write in
    # it, or as a savepoint inside a caller's transaction (a duplicate uuid must not break that one). Without,
    # the report saves the BEGIN and COMMIT round trips.
    own = connection.in_atomic_block or signals.issue_reported.has_listeners(Issue)
    try:
        with transaction.atomic() if own else contextlib.nullcontext():
            Issue.objects.insert_with_event(issue, event)
            signals.issue_reported.send(Issue, issue=issue, event=event, user=user)
    except IntegrityError:
        # A retry (or a racing one) stored this uuid already: answer with what was stored.
        existing = Issue.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return _same_report(existing, user, lon, lat, category, source, description)
    return ReportResult(issue, True, _duplicates(neighbours, issue.pk, user))


def _same_report(existing, user, lon, lat, category, source, description):
    same = (
        existing.reporter_id == user.pk and existing.category_id == category.code and existing.source == source
        and existing.description == description
        and abs(existing.location.x - lon) < 1e-7 and abs(existing.location.y - lat) < 1e-7
    )
    if not same:
        mine = {"id": existing.pk} if existing.reporter_id == user.pk else {}  # never name another's problem
        raise Conflict("该 client_uuid 已用于另一条内容不同的上报", field="client_uuid", **mine)
    return ReportResult(existing, False, nearby_open(existing, user))


def _neighbours(category_code, lon, lat):
    """Issues of a category within the larger of the rebound and duplicate distances, nearest first."""
    metres = max(conf("REBOUND_DISTANCE_M"), conf("DUPLICATE_DISTANCE_M"))
    return Issue.objects.neighbours(category_code, lon, lat, metres)


def _duplicates(neighbours, own_id, user):
    """Open issues of the same category near this one that the user may see: a likely duplicate for the client
    to warn about (another area's problem is not named, not even by id)."""
    area = scope.of(user)
    near = [n for n in neighbours if n["status"] != S.CLOSED and n["id"] != own_id
            and n["distance_m"] <= conf("DUPLICATE_DISTANCE_M")
            and scope.covers_place(area, n["town_id"], n["village_id"], n["grid_id"])]
    return [{"id": n["id"], "distance_m": round(n["distance_m"], 1), "status": n["status"],
             "reported_at": n["reported_at"].isoformat()} for n in near[:10]]


def nearby_open(issue, user):
    return _duplicates(_neighbours(issue.category_id, issue.location.x, issue.location.y), issue.pk, user)


def visible_rebound_of(user, issue):
    """The id of the closed problem this one rebounds, when the user may see that one (else None)."""
    if not issue.rebound_of_id:
        return None
    place = Issue.objects.filter(pk=issue.rebound_of_id).values_list("town_id", "village_id", "grid_id").first()
    return issue.rebound_of_id if place and covers(user, *place) else None


# --- the loop ------------------------------------------------------------------------------------


def transition_issue(user, issue_id, action, *, note="", deadline=None, assignee="", location=None, now=None,
                     data=None):
    """Apply one action of the loop, with all its rules, and record the event. Returns the event."""
    now = now or timezone.now()
    try:
        action = A(action)
    except ValueError:
        raise BadInput(f"未知的操作：{action!r}，可选：{', '.join(TRANSITIONS)}", field="action") from None
    if action not in TRANSITIONS:
        raise BadInput(f"操作 {action.value} 不能用于状态变更", field="action")
    note = inputs.text(note, "note", 2000)
    assignee = inputs.text(assignee, "assignee", 100)
    if location is not None:
        if not isinstance(location, list | tuple) or len(location) != 2:
            raise BadInput("location 应为 [经度, 纬度]", field="location")
        location = inputs.lonlat(location[0], location[1], "location")
    with transaction.atomic():
        issue = visible_issue(user, issue_id, lock=True)
        sources, target = TRANSITIONS[action]
        if not may(user, action):
            raise Forbidden(f"您的角色（{user.get_role_display()}）不能执行“{action.label}”")
        blocked = issue.status not in sources or (
            action == A.SUPERVISE and issue.red_supervision) or (action == A.RELEASE and not issue.red_supervision)
        if blocked:
            raise Conflict(
                f"当前状态为“{Status(issue.status).label}”，不能执行“{action.label}”",
                status=issue.status, red_supervision=issue.red_supervision,
                allowed_actions=allowed_actions(user, issue),
            )
        data = dict(data or {})
        photo = None
        from_status = issue.status
        if action in (A.ASSIGN, A.REOPEN):
            issue.deadline = _deadline(deadline, issue, now)
            issue.assignee = assignee or issue.assignee or issue.village.name
            issue.closed_at = None
            data.update(deadline=issue.deadline.isoformat(), assignee=issue.assignee)
        elif action == A.REJECT and deadline:
            issue.deadline = _deadline(deadline, issue, now)
            data.update(deadline=issue.deadline.isoformat())
        elif action == A.SUBMIT:
            photos = list(issue.photos.filter(kind=Photo.Kind.AFTER, submitted_with__isnull=True))
            if not photos:
                raise BadInput("提交整改需要至少一张整改后照片（kind=after）", field="photos")
            photo = photos[0]
            data["photos"] = [p.pk for p in photos]
        if action == A.RELEASE:
            reason = next((r for _, r in signals.supervision_releasing.send(Issue, issue=issue) if r), None)
            if reason:
                raise Conflict(reason, status=issue.status, red_supervision=issue.red_supervision)
        if action in (A.VERIFY, A.REJECT) and _last_submitter(issue) == user.pk:
            raise Forbidden("复核人不能是提交整改的人")
        if action == A.VERIFY:
            issue.closed_at = now
            if issue.red_supervision:
                issue.red_supervision = False
                data["supervision_ended"] = True
        elif action == A.SUPERVISE:
            issue.red_supervision, issue.supervised_at = True, now
        elif action == A.RELEASE:
            issue.red_supervision = False
        if target:
            issue.status = target
        issue.save()
        event = IssueEvent.objects.create(
            issue=issue, action=action, from_status=from_status, to_status=issue.status, actor=user, at=now,
            note=note or "", photo=photo, location=_point(*location) if location else None, data=data,
        )
        if action == A.SUBMIT:
            issue.photos.filter(pk__in=data["photos"]).update(submitted_with=event)
        signals.issue_transitioned.send(Issue, issue=issue, event=event, action=action, user=user)
    return event


# Plan 002 (Qukou) counts structures torn down: "各村每周整治不少于5处"、"各村每周拆除不少于3户". One already demolished
# when it is recorded is recorded as done. Which categories allow it is a project default (the demolition ones).
DEMOLITION_CATEGORIES = ("ruined_wall", "abandoned_greenhouse", "ad_clutter", "dilapidated_house")


def record_demolished(user, *, before, after, note="", **report):
    """A structure already demolished on the spot, recorded as done (plan 002): the problem is created and closed
    in one step with its before and after photos (both required), by staff who may verify (town, district). The
    report and a 复核通过销号 event marked `done_on_report` are both written; the weekly quotas count it like any
    closure. A retry with the same client_uuid returns the stored problem. Returns (issue, created)."""
    from core.stored_photos import attach_photo

    from .photo_checks import check_issue_photo

    if not may(user, A.VERIFY):
        raise Forbidden("只有街镇或区级人员可以登记已拆除（拆除即销号）")
    category = find_category(inputs.text(report.get("category"), "category", 30))
    if category.code not in DEMOLITION_CATEGORIES:
        raise BadInput(f"“{category.name}”不是拆除类问题，不能登记为已拆除", field="category")
    if not before:
        raise BadInput("请上传拆除前照片", field="before")
    if not after:
        raise BadInput("请上传拆除后照片", field="after")
    note = inputs.text(note, "note", 2000)
    from core.photos import clean_photo

    checked = [(Photo.Kind.BEFORE, clean_photo(before, "before")), (Photo.Kind.AFTER, clean_photo(after, "after"))]
    report.setdefault("source", Source.TOWN_SELF_CHECK if user.role == Role.TOWN else Source.DISTRICT_PATROL)
    with transaction.atomic():
        result = report_issue(user, **report)
        issue = Issue.objects.select_for_update().get(pk=result.issue.pk)
        if not result.created:
            if issue.status != S.CLOSED:
                raise Conflict("该编号已用于一条未销号的上报", field="client_uuid")
            return issue, False
        photos = []
        for kind, processed in checked:
            photos.append(attach_photo(
                Photo(issue=issue, kind=kind, uploaded_by=user), processed, name=f"{issue.pk}-{kind}",
                same=("issue", "kind"), check=lambda row, p: check_issue_photo(row, p))[0])
        now = max(timezone.now(), issue.reported_at)
        issue.status, issue.closed_at = S.CLOSED, now
        issue.save(update_fields=["status", "closed_at"])
        event = IssueEvent.objects.create(
            issue=issue, action=A.VERIFY, from_status=S.REPORTED, to_status=S.CLOSED, actor=user, at=now,
            note=note or "拆除即销号：登记时已拆除", photo=photos[1],
            data={"done_on_report": True, "photos": [p.pk for p in photos]})
        signals.issue_transitioned.send(Issue, issue=issue, event=event, action=A.VERIFY, user=user)
    return issue, True


def _last_submitter(issue):
    return issue.events.filter(action=A.SUBMIT).order_by("-at", "-id").values_list("actor_id", flat=True).first()


def _deadline(value, issue, now):
    if value in (None, ""):
        return timezone.localdate(now) + timedelta(days=issue.category.default_deadline_days)
    value = inputs.day(value, "deadline")
    if value < timezone.localdate(now):
        raise BadInput("整改期限不能早于今天", field="deadline")
    return value


def escalate_overdue(today=None, days=None, now=None):
    """Raise red supervision for issues overdue more than `days` (idempotent; for a daily timer).

    An issue whose supervision district staff released since its deadline was set is left to their decision.
    """
    today = today or timezone.localdate()
    days = conf("RED_SUPERVISION_OVERDUE_DAYS") if days is None else days
    now = now or timezone.now()
    limit = today - timedelta(days=days)
    raised = []
    candidates = Issue.objects.open().filter(red_supervision=False, deadline__lt=limit)
    for issue in candidates:
        deadline_set = issue.events.filter(action__in=(A.ASSIGN, A.REOPEN)).order_by("-at", "-id").first()
        if deadline_set and issue.events.filter(action=A.RELEASE, id__gt=deadline_set.id).exists():
            continue
        with transaction.atomic():
            locked = Issue.objects.select_for_update().get(pk=issue.pk)
            if locked.red_supervision or locked.status == S.CLOSED:
                continue
            overdue_days = (today - locked.deadline).days
            locked.red_supervision, locked.supervised_at = True, now
            locked.save(update_fields=["red_supervision", "supervised_at"])
            event = IssueEvent.objects.create(
                issue=locked, action=A.SUPERVISE, from_status=locked.status, to_status=locked.status, actor=None,
                at=now, note=f"超期{overdue_days}天，自动红色督办（规则：超期超过{days}天）",
                data={"reason": "overdue", "overdue_days": overdue_days, "rule_days": days},
            )
            signals.issue_escalated.send(Issue, issue=locked, event=event, today=today, days=days)
            raised.append(locked.pk)
    return raised


# --- corrections (更正): the only way to change a problem's recorded fields ---------------------------------

CORRECTABLE = ("category", "source", "location", "deadline", "assignee", "description")


def _snapshot(issue):
    """What a correction may change, plus what history needs to rebuild the problem as it stood before."""
    return {
        "category_id": issue.category_id, "source": issue.source,
        "location": [issue.location.x, issue.location.y],
        "town_id": issue.town_id, "village_id": issue.village_id, "grid_id": issue.grid_id,
        "deadline": issue.deadline.isoformat() if issue.deadline else None,
        "assignee": issue.assignee, "description": issue.description,
    }


def correct_issue(user, issue_id, *, reason, now=None, **changes):
    """Correct recorded fields of a problem (a wrong category, a misplaced point …) with a reason.

    Writes a `correct` event holding the values before and after, so past months rebuild as they stood
    (patrol.history reads `data.before`) and the change is on record. Returns the event.
    """
    now = now or timezone.now()
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise BadInput(f"不能更正的字段：{', '.join(sorted(unknown))}；可更正：{', '.join(CORRECTABLE)}",
                       field=sorted(unknown)[0])
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("更正需要说明原因", field="reason")
    if not (user.is_superuser or user.role in (Role.ADMIN, Role.DISTRICT)):
        raise Forbidden("只有区级或管理员可以更正问题信息")
    with transaction.atomic():
        issue = visible_issue(user, issue_id, lock=True)
        before = _snapshot(issue)
        if "category" in changes:
            issue.category = find_category(changes["category"])
        if "source" in changes:
            if changes["source"] not in Source.values:
                raise BadInput(f"未知的来源：{changes['source']!r}", field="source")
            issue.source = changes["source"]
        if "location" in changes:
            location = changes["location"]
            if not isinstance(location, list | tuple) or len(location) != 2:
                raise BadInput("location 应为 [经度, 纬度]", field="location")
            lon, lat = inputs.lonlat(*location, field="location")
            found = locate(lon, lat)
            if found["village"] is None:
                raise BadInput("该位置不在任何行政村内", field="location")
            grid = found["grid"]
            if not covers(user, found["village"].town_id, found["village"].code, grid.code if grid else ""):
                raise Forbidden("该位置不在您的辖区内", field="location")
            issue.location = _point(lon, lat)
            issue.town_id, issue.village_id = found["village"].town_id, found["village"].code
            issue.grid_id = grid.code if grid else None
        if "deadline" in changes:
            value = changes["deadline"]
            issue.deadline = inputs.day(value, "deadline") if value else None
        if "assignee" in changes:
            issue.assignee = str(changes["assignee"] or "")[:100]
        if "description" in changes:
            issue.description = str(changes["description"] or "")
        after = _snapshot(issue)
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            raise BadInput("没有任何字段发生变化", field="reason")
        issue.save()
        data = {"fields": changed, "before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}}
        # history reads the deadline in force from the last event carrying one (patrol.history)
        if "deadline" in changed:
            data["deadline"] = after["deadline"]
        if "assignee" in changed:
            data["assignee"] = after["assignee"]
        return IssueEvent.objects.create(issue=issue, action=A.CORRECT, from_status=issue.status,
                                         to_status=issue.status, actor=user, at=now, note=reason, data=data)


def set_order_shadow(issue_ids, on, *, actor=None, note="", data=None, now=None):
    """A supervision order's shadow on its problems: issuing one raises red supervision (so every map, light and
    assessment reads them red), closing it releases them. The caller (supervision) has checked who may do it;
    this records the events and sends the usual signal. Closed problems and ones already in the wanted state
    are left alone. Returns the ids changed."""
    now = now or timezone.now()
    changed = []
    with transaction.atomic():
        issues = Issue.objects.select_for_update().filter(pk__in=list(issue_ids)).order_by("pk")
        for issue in issues:
            if issue.status == S.CLOSED or issue.red_supervision == on:
                continue
            action = A.SUPERVISE if on else A.RELEASE
            issue.red_supervision = on
            fields = ["red_supervision"]
            if on:
                issue.supervised_at = now
                fields.append("supervised_at")
            issue.save(update_fields=fields)
            event = IssueEvent.objects.create(
                issue=issue, action=action, from_status=issue.status, to_status=issue.status, actor=actor, at=now,
                note=note, data=dict(data or {}),
            )
            signals.issue_transitioned.send(Issue, issue=issue, event=event, action=action, user=actor)
            changed.append(issue.pk)
    return changed


# --- re-inspection (回头看) -----------------------------------------------------------------------


def _ask_campaigns(signal, sender, **kwargs):
    """The campaigns app's answers to one of patrol's campaign questions (signals.campaign_tagging,
    campaign_sampling): Nones dropped. Without a receiver (campaigns not installed), a campaign is refused."""
    if not signal.has_listeners(sender):
        raise BadInput("专项行动功能未启用", field="campaign")
    return [answer for _, answer in signal.send(sender, **kwargs) if answer is not None]


def draw_reinspection(month, share=None, campaign=None):
    """Draw the month's re-inspection sample per village: `share` of its issues closed before the month
    (at least one where a village has any). Reproducible (seeded by month and village) and stored once.

    With `campaign` (an id), the sample comes from that campaign's closed problems instead (the campaigns app
    says which, through signals.campaign_sampling), is stored once per campaign and dated the month it was drawn."""
    share = conf("REINSPECTION_SHARE") if share is None else share
    if campaign is not None:
        first = parse_month(month or timezone.localdate())
        stored = ReinspectionSample.objects.filter(campaign=campaign)
        closed = _ask_campaigns(signals.campaign_sampling, ReinspectionSample, campaign=campaign)[0]
        seed = f"campaign{campaign}"
    else:
        first = parse_month(month)
        stored = ReinspectionSample.objects.filter(month=first, campaign__isnull=True)
        start = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
        closed = Issue.objects.filter(status=S.CLOSED, closed_at__lt=start)
        seed = f"{first:%Y-%m}"
    if stored.exists():
        return list(stored)
    closed = closed.order_by("village_id", "id").values_list("village_id", "id")
    by_village = {}
    for village_id, issue_id in closed:
        by_village.setdefault(village_id, []).append(issue_id)
    rows = []
    for village_id, ids in sorted(by_village.items()):
        n = max(1, round(len(ids) * share))
        picked = random.Random(f"{seed}:{village_id}").sample(ids, n)
        rows += [ReinspectionSample(month=first, campaign=campaign, issue_id=i, village_id=village_id)
                 for i in sorted(picked)]
    with transaction.atomic():
        ReinspectionSample.objects.bulk_create(rows, ignore_conflicts=True)
        samples = list(stored.select_related("issue"))
        signals.reinspection_drawn.send(ReinspectionSample, month=first, samples=samples)
    return samples


def record_reinspection(user, sample_id, result, note="", location=None, now=None):
    """An inspector's finding on a sampled issue: held, or came back (which reopens the issue)."""
    now = now or timezone.now()
    note = inputs.text(note, "note", 2000)
    if location is not None:
        location = inputs.lonlat(location[0], location[1], "location")
    if result not in ReinspectionSample.Result.values:
        raise BadInput("结果应为 held（保持）或 came_back（反弹）", field="result")
    if not may(user, A.REINSPECT):
        raise Forbidden("您的角色不能记录回头看结果")
    with transaction.atomic():
        sample = ReinspectionSample.objects.select_for_update().select_related("issue").filter(pk=sample_id).first()
        if sample is None:
            raise NotVisible("抽查记录不存在")
        issue = sample.issue
        if not covers(user, issue.town_id, issue.village_id, issue.grid_id):
            raise NotVisible("抽查记录不存在或不在您的辖区内")
        if sample.result:
            if sample.result == result:
                return sample
            raise Conflict(f"该抽查已记录为“{ReinspectionSample.Result(sample.result).label}”", field="result")
        sample.result, sample.recorded_by, sample.recorded_at, sample.note = result, user, now, note
        sample.save()
        IssueEvent.objects.create(
            issue=issue, action=A.REINSPECT, from_status=issue.status, to_status=issue.status, actor=user, at=now,
            note=note, location=_point(*location) if location else None,
            data={"result": result, "month": sample.month.isoformat(), "sample": sample.pk,
                  **({"campaign": sample.campaign} if sample.campaign else {})},
        )
    if result == ReinspectionSample.Result.CAME_BACK and issue.status == S.CLOSED:
        transition_issue(user, issue.pk, A.REOPEN, note=f"回头看发现反弹：{note}".rstrip("："), location=location,
                         now=now, data={"reinspection": sample.pk})
    return sample


# --- photos ----------------------------------------------------------------------------------------


def cited_flags(codes):
    """A rejection's reference to the photo checks' flags (core.photo_flags.CODES), kept in its event's data:
    {"cited_flags": [...]}; an unknown code is a 400 naming cite_flags."""
    from core.photo_flags import CODES

    codes = list(dict.fromkeys(codes or ()))
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise BadInput(f"未知的照片提示：{'、'.join(map(str, unknown))}", field="cite_flags")
    return {"cited_flags": codes}


def add_photo(user, issue_id, fileobj, kind, *, from_app=False, now=None):
    """Check, clean (EXIF stripped) and store a photo of an issue; the same picture again returns the first.
    The trust checks (photo_checks) run as it comes in and their flags are stored with it; ``from_app``: sent by
    the phone app, where a photo without any EXIF is worth a (weak) flag. ``now``: when it came in (default: now;
    a loader telling a past year gives its own)."""
    from core.stored_photos import attach_photo

    from .photo_checks import check_issue_photo

    issue = visible_issue(user, issue_id)
    if not may(user, A.SUBMIT if kind == Photo.Kind.AFTER else A.REPORT):
        raise Forbidden("您的角色不能上传此类照片")
    return attach_photo(Photo(issue=issue, kind=kind, uploaded_by=user, uploaded_at=now or timezone.now()), fileobj,
                        name=f"{issue.pk}-{kind}",
                        same=("issue", "kind"),
                        check=lambda row, processed: check_issue_photo(row, processed, from_app=from_app))
