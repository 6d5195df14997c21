"""Household points (积分制, seed 003): every rule lives here, once; the API, pages, import and tests call it.

- Who sees what: households lie in an area like issues (town, village, grid); names and phones only for the
  household's own village's and town's staff (geo.scope.is_local); everyone else gets `张**` and no phone.
- Rules per village and year, each item versioned by date: a change applies from a date and leaves past entries,
  which carry their own points, untouched.
- The ledger is append-only; the balance on the household row changes in the same transaction as the entry, under
  the household's row lock. A second monthly score for the same household, item and month is refused by a
  unique constraint (409), whatever raced.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Conflict, Forbidden, NotVisible
from core.months import current_month, last_day, parse_month
from geo import scope
from geo.models import District, Village

from .models import (
    BoardPublication,
    EntryKind,
    Good,
    Household,
    HouseholdStatus,
    IssueLink,
    ItemKind,
    PointEntry,
    RuleItem,
    RuleSet,
    ScoreSource,
)

log = logging.getLogger(__name__)

MANAGERS = {Role.VILLAGE, Role.TOWN, Role.DISTRICT, Role.ADMIN}


# --- who sees and changes what -------------------------------------------------------------------------


def mask(name):
    """The head's surname with the given name masked: 张** (same length whatever the name, so nothing leaks)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def sees_personal(user, village_code):
    return scope.is_local(scope.of(user), village_code)


def visible_households(user):
    return Household.objects.filter(scope.place_q(scope.of(user)))


def is_manager(user):
    return user.is_superuser or user.role in MANAGERS


def may_publish_reference(user):
    """District staff (and admins) keep the district's reference rules."""
    return user.is_superuser or user.role in (Role.DISTRICT, Role.ADMIN)


def may_manage_village(user, village):
    """Village staff for their own village, town and district staff for theirs (not a grid's staff: rules and
    goods are the whole village's)."""
    return is_manager(user) and scope.covers_place(scope.of(user), village.town_id, village.code, None)


def may_score(user, household):
    return is_manager(user) and scope.covers_place(scope.of(user), household.town_id, household.village_id,
                                                   household.grid_id)


def household_for(user, code, lock=False):
    qs = visible_households(user)
    if lock:
        qs = qs.select_for_update(of=("self",))
    household = qs.filter(code=code).first()
    if household is None:
        raise NotVisible("农户不存在或不在您的辖区内")
    return household


def village_for(user, code, field="village"):
    """A village the user's area touches (404 otherwise), by code."""
    village = Village.objects.filter(code=str(code or "")).first()
    if village is None or not scope.touches(scope.of(user), village.code):
        raise NotVisible(f"行政村不存在或不在您的辖区内：{code!r}", field=field)
    return village


def household_row(user, h, personal=None):
    """The contract's list item; personal data only for the village's and town's staff."""
    personal = sees_personal(user, h.village_id) if personal is None else personal
    return {"code": h.code, "village": h.village_id, "group": h.group, "address": h.address,
            "head": h.head if personal else mask(h.head), "phone": (h.phone or None) if personal else None,
            "members": h.members, "resident": h.resident, "status": h.status, "balance": h.balance}


# --- the register: households added, edited and moved out by hand (the pages and the API) ---------------------

HOUSEHOLD_TEXT = {"group": ("村民小组", 40, True), "address": ("门牌/地址", 200, False), "head": ("户主", 40, True)}


def managed_villages(user):
    """The villages whose register the user keeps: their own village (village and grid staff), or every village
    of their area (town and district staff), in code order."""
    area = scope.of(user)
    if not is_manager(user) or area is None:
        return Village.objects.none()
    if area and len(area) >= scope.WIDTH["village"]:
        return Village.objects.filter(code=scope.village_of(area))
    return Village.objects.filter(scope.areas_q(area, "village")).order_by("code")


def _household_fields(data, village):
    """The editable fields of a household from a form or a JSON body, checked; the gate's point must lie in the
    village (its grid is found from it)."""
    from geo.lookup import locate

    fields = {}
    for name, (label, limit, required) in HOUSEHOLD_TEXT.items():
        value = inputs.note(data.get(name) if data.get(name) is not None else "", name, limit)
        if required and not value:
            raise BadInput(f"请填写{label}", field=name)
        fields[name] = value
    fields["phone"] = inputs.phone(data.get("phone") or "")
    members = data.get("members")
    try:
        fields["members"] = inputs.number(members if members not in (None, "") else 1, "members", 1, 100,
                                          integer=True)
    except BadInput:
        raise BadInput("人口数应为 1–100 的整数", field="members") from None
    resident = data.get("resident", True)
    if isinstance(resident, str):
        if resident.strip().lower() not in {"是", "否", "true", "false", "1", "0", ""}:
            raise BadInput("本村居民应为“是”或“否”", field="resident")
        resident = resident.strip().lower() in {"是", "true", "1"}
    fields["resident"] = bool(resident)
    lon, lat = data.get("longitude"), data.get("latitude")
    if lon in (None, "") or lat in (None, ""):
        raise BadInput("请给出门口位置（经度、纬度，可用“使用当前位置”）", field="location")
    try:
        lon, lat = inputs.lonlat(lon, lat, "location")
    except BadInput as exc:
        raise BadInput(f"门口位置无效：{exc.detail}", field="location") from None
    found = locate(lon, lat)
    if found["village"] is None or found["village"].code != village.code:
        raise BadInput(f"门口位置不在{village.name}范围内", field="location")
    fields["grid_id"] = found["grid"].code if found["grid"] else None
    from django.contrib.gis.geos import Point

    fields["location"] = Point(lon, lat, srid=4326)
    return fields


def add_household(user, *, village, data):
    """A new household of a village, by hand. The code is the door card's: unique, at most 40 characters, no
    '/'. Returns (household, created): the same code with the same facts again (a resent form) is no error."""
    village = village_for(user, village)
    if not is_manager(user):
        raise Forbidden("您的角色不能登记农户")
    code = inputs.note(data.get("code"), "code", 40)
    if not code or "/" in code or any(c.isspace() for c in code):
        raise BadInput("请填写户编号（门牌卡上的编号，不含空格和“/”）", field="code")
    fields = _household_fields(data, village)
    if not scope.covers_place(scope.of(user), village.town_id, village.code, fields["grid_id"]):
        raise Forbidden("门口位置不在您的辖区内", field="location")
    with transaction.atomic():
        existing = Household.objects.select_for_update().filter(code=code).first()
        if existing is not None:
            if existing.village_id == village.code and all(
                    getattr(existing, f) == v for f, v in fields.items() if f != "location"):
                return existing, False
            raise Conflict(f"户编号 {code} 已被使用", field="code")
        return Household.objects.create(code=code, village=village, town_id=village.town_id, **fields), True


def edit_household(user, code, *, data):
    """Change a household's facts (not its code or village). Returns the household."""
    household = household_for(user, code)
    if not may_score(user, household):
        raise Forbidden("您的角色不能修改该户")
    fields = _household_fields(data, household.village)
    if not scope.covers_place(scope.of(user), household.town_id, household.village_id, fields["grid_id"]):
        raise Forbidden("门口位置不在您的辖区内", field="location")
    with transaction.atomic():
        locked = household_for(user, code, lock=True)
        for f, v in fields.items():
            setattr(locked, f, v)
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


def set_household_status(user, code, status):
    """Move a household out of the register (已迁出) or back in (在册); its ledger stays. Returns (household,
    changed): a repeat changes nothing."""
    if status not in HouseholdStatus.values:
        raise BadInput(f"状态应为 {'、'.join(HouseholdStatus.values)}：{status!r}", field="status")
    with transaction.atomic():
        household = household_for(user, code, lock=True)
        if not may_score(user, household):
            raise Forbidden("您的角色不能修改该户")
        if household.status == status:
            return household, False
        household.status = status
        household.save(update_fields=["status", "updated_at"])
    return household, True


def find_households(user, village, text, limit=20):
    """Households of a village the user sees, by door-card code (exact first) or by the head's name or part of it;
    for the counter and the problem page (the village's own staff, who may see names)."""
    text = inputs.note(text, "q", 40)
    qs = visible_households(user).filter(village=village)
    if not text:
        return []
    exact = list(qs.filter(code=text))
    if exact:
        return exact
    return list(qs.filter(Q(head__contains=text) | Q(code__icontains=text) | Q(address__contains=text))
                .order_by("status", "group", "code")[:limit])


# --- dates --------------------------------------------------------------------------------------------------


def parse_quarter(value):
    """'2026-Q3' → (first day, first day of the next quarter)."""
    text = str(value or "").upper()
    try:
        y, q = text.split("-Q")
        year, q = int(y), int(q)
        if not 1 <= q <= 4 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise BadInput(f"季度应为 YYYY-Qn（n 为 1–4）：{value!r}", field="quarter") from None
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end


def quarter_of(day):
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# --- rules ----------------------------------------------------------------------------------------------------


@dataclass
class RuleInput:
    key: str
    name: str
    points: int
    kind: str
    category: str = ""


def _items(raw):
    if not isinstance(raw, list) or not raw:
        raise BadInput("items 应为非空列表", field="items")
    out, seen = [], set()
    for i, item in enumerate(raw):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            raise BadInput(f"{where} 应为对象", field=where)
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        if not key:
            raise BadInput(f"{where}.key 不能为空", field=f"{where}.key")
        if key in seen:
            raise BadInput(f"项目代码重复：{key}", field=f"{where}.key")
        seen.add(key)
        if not name:
            raise BadInput(f"{where}.name 不能为空", field=f"{where}.name")
        points = item.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or points == 0 or abs(points) > 10000:
            raise BadInput(f"{where}.points 应为非零整数（加分为正、扣分为负）", field=f"{where}.points")
        kind = item.get("kind")
        if kind not in ItemKind.values:
            raise BadInput(f"{where}.kind 应为 monthly 或 occasional：{kind!r}", field=f"{where}.kind")
        out.append(RuleInput(key, name, points, kind, str(item.get("category") or "").strip()[:20]))
    return out


def save_rules(user, *, village=None, year, board_n=None, items=None, valid_from=None, today=None):
    """Create or change a village's rules for a year (village=None: the district's reference set).

    Without items, a village copies the district's reference set of that year. A change applies from
    `valid_from` (default today, never earlier than today): an item whose points, name, kind or category changed
    gets a new version from that date, an item left out ends that day; entries already made keep their points.
    """
    today = today or timezone.localdate()
    try:
        year = int(year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        raise BadInput(f"年度无效：{year!r}", field="year") from None
    if board_n is not None and (isinstance(board_n, bool) or not isinstance(board_n, int) or not 1 <= board_n <= 100):
        raise BadInput("board_n 应为 1–100 的整数", field="board_n")
    area = scope.of(user)
    if village is None:
        if not may_publish_reference(user) or not area:
            raise Forbidden("只有区级人员可以发布参考细则")
        district = District.objects.filter(code=scope.district_of(area)).first()
        if district is None:
            raise BadInput("您的账号没有所属区", field="village")
        lookup = {"district": district, "village": None}
    else:
        village = village_for(user, village)
        if not may_manage_village(user, village):
            raise Forbidden("您不能修改该村的积分细则")
        district = District.objects.get(code=scope.district_of(village.code))
        lookup = {"village": village}
    copied_from = None
    if items is None:
        if village is None:
            raise BadInput("参考细则需要 items", field="items")
        copied_from = RuleSet.objects.filter(district=district, village=None, year=year).first()
        if copied_from is None:
            raise BadInput(f"区里还没有 {year} 年的参考细则，请给出 items", field="items")
        on = max(today, date(year, 1, 1))
        items = [{"key": i.key, "name": i.name, "points": i.points, "kind": i.kind, "category": i.category}
                 for i in _in_force(copied_from, on)]
        if board_n is None:
            board_n = copied_from.board_n
    wanted = _items(items)
    with transaction.atomic():
        ruleset = RuleSet.objects.select_for_update().filter(year=year, **lookup).first()
        if ruleset is None:
            ruleset = RuleSet.objects.create(**{"district": district, **lookup}, year=year, board_n=board_n or 5,
                                             copied_from=copied_from, updated_by=user)
            start = date(year, 1, 1)
            RuleItem.objects.bulk_create([RuleItem(ruleset=ruleset, valid_from=start, **vars(w)) for w in wanted])
            return ruleset, True
        start = inputs.day(valid_from, "valid_from") if valid_from else max(today, date(year, 1, 1))
        if start < today or start.year != year:
            raise BadInput("变更的生效日期应在该年度内且不早于今天（已记的积分不改）", field="valid_from")
        current = {i.key: i for i in _in_force(ruleset, start)}
        for w in wanted:
            old = current.pop(w.key, None)
            if old and (old.name, old.points, old.kind, old.category) == (w.name, w.points, w.kind, w.category):
                continue
            if old:
                _end(old, start)
            RuleItem.objects.create(ruleset=ruleset, valid_from=start, **vars(w))
        for old in current.values():
            _end(old, start)
        if board_n is not None:
            ruleset.board_n = board_n
        ruleset.updated_by = user
        ruleset.save()
    return ruleset, False


def _end(item, day):
    if item.valid_from >= day:
        if PointEntry.objects.filter(item=item).exists():
            raise Conflict(f"项目 {item.key} 在 {day} 已有记分，不能从同一天起改动", field="valid_from")
        item.delete()  # a version that never applied (it starts on the change day) is simply replaced
    else:
        RuleItem.objects.filter(pk=item.pk).update(valid_until=day)


def _in_force(ruleset, day):
    return list(ruleset.items.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=day), valid_from__lte=day)
                .order_by("key"))


def ruleset_of(village_code, year):
    return RuleSet.objects.filter(village_id=village_code, year=year).first()


def item_in_force(village_code, key, day):
    ruleset = ruleset_of(village_code, day.year)
    if ruleset is None:
        raise BadInput(f"该村还没有 {day.year} 年的积分细则", field="item")
    item = (ruleset.items.filter(key=key, valid_from__lte=day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=day)).first())
    if item is None:
        raise BadInput(f"项目 {key!r} 不在该村 {day} 生效的积分细则中", field="item")
    return item


# What the seed does not set, said where the rules are shown (seed 003 names neither a board size nor a cadence).
DEFAULTS_NOTE = ["红黑榜人数：未设定时 5 户为项目默认（工作方案 003 未规定人数）",
                 "月度评比（每月入户评比）的频次为项目默认；村积分细则另有规定的，按村规执行",
                 "本季度无任何评分记录的农户为“未评”，不上红黑榜（项目默认）"]


def rules_json(ruleset, day):
    return {"village": ruleset.village_id, "year": ruleset.year, "board_n": ruleset.board_n, "on": day.isoformat(),
            "defaults": DEFAULTS_NOTE,
            "items": [{"key": i.key, "name": i.name, "points": i.points, "kind": i.kind, "category": i.category,
                       "valid_from": i.valid_from.isoformat(),
                       "valid_until": i.valid_until.isoformat() if i.valid_until else None}
                      for i in _in_force(ruleset, day)]}


# --- the ledger --------------------------------------------------------------------------------------------


def _append(household, **fields):
    """Write an entry and move the balance, on a household row the caller holds locked."""
    entry = PointEntry.objects.create(household=household, village_id=household.village_id, **fields)
    Household.objects.filter(pk=household.pk).update(balance=F("balance") + entry.points)
    household.balance += entry.points
    return entry


def score(user, code, *, item, month=None, day=None, note="", photo=None, client_uuid=None, now=None,
          source=None, scorer_group=""):
    """Record one scored item for a household. Returns (entry, created): a retry with the same client_uuid
    returns the stored entry; a second monthly score of an item for the same month is a Conflict, whichever
    source gave it. `source` is who assessed (village staff by default, or 组组互评: then `scorer_group` names the
    villagers' group that scored, never the household's own)."""
    now = now or timezone.now()
    note = inputs.note(note)
    source = str(source or ScoreSource.CADRE)
    if source not in ScoreSource.values:
        raise BadInput(f"评分来源 source 应为 {'、'.join(ScoreSource.values)} 之一", field="source")
    scorer_group = inputs.text(scorer_group or "", "scorer_group", 50).strip()
    if source == ScoreSource.GROUP_MUTUAL and not scorer_group:
        raise BadInput("组组互评须写明打分的村民小组 scorer_group", field="scorer_group")
    if source == ScoreSource.CADRE:
        scorer_group = ""
    today = timezone.localdate(now)
    household = household_for(user, code)
    if not may_score(user, household):
        raise Forbidden("您的角色不能给该户记分")
    if client_uuid:
        try:
            client_uuid = uuid.UUID(str(client_uuid))
        except ValueError:
            raise BadInput(f"client_uuid 无效：{client_uuid!r}", field="client_uuid") from None
        existing = PointEntry.objects.filter(client_uuid=client_uuid).select_related("household").first()
        if existing:
            return _same_retry(existing, code, item, month), False
    key = str(item or "").strip()
    if not key:
        raise BadInput("请给出积分项目 item", field="item")
    if household.status != HouseholdStatus.ACTIVE:
        raise BadInput("该户已迁出，不能再记分", field="code")
    if scorer_group and scorer_group == household.group:
        raise BadInput("组组互评不能由本组给本组农户打分", field="scorer_group")
    first = None
    if month:
        first = parse_month(month)
        day = inputs.day(day) if day else min(today, last_day(first))
        if not first <= day <= last_day(first):
            raise BadInput(f"日期 {day} 不在评比月份 {first:%Y-%m} 内", field="date")
    else:
        day = inputs.day(day) if day else today
    if day > today:
        raise BadInput("日期不能晚于今天", field="date")
    rule = item_in_force(household.village_id, key, day)
    if rule.kind == ItemKind.MONTHLY and first is None:
        raise BadInput(f"项目 {key} 是月度评比项目，需要 month（YYYY-MM）", field="month")
    if rule.kind == ItemKind.OCCASIONAL:
        first = None
    stored = _store_photo(household, photo, first) if photo is not None else None
    try:
        with transaction.atomic():
            locked = household_for(user, code, lock=True)
            if locked.status != HouseholdStatus.ACTIVE:
                raise BadInput("该户已迁出，不能再记分", field="code")
            entry = _append(locked, kind=rule.kind, item_key=rule.key, item=rule, name=rule.name, points=rule.points,
                            month=first, date=day, note=note or "", actor=user, created_at=now,
                            client_uuid=client_uuid, photo=stored.image.name if stored else "", source=source,
                            scorer_group=scorer_group)
            if stored is not None:
                stored.entry = entry
                stored.save(force_insert=True)
    except IntegrityError:
        if client_uuid:
            existing = PointEntry.objects.filter(client_uuid=client_uuid).select_related("household").first()
            if existing:
                return _same_retry(existing, code, key, month), False
        if first is not None and PointEntry.objects.filter(household=household, item_key=key, month=first,
                                                           kind=EntryKind.MONTHLY).exists():
            raise Conflict(f"该户 {first:%Y-%m} 的“{rule.name}”已评过分，不能重复记分", field="item") from None
        raise
    return entry, True


def _same_retry(existing, code, item, month):
    if existing.household.code != code or existing.item_key != str(item or "").strip():
        raise Conflict("该 client_uuid 已用于另一条记分", field="client_uuid")
    return existing


def _store_photo(household, fileobj, month=None):
    """Check and clean (EXIF stripped, as for problems) a photo, store its file and run the trust checks
    (photo_checks): an unsaved EntryPhoto whose file name goes into the entry's INSERT (the ledger row is never
    updated), written by the caller under the household's lock, the EntryPhoto right after it."""
    from core.stored_photos import attach_photo

    from .models import EntryPhoto
    from .photo_checks import check_entry_photo

    row, _ = attach_photo(EntryPhoto(household=household), fileobj, name=household.pk, field="photo", save=False,
                          check=lambda r, processed: check_entry_photo(r, processed, month=month))
    return row


def entry_json(entry, request=None):
    photo = None
    if entry.photo:
        from django.urls import reverse

        photo = reverse("households:entry-photo", args=[entry.pk])
    return {"id": entry.pk, "kind": entry.kind, "item": entry.item_key or None, "name": entry.name,
            "points": entry.points, "month": entry.month.strftime("%Y-%m") if entry.month else None,
            "date": entry.date.isoformat(), "note": entry.note, "photo": photo,
            "who": entry.actor.get_full_name() or entry.actor.username if entry.actor_id else None,
            "at": entry.created_at.isoformat(), "issue": entry.issue_id, "good": entry.good_id,
            "quantity": entry.quantity, "client_uuid": str(entry.client_uuid) if entry.client_uuid else None,
            "source": entry.source, "scorer_group": entry.scorer_group or None}


def ledger(household, limit=None):
    qs = household.entries.select_related("actor").order_by("-date", "-id")
    return list(qs[:limit] if limit else qs)


# --- redemption --------------------------------------------------------------------------------------------


def create_good(user, *, village, name, price, stock):
    village = village_for(user, village)
    if not may_manage_village(user, village):
        raise Forbidden("您不能管理该村的兑换物品")
    name = str(name or "").strip()
    if not name:
        raise BadInput("请给出物品名称", field="name")
    for field, value, low in (("price", price, 1), ("stock", stock, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise BadInput(f"{field} 应为不小于 {low} 的整数：{value!r}", field=field)
    return Good.objects.create(village=village, name=name, price=price, stock=stock)


def change_good(user, pk, *, add_stock=None, active=None):
    """Restock a good (`add_stock` more on hand: added in the database, so a redemption racing with it keeps its
    own decrement) or take it off and put it back on the shelf. Returns the good as stored."""
    good = Good.objects.filter(pk=pk).select_related("village").first() if str(pk).isdigit() else None
    if good is None or not scope.touches(scope.of(user), good.village_id):
        raise NotVisible("兑换物品不存在或不在您的辖区内", field="good")
    if not may_manage_village(user, good.village):
        raise Forbidden("您不能管理该村的兑换物品")
    if add_stock is not None:
        try:
            n = inputs.number(add_stock, "add_stock", 1, 100000, integer=True)
        except BadInput:
            raise BadInput("补货数量应为 1–100000 的整数", field="add_stock") from None
        Good.objects.filter(pk=good.pk).update(stock=F("stock") + n)
    if active is not None:
        Good.objects.filter(pk=good.pk).update(active=bool(active))
    good.refresh_from_db()
    return good


def redeem(user, code, *, good, quantity=1, now=None):
    """Spend points on goods: points and stock go down together, in one transaction, under row locks on the
    household and then the good (always in that order), so two redemptions racing for the last item cannot
    both win. Neither may go below zero: Conflict."""
    now = now or timezone.now()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise BadInput(f"quantity 应为正整数：{quantity!r}", field="quantity")
    with transaction.atomic():
        household = household_for(user, code, lock=True)
        if not may_score(user, household):
            raise Forbidden("您的角色不能为该户兑换")
        if household.status != HouseholdStatus.ACTIVE:
            raise BadInput("该户已迁出，不能兑换", field="code")
        item = Good.objects.select_for_update().filter(pk=good, village_id=household.village_id,
                                                       active=True).first() if str(good).isdigit() else None
        if item is None:
            raise BadInput(f"该村没有这个兑换物品：{good!r}", field="good")
        cost = item.price * quantity
        if item.stock < quantity:
            raise Conflict(f"“{item.name}”库存不足：剩 {item.stock}，要兑 {quantity}", field="quantity",
                           stock=item.stock)
        if household.balance < cost:
            raise Conflict(f"积分不足：余额 {household.balance}，需要 {cost}", field="quantity",
                           balance=household.balance)
        Good.objects.filter(pk=item.pk).update(stock=F("stock") - quantity)
        return _append(household, kind=EntryKind.REDEMPTION, name=f"兑换 {item.name}×{quantity}", points=-cost,
                       date=timezone.localdate(now), actor=user, created_at=now, good=item, quantity=quantity)


# --- problems of the loop linked to a household -------------------------------------------------------------


def link_issue(user, code, *, issue, item):
    from patrol.models import Status
    from patrol.services import visible_issue

    household = household_for(user, code)
    if not may_score(user, household):
        raise Forbidden("您的角色不能关联该户的问题")
    try:
        issue = visible_issue(user, int(issue))
    except (TypeError, ValueError):
        raise BadInput(f"问题编号无效：{issue!r}", field="issue") from None
    if issue.village_id != household.village_id:
        raise BadInput("问题与该户不在同一个村", field="issue")
    if issue.status == Status.CLOSED:
        raise Conflict("问题已销号，不能再关联扣分", field="issue")
    item_in_force(household.village_id, str(item or ""), timezone.localdate())
    try:
        with transaction.atomic():
            return IssueLink.objects.create(issue=issue, household=household, item_key=str(item), linked_by=user)
    except IntegrityError:
        raise Conflict("该问题已关联到一户", field="issue") from None


def on_issue_transitioned(issue, action, actor, event, **_):
    """patrol.signals.issue_transitioned: a linked problem verified (销号) costs its household the item's points,
    once. Runs in the transition's transaction; a household or item that no longer qualifies is skipped (logged)
    rather than blocking the verification."""
    if action != "verify":
        return
    link = IssueLink.objects.filter(issue=issue).select_related("household").first()
    if link is None or PointEntry.objects.filter(issue=issue).exists():
        return
    day = timezone.localdate(event.at)
    try:
        with transaction.atomic():
            household = Household.objects.select_for_update().get(pk=link.household_id)
            if household.status != HouseholdStatus.ACTIVE:
                raise BadInput("该户已迁出")
            rule = item_in_force(household.village_id, link.item_key, day)
            _append(household, kind=EntryKind.ISSUE, item_key=rule.key, item=rule, name=rule.name,
                    points=rule.points, date=day, note=f"问题 #{issue.pk} 销号", actor=actor, created_at=event.at,
                    issue=issue)
    except BadInput as exc:
        log.warning("issue %s verified but household %s not charged: %s", issue.pk, link.household.code, exc.detail)


# --- boards ---------------------------------------------------------------------------------------------------


BOARD_N_NOTE = ("红黑榜各列 {n} 户：人数按本村积分细则（工作方案 003 只要求“开辟环境红黑榜、季度积分栏等模块张榜公示”，"
                "未规定人数；未设定时的 5 户为项目默认）")
UNSCORED = "未评"


def board(village_code, quarter, group=None, n=None):
    """The red and black lists of a quarter: the n households that earned most and fewest points in it
    (entries dated in the quarter; redemptions are spending, not earning, and do not count). Active households
    only. A household with no earning entry in the quarter was not assessed: it is "未评", listed apart and on
    neither list (a 0 would put it on the 黑榜 for a visit that never happened). Ties: equal points share a rank;
    order within a tie is by household code, and `ties` says where the cut falls inside a tie."""
    start, end = parse_quarter(quarter)
    if n is None:
        ruleset = ruleset_of(village_code, start.year)
        n = ruleset.board_n if ruleset else 5
    # One index range per household (household, date) rather than a join of all its entries.
    earning = (PointEntry.objects.filter(household=OuterRef("pk"), date__gte=start, date__lt=end)
               .exclude(kind=EntryKind.REDEMPTION))
    earned = earning.values("household").annotate(s=Sum("points")).values("s")
    qs = Household.objects.filter(village_id=village_code, status=HouseholdStatus.ACTIVE)
    if group:
        qs = qs.filter(group=group)
    rows = list(qs.annotate(points=Subquery(earned, output_field=IntegerField()))
                .order_by(F("points").desc(nulls_last=True), "code").values_list("code", "head", "group", "points"))
    unscored = [{"code": code, "head": mask(head), "group": grp} for code, head, grp, points in rows
                if points is None]
    rows = [r for r in rows if r[3] is not None]
    ranked, rank = [], 0
    for i, (code, head, grp, points) in enumerate(rows):
        if i == 0 or points != rows[i - 1][3]:
            rank = i + 1
        ranked.append({"code": code, "head": mask(head), "group": grp, "points": points, "rank": rank})
    red = ranked[:n]
    rest = ranked[len(red):]
    black = list(reversed(rest[-n:])) if rest else []
    return {"village": village_code, "quarter": quarter_of(start), "group": group or None, "n": n,
            "n_note": BOARD_N_NOTE.format(n=n), "households": len(ranked) + len(unscored),
            "scored": len(ranked), "unscored": unscored, "red": red, "black": black,
            "ties": _ties(ranked, red, black)}


def _ties(ranked, red, black):
    notes = []
    by_points = {}
    for r in ranked:
        by_points.setdefault(r["points"], []).append(r)
    for name, shown in (("红榜", red), ("黑榜", black)):
        if not shown:
            continue
        last = shown[-1]
        tied = by_points[last["points"]]
        outside = [r for r in tied if r not in shown]
        if outside:
            notes.append(f"{name}最后一名与 {len(outside)} 户同为 {last['points']} 分，同分按户号先后列出")
    return notes


def publish_board(user, village_code, quarter, now=None):
    """Put up a village's quarterly board (once a quarter; a repeat returns the first). `now`: when (default: now)."""
    village = village_for(user, village_code)
    if not may_manage_village(user, village):
        raise Forbidden("您不能为该村公示红黑榜")
    start, _ = parse_quarter(quarter)
    pub, _ = BoardPublication.objects.get_or_create(village=village, quarter=quarter_of(start),
                                                    defaults={"published_by": user,
                                                              "published_at": now or timezone.now()})
    return pub


# --- district supervision ----------------------------------------------------------------------------------


def supervision(user, month=None, today=None):
    """Per village in the user's area: households, how many were scored in the month, whether the quarter's board
    was published, redemptions in the quarter. A village that missed any is `behind`."""
    today = today or timezone.localdate()
    first = parse_month(month) if month else current_month(today)
    q_start, q_end = parse_quarter(quarter_of(first))
    area = scope.of(user)

    def count(qs):
        return Subquery(qs.values("village").annotate(c=Count("*")).values("c"), output_field=IntegerField())

    active = Household.objects.filter(village=OuterRef("code"), status=HouseholdStatus.ACTIVE)
    scored = (PointEntry.objects.filter(village=OuterRef("code"), month=first, kind=EntryKind.MONTHLY)
              .values("village").annotate(c=Count("household", distinct=True)).values("c"))
    redeemed = PointEntry.objects.filter(village=OuterRef("code"), kind=EntryKind.REDEMPTION,
                                         date__gte=q_start, date__lt=q_end)
    published = BoardPublication.objects.filter(village=OuterRef("code"), quarter=quarter_of(first))
    villages = (Village.objects.filter(scope.areas_q(area, "village")).select_related("town")
                .annotate(n_households=Coalesce(count(active), 0),
                          scored=Coalesce(Subquery(scored, output_field=IntegerField()), 0),
                          redemptions=Coalesce(count(redeemed), 0),
                          published_at=Subquery(published.values("published_at")[:1]))
                .order_by("code").values("code", "name", "town__name", "n_households", "scored", "redemptions",
                                         "published_at"))
    rows = []
    for v in villages:
        v["households"] = v.pop("n_households")
        v["scored_all"] = v["households"] > 0 and v["scored"] >= v["households"]
        v["published"] = v["published_at"] is not None
        v["redeemed"] = v["redemptions"] > 0
        v["behind"] = not (v["scored_all"] and v["published"] and v["redeemed"])
        rows.append(v)
    return {"month": first.strftime("%Y-%m"), "quarter": quarter_of(first), "villages": rows,
            "behind": [v for v in rows if v["behind"]]}
