"""Import from csv/xlsx/GeoPackage, QR labels decoded back to the scan URLs, the ledger, tiles, the list."""
import shutil
import subprocess
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from facilities import imports, services
from facilities.models import Facility
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CSV = """code,kind,name,longitude,latitude,operator
H001,household_toilet,张三家,121.405,31.11,clean-co
H002,户厕,李四家,121.425,31.11,洁净环卫公司
P001,public_toilet,村口公厕,121.445,31.11,
BAD1,rocket,?,121.405,31.11,
BAD2,household_toilet,,130.0,31.11,
BAD3,household_toilet,,abc,31.11,
BAD4,household_toilet,,121.405,31.11,nobody
"""


def test_csv_import_error_rows_and_idempotent(operators, tmp_path):
    district = make_user("district", "310112", username="qu")
    path = tmp_path / "f.csv"
    path.write_text(CSV, encoding="utf-8")
    out = tmp_path / "errors.xlsx"
    call_command("import_facilities", str(path), "--user", "qu", "--errors", str(out))
    assert set(Facility.objects.values_list("code", flat=True)) == {"H001", "H002", "P001"}
    h2 = Facility.objects.get(code="H002")
    assert h2.village_id == "310112102202" and h2.grid_id == "310112102202001" and h2.operator_id == "clean-co"
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    rows = {r[-2]: r[-1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {5, 6, 7, 8}
    assert "rocket" in rows[5] and "不在任何行政村" in rows[6] and "数字" in rows[7] and "nobody" in rows[8]
    again = imports.import_file(district, path, "f.csv")
    assert again.created == 0 and again.updated == 0 and again.unchanged == 3
    town_b = make_user("town", "310112103")
    result = imports.import_file(town_b, path, "f.csv")
    assert {e["row"] for e in result.errors} >= {2, 3}  # outside town B


def test_refuses_a_file_without_the_columns(operators, tmp_path):
    make_user("district", "310112", username="qu")
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少必需的列"):
        call_command("import_facilities", str(path), "--user", "qu")


def test_geopackage_import_in_a_projected_crs(operators, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"code": ["G1", "G2"], "kind": ["sewage_plant", "garbage_point"],
                              "name": ["污水站", "收集点"], "operator": ["pump-co", ""]},
                             geometry=[Point(121.405, 31.11), Point(121.465, 31.11)], crs=4326).to_crs(4549)
    path = tmp_path / "f.gpkg"
    frame.to_file(path, driver="GPKG")
    district = make_user("district", "310112")
    result = imports.import_file(district, path, "f.gpkg")
    assert result.created == 2, result.as_json()
    g2 = Facility.objects.get(code="G2")
    assert g2.village_id == "310112103202" and abs(g2.location.x - 121.465) < 1e-6


def test_labels_pdf_decodes_to_scan_urls(facilities, login, tmp_path, settings):
    if not shutil.which("zbarimg") or not shutil.which("pdftoppm"):
        pytest.skip("zbar-tools / poppler-utils missing (make setup)")
    settings.FACILITIES = {**settings.FACILITIES, "PUBLIC_BASE_URL": ""}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "cun.example.gov"]
    district = make_user("district", "310112")
    r = login(district).get(reverse("facilities:labels"), {"village": "310112102201"}, HTTP_HOST="cun.example.gov")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", *map(str, pages)], capture_output=True, text=True).stdout
    assert sorted(decoded.split()) == ["http://cun.example.gov/f/F1", "http://cun.example.gov/f/F4"]


def test_problem_toilet_ledger(facilities, login):
    from openpyxl import load_workbook

    services.report("F1", "repair", note="冲水坏了")
    services.report("F4", "repair")  # a collection point is no toilet
    r = login(make_user("village", "310112102201")).get(reverse("facilities:ledger"),
                                                      {"village": "310112102201"})
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][3] == "F1" and "冲水坏了" in rows[0][8] and "坏了要修" in rows[0][10]
    assert rows[0][7] == "待认定"  # "冲水坏了" names none of the plan's three kinds


def test_list_filters_scope_and_queries(facilities, login, django_assert_num_queries):
    town = make_user("town", "310112102")
    api = login(town)
    with django_assert_num_queries(2):  # the kind choices, the rows
        r = api.get(reverse("facilities:facilities"), {"kind": "household_toilet"})
    assert [f["properties"]["code"] for f in r.json()["features"]] == ["F1"]
    assert r.json()["type"] == "FeatureCollection"
    r = api.get(reverse("facilities:facilities"), {"status": "broken"})
    assert r.status_code == 400 and r.json()["field"] == "status"


def test_tile_holds_scoped_facilities(facilities, login):
    import mapbox_vector_tile

    z, x, y = 12, 3429, 1675  # covers the test district (lon 121.4–121.48, lat 31.1–31.12)
    town = make_user("town", "310112102")
    r = login(town).get(reverse("facilities:tile", args=[z, x, y]))
    assert r.status_code == 200
    layer = mapbox_vector_tile.decode(r.content)["facilities"]
    assert sorted(f["properties"]["code"] for f in layer["features"]) == ["F1", "F2", "F4"]


def test_battle_map_carries_the_facility_layer(facilities, client):
    client.force_login(make_user("town", "310112102"))
    html = client.get(reverse("layers:battle-map")).content.decode()
    assert reverse("facilities:facilities") in html and "data-facilities" in html


def test_operator_page_lists_own_orders(facilities, client, clean_user):
    services.report("F1", "pump")
    services.report("F3", "pump")
    client.force_login(clean_user)
    html = client.get(reverse("facilities:workorder-list")).content.decode()
    # an order's line reads "<kind> <code> · <village>" (a bare "F3" may turn up in a random nonce or token)
    assert " F1 · " in html and " F3 · " not in html
