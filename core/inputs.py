"""The one input-validation layer: months, dates, codes, numbers, coordinates and geometries.

Every view, page and service that takes such a value from outside parses it here, so one bad value is one clear
BadInput (400, naming the field) and never reaches the database as a 500 or as a poisoned row:
- months and dates must fall in YEARS (a year like 0001 or 9999 overflows date arithmetic further on);
- numbers must be finite (no NaN, no ±Infinity, which JSON and float() both accept) and within their bounds;
- coordinates must be finite and lie in CHINA_BOUNDS (WGS-84 or one of the Chinese offsets);
- geometries are 2-D, finite, valid, with at most MAX_VERTICES vertices, and (for extents) near their point;
- text may not hold NUL (PostgreSQL refuses it) and may not exceed its column.
"""
import json
import math
from datetime import date

from django.contrib.gis.geos import GEOSGeometry
from rest_framework import serializers

from .errors import BadInput

YEARS = (2000, 2100)
# lon/lat box around the People's Republic of China, the South China Sea islands included.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
MAX_VERTICES = 5000
EXTENT_MAX_DISTANCE_M = 2000  # an extent must lie near (touch a circle of this radius around) its problem
EXTENT_MAX_AREA_M2 = 5_000_000  # 5 km²: a black-odour water body or a dump, not a town
MAX_CODE_LENGTH = 15
NOTE_MAX_LENGTH = 2000  # a note, a comment, an explanation (project default; a report may be longer)
NAME_MAX_LENGTH = 100  # a name or a short label


def _year_ok(value, field):
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise BadInput(f"{field} 的年份应在 {YEARS[0]} 与 {YEARS[1]} 之间：{value.isoformat()}", field=field)
    return value


def month(value, field="month"):
    """'YYYY-MM' (or a date) → the date of the month's first day."""
    if isinstance(value, date):
        return _year_ok(value.replace(day=1), field)
    try:
        y, m = str(value).split("-")
        if len(y) != 4 or not y.isdigit() or not m.isdigit():
            raise ValueError
        first = date(int(y), int(m), 1)
    except (ValueError, TypeError):
        raise BadInput(f"{field} 应为 YYYY-MM：{value!r}", field=field) from None
    return _year_ok(first, field)


def day(value, field="date"):
    """'YYYY-MM-DD' (or a date) → a date in YEARS."""
    if isinstance(value, date):
        return _year_ok(value, field)
    try:
        found = date.fromisoformat(str(value))
    except (ValueError, TypeError):
        raise BadInput(f"{field} 应为 YYYY-MM-DD 日期：{value!r}", field=field) from None
    return _year_ok(found, field)


def number(value, field, low=None, high=None, integer=False):
    """A finite number (int when `integer`) within [low, high]; booleans are no numbers."""
    if isinstance(value, bool):
        raise BadInput(f"{field} 应为数字", field=field)
    try:
        found = float(value)
    except (TypeError, ValueError, OverflowError):
        raise BadInput(f"{field} 应为数字", field=field) from None
    if not math.isfinite(found):
        raise BadInput(f"{field} 应为有限的数字（不能是 NaN 或无穷大）", field=field)
    if integer:
        if found != int(found):
            raise BadInput(f"{field} 应为整数", field=field)
        found = int(found)
    if (low is not None and found < low) or (high is not None and found > high):
        raise BadInput(f"{field} 应在 {low} 与 {high} 之间", field=field)
    return found


def lonlat(lon, lat, field="geometry"):
    """A finite (lon, lat) inside China."""
    lon, lat = number(lon, field), number(lat, field)
    west, south, east, north = CHINA_BOUNDS
    if not (west <= lon <= east and south <= lat <= north):
        raise BadInput(f"{field} 坐标不在中国境内：[{lon}, {lat}]（应为 [经度, 纬度]）", field=field)
    return lon, lat


def bbox(value, field="bbox"):
    """'minlon,minlat,maxlon,maxlat' → four finite numbers, min below max, within lon/lat range."""
    try:
        parts = [float(p) for p in str(value).split(",")]
    except ValueError:
        parts = []
    if (len(parts) != 4 or not all(math.isfinite(p) for p in parts) or parts[0] >= parts[2] or parts[1] >= parts[3]
            or not (-180 <= parts[0] and parts[2] <= 180 and -90 <= parts[1] and parts[3] <= 90)):
        raise BadInput(f"{field} 应为 minlon,minlat,maxlon,maxlat（有限数字，最小值小于最大值）", field=field)
    return parts


def code(value, field="code"):
    """An area code: digits only, at most MAX_CODE_LENGTH of them."""
    found = str(value)
    if not found.isdigit() or not found.isascii() or len(found) > MAX_CODE_LENGTH:
        raise BadInput(f"{field} 应为区划代码（不超过 {MAX_CODE_LENGTH} 位数字）：{value!r}", field=field)
    return found


def text(value, field, max_length=None):
    """A string without NUL, at most `max_length` characters."""
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise BadInput(f"{field} 含有空字符（\\x00）", field=field)
    if max_length is not None and len(value) > max_length:
        raise BadInput(f"{field} 过长（上限 {max_length} 字）", field=field)
    return value


def note(value, field="note", max_length=NOTE_MAX_LENGTH):
    """Free text from a request body: a string (or nothing), stripped, without NUL, at most `max_length`
    characters. A number or a list where text belongs is refused, not turned into its repr."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{field} 应为文字", field=field)
    return text(value.strip(), field, max_length)


def phone(value, field="phone"):
    """A phone number as ASCII: full-width digits and signs (１３８…, ＋８６) become ASCII ones (NFKC); then 7–20
    characters of digits, '+', '-' and spaces, or empty."""
    import unicodedata

    found = unicodedata.normalize("NFKC", note(value, field, 40)).strip()
    if found and not (7 <= len(found) <= 20 and all(c in "0123456789+- " for c in found)):
        raise BadInput("电话号码格式不正确", field=field)
    return found


def _coords(value):
    """Every coordinate tuple of a GeoJSON geometry's `coordinates`, however nested."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple) and item and all(not isinstance(c, list | tuple) for c in item):
            yield item
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            raise BadInput("几何坐标格式无效", field="extent")


def geometry(value, field="extent", types=("Polygon", "MultiPolygon", "LineString", "MultiLineString"),
             near=None, max_vertices=MAX_VERTICES, max_distance_m=EXTENT_MAX_DISTANCE_M,
             max_area_m2=EXTENT_MAX_AREA_M2):
    """A GeoJSON geometry (dict or string) → a valid 2-D GEOSGeometry (SRID 4326) of one of `types`.

    With `near` = (lon, lat) the geometry must come within `max_distance_m` of that point, and a polygon may
    cover at most `max_area_m2`.
    """
    try:
        data = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise BadInput(f"{field} 应为 GeoJSON 几何", field=field) from None
    if not isinstance(data, dict) or data.get("type") not in types or "coordinates" not in data:
        raise BadInput(f"{field} 应为 GeoJSON 的 {' / '.join(types)}", field=field)
    vertices = 0
    for point in _coords(data["coordinates"]):
        if len(point) != 2:
            raise BadInput(f"{field} 的坐标应为二维 [经度, 纬度]", field=field)
        lonlat(point[0], point[1], field)
        vertices += 1
        if vertices > max_vertices:
            raise BadInput(f"{field} 的顶点过多（上限 {max_vertices}）", field=field)
    try:
        geom = GEOSGeometry(json.dumps(data), srid=4326)
    except Exception as exc:
        raise BadInput(f"{field} 几何无效：{exc}", field=field) from None
    if geom.empty:
        raise BadInput(f"{field} 是空几何（没有坐标）", field=field)
    if not geom.valid:
        raise BadInput(f"{field} 应为有效的面或线（{geom.valid_reason}）", field=field)
    if near is not None:
        _near(geom, near, field, max_distance_m, max_area_m2)
    return geom


def _near(geom, point, field, max_distance_m, max_area_m2):
    # Metres, not degrees: a local azimuthal projection around the problem's point.
    lon, lat = point
    local = geom.transform(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m", clone=True)
    from django.contrib.gis.geos import Point

    if local.distance(Point(0, 0)) > max_distance_m:
        raise BadInput(f"{field} 应在问题位置 {max_distance_m} 米以内", field=field)
    if local.area > max_area_m2:
        raise BadInput(f"{field} 面积过大（上限 {max_area_m2 / 1e6:g} 平方公里）", field=field)


class FiniteFloatField(serializers.FloatField):
    """DRF's FloatField takes "NaN", "Infinity" and 1e400 (→ inf); this one answers 400."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class TextField(serializers.CharField):
    """DRF's CharField turns 5 into "5"; this one takes strings only (NUL and max_length as CharField)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DateField(serializers.DateField):
    """DRF's DateField takes any year from 1 to 9999; this one only YEARS, like inputs.day."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise serializers.ValidationError(f"年份应在 {YEARS[0]} 与 {YEARS[1]} 之间")
        return value


class LonLatField(serializers.ListField):
    """[lon, lat] (WGS-84, finite, inside China)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", FiniteFloatField())
        kwargs.setdefault("min_length", 2)
        kwargs.setdefault("max_length", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        west, south, east, north = CHINA_BOUNDS
        if not (west <= value[0] <= east and south <= value[1] <= north):
            raise serializers.ValidationError("坐标不在中国境内（应为 [经度, 纬度]）")
        return value
