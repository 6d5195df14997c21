"""Scheme-aware assessment: a month's ranking under each town's scheme, the year-end totals, and the writes
(scorecards, month closing, evaluations, adjustments, 约谈 records). Views and commands are thin over these."""
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from core.months import current_month, parse_month, previous_month
from geo import scope
from geo.models import District, Village

from . import monthly
from . import schemes as S
from .models import (
    Adjustment,
    EvaluatedVillage,
    Interview,
    MonthClose,
    MonthCloseLog,
    Scorecard,
)

SCORERS = {Role.DISTRICT, Role.TOWN, Role.SUPERVISOR}
EDITORS = {Role.DISTRICT, Role.TOWN}


def _is_admin(user):
    return user.is_superuser or user.role == Role.ADMIN


def may_edit(user):
    """Whether the person may record 约谈 and enter 加减分 (district and town staff): pages show the forms only then."""
    return _is_admin(user) or user.role in EDITORS


def _require(user, roles, what):
    if not (_is_admin(user) or user.role in roles):
        raise Forbidden(f"您的角色不能{what}")


def _area(user):
    area = scope.of(user)
    if area is None:
        raise NotVisible("您没有所属区域")
    return area


def visible_village(user, code, field="village"):
    village = Village.objects.select_related("town").filter(code=str(code or "")).first()
    if village is None or not scope.covers(_area(user), village.code):
        raise NotVisible(f"行政村不存在或不在您的辖区内：{code}", field=field)
    return village


# --- month closing ------------------------------------------------------------------------------------


def is_closed(month, code):
    return MonthClose.objects.filter(month=month, district=scope.district_of(code), closed=True).exists()


def close_month(month, area="", user=None, note="", now=None):
    """Close a month in the districts of an area: scorecards of it are frozen and the schemes in force are kept
    (the first close's record stays: reopening and closing again never changes the scheme a month had).
    `now`: when it was closed (default: now; a loader telling a past year gives its own)."""
    month = parse_month(month)
    now = now or timezone.now()
    if month >= current_month():
        raise BadInput(f"{month:%Y-%m} 尚未结束，不能关账", field="month")
    closed = []
    for d in _districts(area):
        with transaction.atomic():
            District.objects.select_for_update().filter(code=d).first()  # one close or reopen at a time
            row = MonthClose.objects.filter(month=month, district=d).first()
            if row is not None and row.closed:
                continue
            if row is None:
                towns = set(Village.objects.filter(scope.code_q(d)).values_list("town_id", flat=True))
                frozen = {t: {"scheme": n, "parameters": p} for t, (n, p) in S.schemes_at(month, towns).items()}
                MonthClose.objects.create(month=month, district=d, closed=True, schemes=frozen)
            # The log entry is what closes it (again): the database sets the closure from the log.
            MonthCloseLog.objects.create(month=month, district=d, action="close", by=user, note=note, at=now)
            closed.append(d)
    return closed


def keep_month_metrics(month, area=""):
    """Compute and keep an ended month's metrics for each district of an area (the monthly timer, so the first
    person to open the month's ranking does not wait for its history to be read). Returns the district codes."""
    month = parse_month(month)
    if month >= current_month():
        raise BadInput(f"{month:%Y-%m} 尚未结束，指标每次查看时重算", field="month")
    codes = _districts(area)
    for d in codes:
        monthly.cached_month_metrics(month, d)
    return codes


def _districts(area):
    """The codes of the districts of an area ('' for every district), in order."""
    districts = District.objects.order_by("code")
    if area:
        districts = districts.filter(code=scope.district_of(area))
    return list(districts.values_list("code", flat=True))


def reopen_month(user, month, note="", district=None):
    """A district admin reopens a closed month of their district: the log entry is the reopening (the database
    sets the closure from the log, and refuses any other change to it)."""
    if not (_is_admin(user) or user.role == Role.DISTRICT):
        raise Forbidden("只有区级管理人员可以重新打开已关账的月份")
    month = parse_month(month)
    area = _area(user)
    district = district or (scope.district_of(area) if area else "")
    if not district or not scope.touches(area, district):
        raise NotVisible("区不存在或不在您的辖区内", field="district")
    note = inputs.text(note, "note", max_length=300)
    if not note.strip():
        raise BadInput("请说明重新打开的理由", field="note")
    with transaction.atomic():
        District.objects.select_for_update().filter(code=district).first()  # one close or reopen at a time
        row = MonthClose.objects.filter(month=month, district=district, closed=True).first()
        if row is None:
            raise Conflict(f"{month:%Y-%m} 未关账，无需重新打开", field="month")
        MonthCloseLog.objects.create(month=month, district=district, action="reopen", by=user, note=note.strip())
    row.refresh_from_db()
    return row


# --- scorecards ---------------------------------------------------------------------------------------------


def _points(value, key):
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadInput(f"评分项“{key}”的分值不是数字：{value!r}", field="items", item=key) from None
    if not d.is_finite():
        raise BadInput(f"评分项“{key}”的分值不是数字：{value!r}", field="items", item=key)
    return d


def check_items(scheme, items):
    """{key: Decimal} from [{item, points}], or a 400 naming the item at fault."""
    template = {i["key"]: i for i in scheme.items()}
    if not isinstance(items, list) or not items:
        raise BadInput("请填写评分项 items：[{item, points}]", field="items")
    out = {}
    for entry in items:
        if not isinstance(entry, dict) or "item" not in entry or "points" not in entry:
            raise BadInput("每个评分项应为 {item, points}", field="items")
        key = str(entry["item"])
        if key not in template:
            raise BadInput(f"未知的评分项：{key}（可用：{', '.join(template)}）", field="items", item=key)
        if key in out:
            raise BadInput(f"评分项重复：{key}", field="items", item=key)
        points = _points(entry["points"], key)
        top = Decimal(str(template[key]["max"]))
        if points < 0 or points > top:
            raise BadInput(f"评分项“{template[key]['name']}”（{key}）的分值应在 0 到 {top:g} 之间：{points:g}",
                           field="items", item=key)
        out[key] = points
    missing = [k for k in template if k not in out]
    if missing:
        names = "、".join(f"{template[k]['name']}（{k}）" for k in missing)
        raise BadInput(f"缺少评分项：{names}", field="items", item=missing[0])
    return out


def scorecard_json(card, names=None):
    return {"id": card.pk, "village": card.village_id, "month": f"{card.month:%Y-%m}", "scheme": card.scheme,
            "assessor": card.assessor_id, "assessor_name": getattr(card.assessor, "first_name", "") or
            getattr(card.assessor, "username", ""),
            "items": [{"item": k, "points": float(v)} for k, v in card.items.items()],
            "total": float(card.total), "note": card.note, "current": card.current,
            "created_at": card.created_at}


def submit_scorecard(user, village, month, items, note=""):
    """Enter (or replace) the caller's scorecard of a village for a month → (scorecard, created).
    An identical resubmission (a retry) returns the scorecard already stored."""
    _require(user, SCORERS, "录入现场评分表")
    if not village:
        raise BadInput("请指定行政村 village", field="village")
    village = visible_village(user, village)
    if not month:
        raise BadInput("请指定月份 month（YYYY-MM）", field="month")
    month = parse_month(month)
    if month > current_month():
        raise BadInput(f"不能为将来的月份打分：{month:%Y-%m}", field="month")
    if is_closed(month, village.code):
        raise Conflict(f"{month:%Y-%m} 已关账，不能再修改评分表（需区级管理员重新打开）", field="month")
    name, _ = S.schemes_at(month, [village.town_id])[village.town_id]
    scheme = S.get(name)
    if not scheme.uses_scorecards:
        raise BadInput(f"{village.town.name}当前的考核方案（{scheme.title}）不使用现场评分表", field="village")
    points = check_items(scheme, items)
    note = str(note or "")[:2000]
    stored = {k: str(v) for k, v in points.items()}
    total = sum(points.values(), Decimal(0))
    try:
        with transaction.atomic():
            old = (Scorecard.objects.select_for_update()
                   .filter(assessor=user, village=village, month=month, current=True).first())
            if old is not None and {k: Decimal(v) for k, v in old.items.items()} == points and old.note == note:
                return old, False
            if old is not None:
                old.current = False
                old.save(update_fields=["current"])
            card = Scorecard.objects.create(village=village, month=month, assessor=user, scheme=name,
                                            items=stored, total=total, note=note)
            if old is not None:
                old.replaced_by = card
                old.save(update_fields=["replaced_by"])
            return card, True
    except IntegrityError:  # the same submission raced itself: the other one is stored
        card = Scorecard.objects.get(assessor=user, village=village, month=month, current=True)
        return card, False


def scorecards(user, month, village=None):
    qs = Scorecard.objects.filter(month=parse_month(month), current=True).select_related("assessor")
    if village:
        qs = qs.filter(village=visible_village(user, village))
    else:
        qs = qs.filter(scope.code_q(_area(user), "village__code"))
    return qs.order_by("village_id", "created_at")


def nearest_villages(user, lon=None, lat=None, limit=200):
    """The villages of the caller's area, nearest first when a location is given (metres, on the spheroid)."""
    from django.contrib.gis.db.models.functions import Distance
    from django.contrib.gis.geos import Point

    qs = Village.objects.filter(scope.code_q(_area(user))).select_related("town")
    if lon is not None and lat is not None:
        point = Point(lon, lat, srid=4326)
        qs = qs.annotate(d=Distance("boundary", point, spheroid=True)).order_by("d", "code")
    else:
        qs = qs.order_by("code")
    rows = S._settings()
    return [{"code": v.code, "name": v.name, "town": v.town_id, "town_name": v.town.name,
             "scheme": S.effective(v.town_id, rows)[0],
             "distance_m": round(v.d.m) if getattr(v, "d", None) is not None else None} for v in qs[:limit]]


# --- evaluations, adjustments and 约谈 --------------------------------------------------------------------


def _year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise BadInput(f"年度应为四位数字：{value!r}", field="year") from None
    if not 2000 <= year <= timezone.localdate().year:
        raise BadInput(f"年度无效：{year}", field="year")
    return year


def _year_open(year, code):
    if is_closed(date(year, 12, 1), code):
        raise Conflict(f"{year} 年已关账（12 月已关账），不能再修改", field="year")


def set_evaluated(user, year, codes):
    """The villages the third-party evaluation visited in a year, within the caller's area (replaces the list)."""
    _require(user, EDITORS, "录入第三方测评名单")
    year = _year(year)
    if not isinstance(codes, list):
        raise BadInput("villages 应为行政村代码列表", field="villages")
    area = _area(user)
    villages = [visible_village(user, c, field="villages") for c in dict.fromkeys(map(str, codes))]
    for v in villages:
        _year_open(year, v.code)
    with transaction.atomic():
        EvaluatedVillage.objects.filter(year=year).filter(scope.code_q(area, "village__code")).delete()
        EvaluatedVillage.objects.bulk_create([EvaluatedVillage(year=year, village=v, entered_by=user)
                                              for v in villages])
    return [v.code for v in villages]


def add_adjustment(user, village, year, points, reason, kind="manual", month=None):
    _require(user, EDITORS, "录入年终加减分")
    village = visible_village(user, village)
    year = _year(year)
    if kind not in dict(Adjustment.KINDS):
        raise BadInput(f"kind 只能是 {' | '.join(dict(Adjustment.KINDS))}", field="kind")
    if points is None and kind == "model":
        name, p = S.effective(village.town_id)
        points = p.get("model_points", 5)
    if points is None:
        raise BadInput("请填写分值 points", field="points")
    points = _points(points, "points")
    if not Decimal(-100) <= points <= Decimal(100) or points == 0:
        raise BadInput("分值应在 −100 到 100 之间且不为 0", field="points")
    if not str(reason or "").strip():
        raise BadInput("请填写加减分理由 reason", field="reason")
    if month:
        month = parse_month(month)
        if month.year != year:
            raise BadInput("月份不在该年度内", field="month")
    _year_open(year, village.code)
    return Adjustment.objects.create(village=village, year=year, kind=kind, points=points,
                                     reason=str(reason).strip()[:300], month=month or None, entered_by=user)


def record_interview(user, village, month, held_on, held_by, note="", now=None):
    """Record that the 约谈 a bottom flag called for took place. `now`: when it is recorded (default: now)."""
    _require(user, EDITORS, "登记约谈")
    village = visible_village(user, village)
    month = parse_month(month)
    held_on = inputs.day(held_on, "held_on")
    if held_on > timezone.localdate():
        raise BadInput("约谈日期不能晚于今天", field="held_on")
    if not str(held_by or "").strip():
        raise BadInput("请填写约谈人 held_by", field="held_by")
    district = scope.district_of(village.code)
    data = S.Data(district, [month, previous_month(month)], S.villages_of(district))
    flags = [f for f in data.flags(month, village.code) if f["code"] in ("bottom", "bottom_twice")]
    if not flags:
        raise BadInput(f"{village.name}在 {month:%Y-%m} 没有需要约谈的标记", field="village")
    row, _ = Interview.objects.update_or_create(
        village=village, month=month,
        defaults={"kind": flags[0]["code"], "held_on": held_on, "held_by": str(held_by).strip()[:100],
                  "note": str(note or ""), "recorded_by": user, "recorded_at": now or timezone.now()})
    return row


def interview_json(i):
    return {"held_on": i.held_on, "held_by": i.held_by, "note": i.note, "kind": i.kind}
