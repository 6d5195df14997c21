"""Import area boundaries from a Shapefile, GeoJSON or GeoPackage (used by `import_boundaries` and the admin).

A file is read, checked and written as a whole, in one transaction: any problem raises BoundaryImportError with a
message in Chinese and English and changes nothing. Rows are upserted by code and linked to their parent area.

* Coordinates are reprojected to WGS-84 (EPSG:4326) from the file's CRS; CGCS2000 (EPSG:4490) counts as WGS-84.
  A file without a CRS must either look like lon/lat or be given one (`srs`, which also overrides a .prj).
* Shapefile text is decoded by the .cpg file, else the DBF language driver byte, else `encoding`; non-ASCII text
  with none of these is refused rather than stored as mojibake. GDAL is asked for Latin-1, which maps every byte
  to one character, and the bytes are decoded here strictly.
* Invalid polygons are repaired (make_valid, polygonal parts only) and reported.
"""
import codecs
import math
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import shapely
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import DataError, IntegrityError, transaction
from pyproj import CRS
from pyproj.exceptions import CRSError

from . import scope
from .lookup import rebuild_pieces
from .models import AREA_MODELS, CODE_LENGTH

LEVELS = tuple(CODE_LENGTH)
PARENT = {"town": "district", "village": "town", "grid": "village"}
CODE_FIELDS = ("code", "dm", "xzqdm", "cun_dm", "cundm", "wgdm", "wg_dm")
NAME_FIELDS = ("name", "mc", "xzqmc", "cun_mc", "cunmc", "wgmc", "wg_mc")
LDID_ENCODINGS = {0x4D: "gb18030", 0x7A: "gb18030"}  # DBF language driver ids for GBK / code page 936
SUFFIXES = (".shp", ".geojson", ".json", ".gpkg")
NAME_MAX = 100
PROGRESS_EVERY = 500


class BoundaryImportError(Exception):
    """The file cannot be imported; the message says why, in Chinese and English."""


@dataclass
class ImportReport:
    level: str
    total: int = 0
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    repaired: list = field(default_factory=list)
    source_crs: str = ""
    encoding: str | None = None
    dry_run: bool = False

    def summary(self):
        source = f"源坐标系 / source CRS {self.source_crs}"
        if self.encoding:
            source += f", 编码 / encoding {self.encoding}"
        lines = [
            f"{self.level}: 新建 / created {len(self.created)}, 更新 / updated {len(self.updated)} ({source})",
            f"已修复 / repaired {len(self.repaired)}" + (": " + ", ".join(self.repaired) if self.repaired else ""),
        ]
        if self.dry_run:
            lines.append("试运行，未写入任何数据 / dry run: nothing was written")
        return "\n".join(lines)


def import_boundaries(
    path, level, code_field=None, name_field=None, parent_field=None, encoding=None, srs=None, dry_run=False,
    progress=None,
):
    """Upsert the areas of one level from a boundary file; returns an ImportReport or raises BoundaryImportError."""
    if level not in CODE_LENGTH:
        raise BoundaryImportError(f"未知层级 / unknown level {level!r}; 可用 / use one of {', '.join(LEVELS)}")
    if parent_field and level == "district":
        raise BoundaryImportError("区没有上级，不能用 --parent-field / districts have no parent: drop --parent-field")
    path = Path(path)
    if not path.is_file():
        raise BoundaryImportError(f"文件不存在 / file not found: {path}")
    if path.suffix.lower() not in SUFFIXES:
        raise BoundaryImportError(f"不支持的文件类型 / unsupported file type {path.suffix!r}; 可用 / use {SUFFIXES}")

    frame, used_encoding = read_frame(path, encoding)
    if frame.empty:
        raise BoundaryImportError(f"{path.name}: 文件中没有要素 / the file holds no features")
    code_col = _pick_field(frame, code_field, CODE_FIELDS, "代码 / code", "--code-field")
    name_col = _pick_field(frame, name_field, NAME_FIELDS, "名称 / name", "--name-field")
    parent_col = _pick_field(frame, parent_field, (), "上级 / parent", "--parent-field") if parent_field else None
    for i, (code, geom) in enumerate(zip(frame[code_col], frame.geometry, strict=True), start=1):
        if geom is None or geom.is_empty:
            raise BoundaryImportError(
                f"第 {i} 行（代码 {_code(code)}）没有几何图形（文件可能已损坏）/ "
                f"row {i} (code {_code(code)}) has an empty or missing geometry (damaged file?)"
            )
    frame, source_crs = frame_to_wgs84(frame, srs)

    n = CODE_LENGTH[level]
    report = ImportReport(level, total=len(frame), source_crs=source_crs, encoding=used_encoding, dry_run=dry_run)
    rows, seen = [], set()
    parents = frame[parent_col] if parent_col else [None] * len(frame)
    for i, (code, name, geom, parent) in enumerate(
        zip(frame[code_col], frame[name_col], frame.geometry, parents, strict=True), start=1
    ):
        code, name, where = _code(code), _text(name), f"第 {i} 行 / row {i}"
        if not (code.isdigit() and len(code) == n):
            raise BoundaryImportError(
                f"{where}: 代码 {code!r} 不是 {n} 位数字 / code {code!r} is not {n} digits (level {level})"
            )
        if code in seen:
            raise BoundaryImportError(f"{where}: 代码 {code} 重复 / code {code} appears twice")
        seen.add(code)
        if not name or len(name) > NAME_MAX:
            raise BoundaryImportError(
                f"{where}（代码 {code}）: 名称为空或超过 {NAME_MAX} 字 / name is empty or longer than {NAME_MAX}"
            )
        geom, repaired = _multipolygon(geom, f"{where}（代码 {code} / code {code}）")
        if repaired:
            report.repaired.append(code)
        rows.append({"row": i, "code": code, "name": name, "geom": geom, "parent": _code(parent) or None})

    model, parent_level = AREA_MODELS[level], PARENT.get(level)
    try:
        with transaction.atomic():
            if parent_level:
                _link_parents(rows, level, parent_level)
            existing = set(model.objects.filter(code__in=seen).values_list("code", flat=True))
            objs = [
                model(
                    code=r["code"], name=r["name"], boundary=GEOSGeometry(shapely.to_wkb(r["geom"], hex=True), 4326),
                    **({f"{parent_level}_id": r["parent"]} if parent_level else {}),
                )
                for r in rows
            ]
            update_fields = ["name", "boundary"] + ([parent_level] if parent_level else [])
            for start in range(0, len(objs), PROGRESS_EVERY):
                model.objects.bulk_create(
                    objs[start : start + PROGRESS_EVERY],
                    update_conflicts=True, unique_fields=["code"], update_fields=update_fields,
                )
                if progress:
                    progress(min(start + PROGRESS_EVERY, len(objs)), len(objs))
            rebuild_pieces(level, [r["code"] for r in rows])
            if dry_run:
                transaction.set_rollback(True)
    except (IntegrityError, DataError) as e:
        raise BoundaryImportError(f"数据库拒绝写入 / the database refused the rows: {e}") from e
    report.created = [r["code"] for r in rows if r["code"] not in existing]
    report.updated = [r["code"] for r in rows if r["code"] in existing]
    return report


def read_frame(path, encoding):
    """(GeoDataFrame, encoding used) with text decoded; shapefiles are decoded here, other formats are UTF-8."""
    wanted = _codec(encoding, "--encoding") if encoding else None
    shapefile = path.suffix.lower() == ".shp"
    try:
        frame = pyogrio.read_dataframe(path, encoding="ISO-8859-1" if shapefile else None)
    except (RuntimeError, ValueError, OSError) as e:  # pyogrio's errors are RuntimeErrors
        raise BoundaryImportError(f"无法读取文件 {path.name} / cannot read {path.name}: {e}") from e
    if not shapefile:
        return frame, None
    used = _shapefile_encoding(path) or wanted

    def decode(text, where):
        if not isinstance(text, str) or text.isascii():
            return text
        if not used:
            raise BoundaryImportError(
                f"{path.name}: DBF 含有非 ASCII 文字，但既没有 .cpg 文件，DBF 语言驱动字节也没有说明编码；"
                "请用 --encoding GBK（或 GB18030、UTF-8）指定 / the DBF holds non-ASCII text but neither a .cpg file "
                "nor the DBF language driver byte says its encoding: give it, e.g. --encoding GBK"
            )
        try:
            return text.encode("latin-1").decode(used)
        except UnicodeError as e:
            raise BoundaryImportError(f"{where}: 文字不是有效的 {used} / text is not valid {used}") from e

    geometry = frame.geometry.name
    frame = frame.rename(columns={c: decode(c, f"字段名 / field name {c!r}") for c in frame.columns})
    for col in frame.columns:
        if col != geometry and frame[col].dtype.kind == "O":  # object or string columns
            frame[col] = [decode(v, f"第 {i} 行 / row {i}, {col}") for i, v in enumerate(frame[col], start=1)]
    return frame, used


def _shapefile_encoding(path):
    """The encoding the .cpg file or else the DBF language driver byte declares (None when neither does)."""
    for suffix in (".cpg", ".CPG"):
        cpg = path.with_suffix(suffix)
        if cpg.is_file():
            name = cpg.read_bytes().decode("ascii", "replace").strip()
            if name:
                return _codec(name, cpg.name)
    for suffix in (".dbf", ".DBF"):
        dbf = path.with_suffix(suffix)
        if dbf.is_file():
            with dbf.open("rb") as f:
                header = f.read(32)
            return LDID_ENCODINGS.get(header[29]) if len(header) > 29 else None
    return None


def _codec(name, source):
    """A Python codec for an encoding name (.cpg style code page numbers too); GBK and GB2312 read as GB18030."""
    key = name.strip().upper().removeprefix("ANSI ").strip()
    if key.isdigit():
        key = {"65001": "utf-8", "936": "gb18030", "54936": "gb18030"}.get(key, f"cp{key}")
    try:
        codec = codecs.lookup(key).name
    except LookupError:
        raise BoundaryImportError(f"{source}: 未知编码 / unknown encoding {name!r}") from None
    return "gb18030" if codec in ("gbk", "gb2312") else codec


def _pick_field(frame, wanted, candidates, what, option):
    columns = [c for c in frame.columns if c != frame.geometry.name]
    by_lower = {c.lower(): c for c in reversed(columns)}
    if wanted:
        if wanted in columns or wanted.lower() in by_lower:
            return wanted if wanted in columns else by_lower[wanted.lower()]
        raise BoundaryImportError(
            f"找不到字段 {wanted!r} / field {wanted!r} not found; 可用字段 / available fields: {', '.join(columns)}"
        )
    for name in candidates:
        if name in by_lower:
            return by_lower[name]
    raise BoundaryImportError(
        f"找不到{what}字段（试过 / tried {', '.join(candidates)}），请用 {option} 指定 / no {what} field: "
        f"give {option}; 可用字段 / available fields: {', '.join(columns)}"
    )


def _code(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _text(value):
    return _code(value) if not isinstance(value, str) else value.strip()


def _lonlat(bounds):
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def frame_to_wgs84(frame, srs):
    """(the frame in WGS-84, its source CRS as text): `srs` overrides the file's own; a file without one must
    already be longitude/latitude. Raises BoundaryImportError."""
    if srs:
        try:
            frame = frame.set_crs(CRS.from_user_input(srs), allow_override=True)
        except CRSError as e:
            raise BoundaryImportError(f"--srs {srs}: 无法识别的坐标系 / unknown coordinate system ({e})") from e
    elif frame.crs is None:
        if not _lonlat(frame.total_bounds):
            raise BoundaryImportError(
                "文件没有坐标系（无 .prj），坐标也不像经纬度；请用 --srs 指定，如 --srs EPSG:4549 / the file has no "
                "coordinate system (no .prj) and its coordinates are not longitude/latitude: give --srs, e.g. EPSG:4549"
            )
        frame = frame.set_crs(4326)
    epsg = frame.crs.to_epsg()
    source = f"EPSG:{epsg}" if epsg else frame.crs.name
    if epsg == 4490:  # CGCS2000 and WGS-84 differ by centimetres
        frame = frame.set_crs(4326, allow_override=True)
    frame = frame.to_crs(4326)
    if not _lonlat(frame.total_bounds):
        raise BoundaryImportError(
            f"从 {source} 转换后的坐标不是合理的经纬度，请检查 .prj 或 --srs / coordinates converted from {source} "
            "are not valid longitude/latitude: check the .prj or --srs"
        )
    return frame, source


def _multipolygon(geom, where):
    """(MultiPolygon, repaired?) for a polygonal geometry; invalid ones are repaired, keeping their polygonal parts."""
    geom = shapely.force_2d(geom)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise BoundaryImportError(f"{where}: 不是面 / not a polygon but a {geom.geom_type}")
    repaired = not geom.is_valid
    if repaired:
        fixed = shapely.make_valid(geom)
        geom = shapely.MultiPolygon(
            [p for part in shapely.get_parts(fixed) for p in shapely.get_parts(part) if p.geom_type == "Polygon"]
        )
        if geom.is_empty or not geom.is_valid:
            raise BoundaryImportError(f"{where}: 面无效且无法修复 / invalid polygon that cannot be repaired")
    elif geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom, repaired


def _link_parents(rows, level, parent_level):
    """Set each row's parent: the parent field, else the code prefix when that area exists, else containment."""
    parent_model, n = AREA_MODELS[parent_level], CODE_LENGTH[parent_level]
    wanted = {r["parent"] or r["code"][:n] for r in rows}
    existing = set(parent_model.objects.filter(code__in=wanted).values_list("code", flat=True))
    for r in rows:
        where = f"第 {r['row']} 行 / row {r['row']}（代码 / code {r['code']}）"
        if r["parent"]:
            if r["parent"] not in existing:
                raise BoundaryImportError(f"{where}: 上级 {r['parent']} 不存在 / parent {r['parent']} does not exist")
        elif r["code"][:n] in existing:
            r["parent"] = r["code"][:n]
        elif level != "grid":  # a grid's code must start with its village's, so containment cannot help
            point = r["geom"].representative_point()
            r["parent"] = (
                parent_model.objects.filter(boundary__intersects=Point(point.x, point.y, srid=4326))
                .order_by("code").values_list("code", flat=True).first()
            )
        if not r["parent"]:
            raise BoundaryImportError(
                f"{where}: 上级{parent_model._meta.verbose_name} {r['code'][:n]} 不存在，也没有上级区域包含它；"
                f"请先导入 --level {parent_level} / parent {parent_level} {r['code'][:n]} does not exist and no "
                f"{parent_level} contains the feature: import --level {parent_level} first"
            )
        if level == "grid" and not scope.covers(r["parent"], r["code"]):
            raise BoundaryImportError(
                f"{where}: 网格代码必须以所属行政村代码 {r['parent']} 开头 / a grid code must start with its village's "
                f"code {r['parent']}"
            )
