"""Register and edit one facility from the /facilities/ page: the import's rules (facilities.imports) for one row.

The same checks as a row of the import: the code's shape and uniqueness, a known kind, operator and status, a
location inside a village of the person's area (the village, grid and town are found from the point, never typed).
Who: district and town staff in their area; a service company (operator) for its own facilities, registered in
its own name (in its area when its account has one). A code another facility has is refused."""
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from core import inputs
from core.errors import BadInput, Forbidden, NotVisible
from geo import scope
from geo.lookup import locate

from .models import Facility, FacilityStatus, Kind, Operator
from .querysets import is_operator

EDITORS = {Role.DISTRICT, Role.TOWN, Role.OPERATOR, Role.ADMIN}
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def may_edit(user):
    return user.is_superuser or user.role in EDITORS


def editable(user, pk):
    """The facility `pk` if the person may edit it (NotVisible otherwise, the same as one that does not exist)."""
    found = Facility.objects.for_user(user).filter(pk=pk).first()
    if found is None or not may_edit(user):
        raise NotVisible("设施不存在或不在您的辖区内")
    return found


def save_facility(user, data, pk=None):
    """Create (pk None) or change a facility from a dict of form values; returns (facility, created).

    data: code, kind, name, lon, lat, household, operator, status, upkeep_days (strings as a form sends them).
    BadInput names the field that is wrong."""
    if not may_edit(user):
        raise Forbidden("您的角色不能登记设施")
    old = editable(user, pk) if pk is not None else None
    code = inputs.text(data.get("code", ""), "code", 40).strip()
    if not code or not set(code) <= CODE_CHARS:
        raise BadInput("编码无效：只能用字母、数字、_ . -，最多 40 位", field="code")
    kind = data.get("kind", "")
    if not Kind.objects.filter(code=kind).exists():
        raise BadInput("请选择设施类型", field="kind")
    name = inputs.text(data.get("name", ""), "name", 100).strip()
    household = inputs.text(data.get("household", ""), "household", 60).strip()
    if data.get("lon") in (None, "") or data.get("lat") in (None, ""):
        raise BadInput("请在地图上点选设施的位置", field="location")
    lon = inputs.number(data.get("lon"), "location", -180, 180)
    lat = inputs.number(data.get("lat"), "location", -90, 90)
    status = data.get("status") or FacilityStatus.IN_USE
    if status not in FacilityStatus.values:
        raise BadInput("状态无效", field="status")
    upkeep = data.get("upkeep_days") or None
    if upkeep is not None:
        try:
            upkeep = int(inputs.number(upkeep, "upkeep_days", 1, 3650, integer=True))
        except BadInput:
            raise BadInput("管护周期应为 1 到 3650 之间的天数", field="upkeep_days") from None
    operator = data.get("operator") or None
    if is_operator(user):
        operator = user.operator_code  # a company registers and keeps its own facilities
    elif operator is not None and not Operator.objects.filter(code=operator).exists():
        raise BadInput("服务运营公司不存在", field="operator")
    place = locate(lon, lat)
    village, grid, town = place["village"], place["grid"], place["town"]
    if village is None:
        raise BadInput("该位置不在任何行政村内：请在地图上重新点选", field="location")
    area = scope.of(user)
    # A company without an area of its own works wherever its facilities are (its own facilities only).
    company_anywhere = is_operator(user) and area is None
    if not company_anywhere and not scope.covers_place(area, town.code, village.code, grid.code if grid else ""):
        raise BadInput("该位置不在您的辖区内", field="location")
    values = {"code": code, "kind_id": kind, "name": name, "household": household, "operator_id": operator,
              "upkeep_days": upkeep, "location": Point(lon, lat, srid=4326), "town_id": town.code,
              "village_id": village.code, "grid_id": grid.code if grid else None}
    try:
        with transaction.atomic():
            if old is None:
                facility = Facility.objects.create(
                    status=status, status_since=timezone.now() if status != FacilityStatus.IN_USE else None, **values)
                return facility, True
            facility = Facility.objects.select_for_update().get(pk=old.pk)
            if facility.status != status:
                facility.status, facility.status_since = status, timezone.now()
            for key, value in values.items():
                setattr(facility, key, value)
            facility.save()
            return facility, False
    except IntegrityError:
        if old is None:
            stored = _same_registration(code, values, status)
            if stored is not None:
                return stored, False  # the same registration sent again (a retry): the stored facility
        raise BadInput(f"编码 {code} 已被其他设施使用", field="code") from None


def _same_registration(code, values, status):
    """The facility stored under `code` when it is the one these values describe (a retried registration), else
    None. The code is the facility's key (一厕一码): a second, different facility under it is refused."""
    stored = Facility.objects.filter(code=code).first()
    if stored is None or stored.status != status:
        return None
    point = values["location"]
    same_place = abs(stored.location.x - point.x) < 1e-7 and abs(stored.location.y - point.y) < 1e-7
    same_fields = all(getattr(stored, key) == value for key, value in values.items() if key != "location")
    return stored if same_place and same_fields else None
