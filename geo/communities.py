"""党建共同体 from a spreadsheet (plan 001: villages of a town grouped under a 共同体书记; issue 25): the one import
that `manage.py import_communities`, the page /assessment/communities/ and the tests use.

Columns 共同体名称, 共同体书记, 行政村代码, one row per village (.xlsx, or .csv; read with core.spreadsheets). A
community is a town's (geo.Community): its villages must lie in one town, and it is found again by its name in that
town, so importing a file again never makes a second one. For each community the file names, its villages become
exactly the rows given: a village listed joins it (leaving the community it was in), a village no longer listed
leaves it. Communities the file does not name are left as they are. A 共同体书记 given replaces the stored one; a
community whose rows all leave it blank keeps the one it has.

The whole file is checked first and stored in one transaction: a bad file changes nothing, and each of its errors
names the row and the column (an empty name, an unknown village code, a village outside the importer's district, a
village listed twice, two secretaries for one community, its villages in two towns).
"""
from dataclasses import dataclass, field

from django.db import transaction

from core import inputs
from core.errors import BadInput, Forbidden
from core.spreadsheets import UpsertResult, cell_text, match_columns, read_table

from . import scope
from .models import Community, Town, Village, level_of

COLUMNS = {
    "name": ("共同体名称", "党建共同体", "名称", "name"),
    "secretary": ("共同体书记", "书记", "secretary"),
    "village": ("行政村代码", "村代码", "village"),
}
NAME_MAX = Community._meta.get_field("name").max_length
SECRETARY_MAX = Community._meta.get_field("secretary").max_length


@dataclass
class CommunityImport(UpsertResult):
    """What an import did (or, with errors, why it did nothing): the counts of an upsert by name, and how many
    villages moved; each error also names its column."""

    villages_moved: int = 0

    @property
    def summary(self):
        if self.errors:
            return f"未导入：文件有 {len(self.errors)} 处错误，未做任何修改"
        return (f"共 {self.total} 行：新建共同体 {self.created} 个，更新 {self.updated} 个，未变 {self.unchanged} 个；"
                f"{self.villages_moved} 个村调整了所属共同体")


def may_import(user):
    """Communities are set for a district: by someone whose area is a district (or everywhere)."""
    area = scope.of(user)
    return area == scope.EVERYWHERE or level_of(area) == "district"


@dataclass
class _Group:
    town: str
    name: str
    first_row: int = 0
    secretary: str = ""
    secretary_row: int = 0
    villages: list = field(default_factory=list)


def _read(content, filename):
    headers, body = read_table(content, filename)
    cols, missing = match_columns(headers, COLUMNS, tuple(COLUMNS))
    if missing:
        raise BadInput(f"缺少必需的列：{'、'.join(missing)}（列：{'、'.join(c[0] for c in COLUMNS.values())}，"
                       "每个村一行）", field="file")
    if not body:
        raise BadInput("文件中没有数据行", field="file")
    return headers, body, cols


def check(user, content, filename):
    """(result with the rows' errors, {name: group}) of a file, storing nothing."""
    area = scope.of(user)
    headers, body, cols = _read(content, filename)
    result = CommunityImport(headers=headers, total=len(body))

    def get(values, key):
        i = cols[key]
        return cell_text(values[i]) if i < len(values) else ""

    wanted = {get(values, "village") for _, values in body}
    villages = {v.code: v for v in Village.objects.filter(code__in=wanted - {""})}
    groups, listed = {}, {}
    for row, values in body:
        def bad(key, reason, row=row, values=values):
            label = COLUMNS[key][0]
            result.errors.append({"row": row, "column": label, "reason": f"“{label}”列：{reason}",
                                  "values": list(values)})

        name, secretary, code = get(values, "name"), get(values, "secretary"), get(values, "village")
        ok = True
        try:
            inputs.text(name, COLUMNS["name"][0], NAME_MAX)
        except BadInput as exc:
            bad("name", exc.detail)
            ok = False
        if not name:
            bad("name", "共同体名称为空")
            ok = False
        try:
            inputs.text(secretary, COLUMNS["secretary"][0], SECRETARY_MAX)
        except BadInput as exc:
            bad("secretary", exc.detail)
            ok = False
        village = villages.get(code)
        if not code:
            bad("village", "行政村代码为空")
            ok = False
        elif village is None:
            bad("village", f"行政村代码 {code} 不存在")
            ok = False
        elif not scope.covers(area, code):
            bad("village", f"行政村 {code}（{village.name}）不在您所在的区内")
            ok = False
        elif code in listed:
            bad("village", f"行政村 {code}（{village.name}）已在第 {listed[code]} 行列出：一个村只属于一个共同体")
            ok = False
        if not ok:
            continue
        group = groups.setdefault(name, _Group(village.town_id, name, first_row=row))
        if village.town_id != group.town:
            bad("village", f"行政村 {code}（{village.name}）与第 {group.first_row} 行的村不在同一街镇："
                           "一个共同体的村须在同一街镇")
            continue
        listed[code] = row
        if secretary:
            if group.secretary and group.secretary != secretary:
                bad("secretary", f"与第 {group.secretary_row} 行给“{name}”的共同体书记“{group.secretary}”不同")
                continue
            group.secretary, group.secretary_row = group.secretary or secretary, group.secretary_row or row
        group.villages.append(code)
    return result, groups


def import_file(user, content, filename):
    """Import a file of 党建共同体 for the importer's district (see the module): a CommunityImport; with errors, nothing
    is stored. DomainError (field `file`) for a file that cannot be read at all."""
    if not may_import(user):
        raise Forbidden("只有区级工作人员可以导入党建共同体", field="file")
    result, groups = check(user, content, filename)
    if result.errors:
        return result
    with transaction.atomic():
        # One import at a time per town: its communities are found by name and created when missing.
        list(Town.objects.select_for_update().filter(code__in={g.town for g in groups.values()}).order_by("code"))
        moved = set()
        for g in groups.values():
            community = Community.objects.filter(town_id=g.town, name=g.name).first()
            created = changed = community is None
            if created:
                community = Community.objects.create(town_id=g.town, name=g.name, secretary=g.secretary)
            elif g.secretary and community.secretary != g.secretary:
                community.secretary = g.secretary
                community.save(update_fields=["secretary"])
                changed = True
            # Every village is in the community's town (the group's key), as Village.clean asks.
            left = list(Village.objects.filter(community=community).exclude(code__in=g.villages)
                        .values_list("code", flat=True))
            joined = list(Village.objects.filter(code__in=g.villages).exclude(community=community)
                          .values_list("code", flat=True))
            Village.objects.filter(code__in=left).update(community=None)
            Village.objects.filter(code__in=joined).update(community=community)
            moved.update(left, joined)
            if created:
                result.created += 1
            elif changed or left or joined:
                result.updated += 1
            else:
                result.unchanged += 1
    result.villages_moved = len(moved)
    return result
