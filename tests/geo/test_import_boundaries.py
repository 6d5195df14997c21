"""import_boundaries: formats, CRS, DBF encodings, repairs, parent links, one transaction (data: tests/data)."""
import json
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import box

from geo.importers import BoundaryImportError, import_boundaries
from geo.models import BoundaryPiece, District, Grid, Town, Village

DATA = Path(__file__).parent.parent / "data"
NAMES = {"310112102201": "纪王村", "310112102203": "诸翟村", "310112103203": "珺园村"}
CENTRES = {"310112102201": (121.41, 31.11), "310112102203": (121.43, 31.11), "310112103203": (121.47, 31.11)}
NEAR = 3e-5  # degrees, about 3 m
SMALL = box(121.41, 31.10, 121.42, 31.11)


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_boundaries", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot(model):
    return [(a.code, a.name, a.boundary.wkb.hex()) for a in model.objects.order_by("code")]


def write_geojson(path, features):
    """features: (properties, geometry or None) pairs."""
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": props, "geometry": geom.__geo_interface__ if geom else None}
                    for props, geom in features
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def assert_villages_imported():
    for code, name in NAMES.items():
        village = Village.objects.get(code=code)
        assert village.name == name
        assert village.town_id == code[:9]
        centre = village.boundary.centroid
        assert abs(centre.x - CENTRES[code][0]) < NEAR and abs(centre.y - CENTRES[code][1]) < NEAR
    assert BoundaryPiece.objects.filter(level="village", code="310112103203").exists()


@pytest.mark.django_db
def test_gbk_shapefile_with_cpg_in_gauss_kruger_120(geography):
    out, err = run(DATA / "villages_gbk.shp", "--level", "village")
    assert_villages_imported()
    assert "created 2" in out and "updated 1" in out and "EPSG:4549" in out
    assert "3/3" in err
    assert Village.objects.count() == 6


@pytest.mark.django_db
def test_gbk_shapefile_with_language_driver_byte(geography):
    run(DATA / "villages_ldid.shp", "--level", "village")
    assert_villages_imported()


@pytest.mark.django_db
def test_shapefile_without_declared_encoding_needs_encoding_option(geography):
    before = snapshot(Village)
    with pytest.raises(CommandError, match="--encoding GBK"):
        run(DATA / "villages_nocpg.shp", "--level", "village")
    assert snapshot(Village) == before
    run(DATA / "villages_nocpg.shp", "--level", "village", "--encoding", "GBK")
    assert_villages_imported()


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_ascii_shapefile_without_declared_encoding_is_fine(geography, tmp_path):
    shape = box(121.41, 31.1, 121.42, 31.11)
    frame = gpd.GeoDataFrame({"code": ["310112102209"], "name": ["Jiwang"]}, geometry=[shape])
    pyogrio.write_dataframe(frame, tmp_path / "ascii.shp")  # no CRS: .prj-less lon/lat counts as EPSG:4326
    assert not (tmp_path / "ascii.prj").exists()
    (tmp_path / "ascii.cpg").unlink(missing_ok=True)
    run(tmp_path / "ascii.shp", "--level", "village")
    village = Village.objects.get(code="310112102209")
    assert village.name == "Jiwang" and village.boundary.extent == pytest.approx((121.41, 31.1, 121.42, 31.11))


@pytest.mark.django_db
def test_projected_file_without_prj_needs_srs(geography):
    with pytest.raises(CommandError, match="--srs"):
        run(DATA / "villages_noprj.shp", "--level", "village")
    assert not Village.objects.filter(code="310112102203").exists()
    run(DATA / "villages_noprj.shp", "--level", "village", "--srs", "EPSG:4549")
    assert_villages_imported()


@pytest.mark.django_db
def test_geojson_grids_with_bow_tie_repaired(geography):
    out, _ = run(DATA / "grids.geojson", "--level", "grid")
    assert "repaired 1: 310112102201003" in out
    bow_tie = Grid.objects.get(code="310112102201003")
    assert bow_tie.name == "纪王村三网格" and bow_tie.boundary.valid and len(bow_tie.boundary) == 2
    assert bow_tie.boundary.area == pytest.approx(0.006 * 0.006 / 2)
    assert bow_tie.village_id == "310112102201"
    assert Grid.objects.get(code="310112102201001").name == "纪王村一网格"  # updated
    assert BoundaryPiece.objects.filter(level="grid", code="310112102201003").count() == 2


@pytest.mark.django_db
def test_geopackage_towns_in_gauss_kruger_123(geography):
    out, _ = run(DATA / "towns.gpkg", "--level", "town")
    assert "EPSG:4550" in out and "created 1" in out and "updated 1" in out
    town = Town.objects.get(code="310112104")
    assert town.name == "华漕镇" and town.district_id == "310112"
    centre = town.boundary.centroid
    assert abs(centre.x - 121.44) < NEAR and abs(centre.y - 31.13) < NEAR
    assert Town.objects.get(code="310112102").name == "新虹街道"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["broken.geojson", "villages_truncated.shp"])
def test_broken_file_exits_non_zero_and_changes_nothing(geography, name):
    before = snapshot(Village)
    with pytest.raises(CommandError, match="cannot read|missing geometry"):
        run(DATA / name, "--level", "village")
    assert snapshot(Village) == before


@pytest.mark.django_db
def test_one_bad_row_changes_nothing_and_names_the_row(geography, tmp_path):
    path = write_geojson(
        tmp_path / "v.geojson",
        [
            ({"code": "310112102209", "name": "好村"}, box(121.41, 31.10, 121.42, 31.11)),
            ({"code": "31011210221", "name": "坏村"}, box(121.42, 31.10, 121.43, 31.11)),
        ],
    )
    with pytest.raises(CommandError, match=r"row 2.*'31011210221' is not 12 digits"):
        run(path, "--level", "village")
    assert not Village.objects.filter(code="310112102209").exists()


@pytest.mark.django_db
def test_empty_geometry_refused_naming_row(geography, tmp_path):
    path = write_geojson(tmp_path / "v.geojson", [({"code": "310112102209", "name": "空村"}, None)])
    with pytest.raises(CommandError, match="row 1 .code 310112102209. has an empty or missing geometry"):
        run(path, "--level", "village")


@pytest.mark.django_db
def test_missing_fields_are_named(geography, tmp_path):
    path = write_geojson(tmp_path / "v.geojson", [({"bm": "310112102209", "mingcheng": "村"}, SMALL)])
    with pytest.raises(CommandError, match="available fields: bm, mingcheng"):
        run(path, "--level", "village")
    with pytest.raises(CommandError, match="field 'dm' not found.*bm, mingcheng"):
        run(path, "--level", "village", "--code-field", "dm")
    run(path, "--level", "village", "--code-field", "bm", "--name-field", "mingcheng")
    assert Village.objects.get(code="310112102209").name == "村"


@pytest.mark.django_db
def test_dry_run_writes_nothing(geography):
    before = snapshot(Village), BoundaryPiece.objects.count()
    out, _ = run(DATA / "villages_gbk.shp", "--level", "village", "--dry-run")
    assert "created 2" in out and "dry run" in out
    assert (snapshot(Village), BoundaryPiece.objects.count()) == before


@pytest.mark.django_db
def test_running_twice_gives_the_same_rows(geography):
    run(DATA / "villages_gbk.shp", "--level", "village")
    first = snapshot(Village)
    report = import_boundaries(DATA / "villages_gbk.shp", "village")
    assert snapshot(Village) == first
    assert report.created == [] and len(report.updated) == 3
    assert BoundaryPiece.objects.filter(level="village", code="310112102201").count() == 1


@pytest.mark.django_db
def test_parent_by_field(geography):
    run(DATA / "villages_gbk.shp", "--level", "village", "--parent-field", "XZDM")
    assert_villages_imported()
    with pytest.raises(CommandError, match="field 'TOWN' not found.*XZQDM, XZQMC, XZDM"):
        run(DATA / "villages_gbk.shp", "--level", "village", "--parent-field", "TOWN")


@pytest.mark.django_db
def test_parent_by_containment_else_refused(geography, tmp_path):
    inside = write_geojson(tmp_path / "in.geojson", [({"dm": "310199001", "mc": "外来镇"}, SMALL)])
    run(inside, "--level", "town")
    assert Town.objects.get(code="310199001").district_id == "310112"
    far = box(100, 30, 100.1, 30.1)
    outside = write_geojson(tmp_path / "out.geojson", [({"dm": "310199002", "mc": "远方镇"}, far)])
    with pytest.raises(CommandError, match="parent district 310199 does not exist"):
        run(outside, "--level", "town")
    assert not Town.objects.filter(code="310199002").exists()


@pytest.mark.django_db
def test_grid_needs_its_village(geography, tmp_path):
    path = write_geojson(tmp_path / "g.geojson", [({"code": "310112102299001", "name": "网格"}, SMALL)])
    with pytest.raises(CommandError, match="parent village 310112102299 does not exist"):
        run(path, "--level", "grid")


@pytest.mark.django_db
def test_district_level_and_cgcs2000_geographic(db, tmp_path):
    shape = box(121.3, 31.3, 121.5, 31.5)
    frame = gpd.GeoDataFrame({"code": ["310113"], "name": ["宝山区"]}, geometry=[shape], crs=4490)
    pyogrio.write_dataframe(frame, tmp_path / "d.gpkg")
    out, _ = run(tmp_path / "d.gpkg", "--level", "district")
    assert "EPSG:4490" in out
    district = District.objects.get(code="310113")
    assert district.name == "宝山区" and district.boundary.extent == (121.3, 31.3, 121.5, 31.5)


def test_progress_and_errors_without_command(db, tmp_path, monkeypatch):
    monkeypatch.setattr("geo.importers.PROGRESS_EVERY", 3)
    calls = []
    districts = [({"code": f"3101{i:02d}", "name": "区"}, box(i, 0, i + 1, 1)) for i in range(7)]
    path = write_geojson(tmp_path / "d.geojson", districts)
    report = import_boundaries(path, "district", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(3, 7), (6, 7), (7, 7)] and len(report.created) == 7
    with pytest.raises(BoundaryImportError, match="file not found"):
        import_boundaries(tmp_path / "nope.shp", "village")
