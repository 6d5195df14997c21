"""Area scope: the one place where a person's area becomes a filter, a SQL condition or a yes/no.

Every person works in one area, named by a statistical division code: a district has 6 digits, a town 9, a
village 12 and a grid 15, and each code starts with its parent's. So "lies in the area" is "its code starts with
the area's code", and the area of a place at a coarser level is a prefix of its code.

An area is written here as a string: a code, "" for everywhere (a superuser without an area), or None for
nowhere (anyone else without an area). `of(user)` turns a person into that string; every other function takes
it, so callers never look at code lengths themselves.
"""
from django.db.models import Q

EVERYWHERE = ""
WIDTH = {"district": 6, "town": 9, "village": 12, "grid": 15}


def of(user):
    """The area a person sees: their code, EVERYWHERE for a superuser without one, None (nothing) otherwise."""
    code = getattr(user, "area_code", "") or ""
    if code:
        return code
    return EVERYWHERE if getattr(user, "is_superuser", False) else None


def up_to(code, level_name):
    """The code of the area at `level_name` that contains `code` (the code itself when it is that coarse)."""
    return code[:WIDTH[level_name]] if code else code


def district_of(code):
    return up_to(code, "district")


def town_of(code):
    return up_to(code, "town")


def village_of(code):
    return up_to(code, "village")


def next_code(code):
    """The first code after every code that starts with `code` (same length, so string order is numeric)."""
    return str(int(code) + 1).zfill(len(code))


def covers(area, code):
    """Does the place named by `code` lie in the area?"""
    if area is None or code is None:
        return False
    return str(code).startswith(area)


def touches(area, code):
    """Does the place lie in the area, or contain it (a grid's staff see their own village and town)?"""
    if area is None or not code:
        return False
    code = str(code)
    return code.startswith(area) or area.startswith(code)


def enclosing(area):
    """The codes of the coarser areas that contain the area (a village: its district and its town)."""
    return [area[:n] for n in WIDTH.values() if area and n < len(area)]


def covers_place(area, town_id, village_id, grid_id):
    """Does the area contain a place with these town, village and grid codes (an issue, a facility …)?"""
    if area is None:
        return False
    if area == EVERYWHERE:
        return True
    column = {6: town_id, 9: town_id, 12: village_id, 15: grid_id}.get(len(area))
    return bool(column) and column.startswith(area)


def containing_codes(town_id, village_id, grid_id):
    """The codes of every area that contains a place (district, town, village, grid): the areas whose people
    may hear about it. A person whose area_code is one of these covers the place."""
    codes = [district_of(town_id), town_id, village_id, grid_id]
    return [c for c in codes if c]


def people_covering_sql(town_id, village_id, grid_id, alias="u"):
    """SQL condition on a user table aliased `alias` for the people whose area contains a place (the set form of
    covers_place(of(user), …): their code is one of containing_codes, or they see everywhere), with its
    positional parameters."""
    return (f"({alias}.area_code = ANY(%s) OR ({alias}.area_code = %s AND {alias}.is_superuser))",
            [containing_codes(town_id, village_id, grid_id), EVERYWHERE])


def place_q(area, prefix=""):
    """Q for rows carrying town_id / village_id / grid_id (issues, facilities …) that lie in the area."""
    if area is None:
        return Q(pk__in=[])
    if area == EVERYWHERE:
        return Q()
    n = len(area)
    if n == 6:
        # A district's towns are the codes from 310112000 up to (not including) 310113000: a range the
        # (town, status) index serves, where LIKE would need an index of its own.
        return Q(**{f"{prefix}town_id__gte": area, f"{prefix}town_id__lt": next_code(area)})
    if n == 9:
        return Q(**{f"{prefix}town_id": area})
    if n == 12:
        return Q(**{f"{prefix}village_id": area})
    return Q(**{f"{prefix}grid_id": area})


def place_sql(area, alias="i"):
    """The same condition as place_q in SQL on a table aliased `alias`, with its named parameters.

    Raises ValueError for a code of no known level (callers turn it into their 400)."""
    if area is None:
        return "FALSE", {}
    if area == EVERYWHERE:
        return "TRUE", {}
    if len(area) == 6:
        return f"{alias}.town_id >= %(area)s AND {alias}.town_id < %(area_end)s", {
            "area": area, "area_end": next_code(area)}
    column = {9: "town_id", 12: "village_id", 15: "grid_id"}.get(len(area))
    if column is None:
        raise ValueError(f"区域代码无效：{area!r}")
    return f"{alias}.{column} = %(area)s", {"area": area}


def code_q(area, field="code"):
    """Q for rows whose own code (`field`) lies in the area: towns, villages, grids, plans by area code."""
    if area is None:
        return Q(pk__in=[])
    if area == EVERYWHERE:
        return Q()
    return Q(**{f"{field}__startswith": area})


def areas_q(area, level_name, field="code"):
    """Q for the areas of one level that lie in the area or contain it (a grid's staff see their village)."""
    if area is None:
        return Q(pk__in=[])
    if area == EVERYWHERE:
        return Q()
    width = WIDTH[level_name]
    if len(area) > width:
        return Q(**{field: area[:width]})
    return Q(**{f"{field}__startswith": area})


def narrowest(area, code):
    """The finer of the area and a code inside it (the area, when `code` is empty); None when they are apart."""
    if not code:
        return area
    if area is None:
        return None
    if code.startswith(area):
        return code
    if area.startswith(code):
        return area
    return None


def is_local(area, village_code):
    """Is the area the village itself, one of its grids, or its town (not the district, not everywhere)?

    Used where only the village's own and its town's staff may see something (households' names and phones)."""
    if not area or not village_code:
        return False
    village_code = str(village_code)
    if len(area) >= WIDTH["village"]:
        return area.startswith(village_code)
    return len(area) == WIDTH["town"] and village_code.startswith(area)
