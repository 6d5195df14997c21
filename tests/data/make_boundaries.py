"""Regenerate the boundary files that tests/geo/test_import_boundaries.py imports.

Run once from the project root and commit the output:  .venv/bin/python tests/data/make_boundaries.py

All shapes lie in the test geography of tests/factories.py (district 310112, lon 121.40–121.48, lat 31.10–31.12,
towns 310112102 west / 310112103 east), drawn as lon/lat boxes and projected where a file needs it.
"""
import json
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import Polygon, box

HERE = Path(__file__).resolve().parent

# code, name (珺 is in GBK but not in GB2312), lon/lat box
VILLAGES = [
    ("310112102201", "纪王村", (121.401, 31.101, 121.419, 31.119)),
    ("310112102203", "诸翟村", (121.425, 31.105, 121.435, 31.115)),
    ("310112103203", "珺园村", (121.465, 31.105, 121.475, 31.115)),
]
TOWNS = [
    ("310112102", "新虹街道", (121.40, 31.10, 121.44, 31.12)),
    ("310112104", "华漕镇", (121.40, 31.12, 121.48, 31.14)),
]
BOWTIE = [(121.402, 31.102), (121.408, 31.108), (121.408, 31.102), (121.402, 31.108), (121.402, 31.102)]
GRIDS = [
    ("310112102201001", "纪王村一网格", box(121.40, 31.10, 121.41, 31.12)),
    ("310112102201003", "纪王村三网格", Polygon(BOWTIE)),
    ("310112102202003", "乙村三网格", box(121.422, 31.102, 121.428, 31.108)),
]


def villages(crs="EPSG:4549"):
    frame = gpd.GeoDataFrame(
        {
            "XZQDM": [code for code, _, _ in VILLAGES],
            "XZQMC": [name for _, name, _ in VILLAGES],
            "XZDM": [code[:9] for code, _, _ in VILLAGES],
        },
        geometry=[box(*bounds) for _, _, bounds in VILLAGES],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def write_shapefile(frame, name, cpg=True, prj=True, ldid=0):
    """A GBK shapefile; GDAL writes a .cpg of GBK, which is kept or dropped, and the DBF LDID byte is set."""
    path = HERE / f"{name}.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    if not prj:
        path.with_suffix(".prj").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = ldid
    dbf.write_bytes(bytes(data))
    return path


def main():
    for stem in ("villages_gbk", "villages_ldid", "villages_nocpg", "villages_noprj", "villages_truncated"):
        for old in HERE.glob(f"{stem}.*"):
            old.unlink()
    frame = villages()
    write_shapefile(frame, "villages_gbk")  # (1) .cpg says GBK
    write_shapefile(frame, "villages_ldid", cpg=False, ldid=0x4D)  # (1b) only the DBF language driver says GBK
    write_shapefile(frame, "villages_nocpg", cpg=False)  # (2) nothing says the encoding
    write_shapefile(frame, "villages_noprj", prj=False)  # (6) projected metres without .prj

    # (5) a shapefile cut off in the middle of its second polygon
    shp = write_shapefile(frame, "villages_truncated")
    shp.write_bytes(shp.read_bytes()[:200])

    # (3) grids, one of them a self-intersecting bow-tie
    features = [
        {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": shape.__geo_interface__}
        for code, name, shape in GRIDS
    ]
    (HERE / "grids.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    # (5) invalid JSON
    (HERE / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "prop')

    # (4) towns in CGCS2000 / 3-degree Gauss–Krüger CM 123°E
    towns = gpd.GeoDataFrame(
        {"DM": [code for code, _, _ in TOWNS], "MC": [name for _, name, _ in TOWNS]},
        geometry=[box(*bounds) for _, _, bounds in TOWNS],
        crs="EPSG:4326",
    ).to_crs("EPSG:4550")
    (HERE / "towns.gpkg").unlink(missing_ok=True)
    pyogrio.write_dataframe(towns, HERE / "towns.gpkg", layer="towns")


if __name__ == "__main__":
    main()
