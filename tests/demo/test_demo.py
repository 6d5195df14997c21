"""The synthetic demo geography (demo.geography), generate_demo and demo_setup."""
import hashlib
import re
from io import StringIO

import pytest
import shapely
from django.core.management import call_command
from django.db import connection

from accounts.models import Role, User
from demo import geography as demo
from demo.management.commands import demo_setup
from geo.lookup import locate, rebuild_pieces
from geo.models import District, Grid, RoadEdge, Town, Village

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def data():
    (district,) = demo.build()
    return district


def fingerprint(d):
    h = hashlib.sha256()
    for a in [d.district, *d.towns, *d.villages, *d.grids]:
        h.update(f"{a.code}|{a.name}|{a.parent}|{a.leader}|".encode() + shapely.to_wkb(a.boundary))
    for r in d.roads:
        h.update(f"{r.source}|{r.target}|{r.cost:.6f}|{r.kind}|".encode() + shapely.to_wkb(r.geom))
    return h.hexdigest()


def db_fingerprint():
    h = hashlib.sha256()
    for model in (District, Town, Village, Grid):
        for code, name, wkb in model.objects.order_by("code").values_list("code", "name", "boundary"):
            h.update(code.encode() + name.encode() + bytes(wkb.wkb))
    for row in RoadEdge.objects.order_by("source", "target", "length_m").values_list("source", "target", "geom"):
        h.update(f"{row[0]}|{row[1]}|".encode() + bytes(row[2].wkb))
    return h.hexdigest()


@pytest.fixture
def saved(db, data):
    demo.save_district(data)
    for level in ("district", "town", "village", "grid"):
        rebuild_pieces(level)
    return data


def scalar(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def test_counts_codes_and_labels(data):
    assert data.district.code == "310112" and "示例" in data.district.name
    assert 3 <= len(data.towns) <= 4
    assert len(data.villages) >= 40
    assert len(data.grids) >= 200
    assert all(re.fullmatch(r"310112\d{3}", t.code) and t.parent == "310112" and t.name.endswith("镇（示例）")
               for t in data.towns)
    for v in data.villages:
        assert re.fullmatch(r"\d{12}", v.code) and v.code[:9] == v.parent and v.name.endswith("村")
    for g in data.grids:
        assert re.fullmatch(r"\d{15}", g.code) and g.code[:12] == g.parent and "网格" in g.name and g.leader
    codes = [a.code for a in [*data.towns, *data.villages, *data.grids]]
    assert len(codes) == len(set(codes))
    per_village = {}
    for g in data.grids:
        per_village[g.parent] = per_village.get(g.parent, 0) + 1
    assert set(per_village) == {v.code for v in data.villages} and min(per_village.values()) >= 4


def test_detailed_and_valid_shapes(data):
    villages = [v.boundary for v in data.villages]
    assert shapely.is_valid([a.boundary for a in [data.district, *data.towns, *data.villages, *data.grids]]).all()
    assert shapely.get_num_coordinates(villages).mean() > 300  # realistic detail, not boxes
    lon, lat = shapely.get_coordinates(data.district.boundary).mean(axis=0)
    assert abs(lon - 121.40) < 0.05 and abs(lat - 31.05) < 0.05


def test_same_seed_same_data_other_seed_other_data(data):
    (again,) = demo.build()
    assert fingerprint(again) == fingerprint(data)
    assert again.villages[0].boundary.wkt == data.villages[0].boundary.wkt
    (other,) = demo.build(seed=demo.DEFAULT_SEED + 1)
    assert fingerprint(other) != fingerprint(data)


def test_larger_sets_make_more_districts():
    plans = demo.plan(1000)
    assert [p.code for p in plans] == ["310112", "319001", "319002"]
    assert sum(p.villages for p in plans) == 1000


@pytest.mark.django_db
def test_partition_without_gaps_or_overlaps(saved):
    district_area = scalar("SELECT ST_Area(boundary::geography) FROM geo_district WHERE code = '310112'")
    for table in ("geo_town", "geo_village", "geo_grid"):
        total = scalar(f"SELECT sum(ST_Area(boundary::geography)) FROM {table}")
        assert abs(total - district_area) / district_area < 1e-4, table
        overlap = scalar(f"""SELECT coalesce(sum(ST_Area(ST_Intersection(a.boundary, b.boundary)::geography)), 0)
                             FROM {table} a JOIN {table} b
                             ON a.code < b.code AND ST_Intersects(a.boundary, b.boundary)""")
        assert overlap < 1.0, table  # m²: neighbours share borders, nothing more
    union = scalar("SELECT ST_Area(ST_Union(boundary)::geography) FROM geo_village")
    assert union == pytest.approx(district_area, rel=1e-6)
    assert scalar("SELECT ST_NumInteriorRings(ST_GeometryN(ST_Union(boundary), 1)) FROM geo_village") == 0
    for child, parent, key in (("geo_grid", "geo_village", "village_id"), ("geo_village", "geo_town", "town_id"),
                               ("geo_town", "geo_district", "district_id")):
        outside = scalar(f"""SELECT count(*) FROM {child} c JOIN {parent} p ON p.code = c.{key}
                             WHERE NOT ST_CoveredBy(c.boundary, p.boundary)""")
        assert outside == 0, child
    for table in ("geo_district", "geo_town", "geo_village", "geo_grid"):
        assert scalar(f"SELECT bool_and(ST_IsValid(boundary)) FROM {table}")
    grid = saved.grids[7]
    point = shapely.point_on_surface(grid.boundary)
    assert locate(point.x, point.y)["grid"].code == grid.code


@pytest.mark.django_db
def test_road_network_is_routable(saved):
    assert RoadEdge.objects.filter(kind="arterial").exists() and RoadEdge.objects.filter(kind="village").exists()
    # one node id per position, and one position per node id
    assert scalar("""SELECT max(n) FROM (SELECT count(DISTINCT ST_AsBinary(p)) n FROM (
                     SELECT source node, ST_StartPoint(geom) p FROM geo_roadedge
                     UNION ALL SELECT target, ST_EndPoint(geom) FROM geo_roadedge) x GROUP BY node) y""") == 1
    assert scalar("""SELECT max(abs(length_m - ST_Length(geom::geography))) FROM geo_roadedge""") < 0.5
    assert scalar("SELECT max(abs(cost * 25 / 3.6 - length_m)) FROM geo_roadedge WHERE kind = 'village'") < 1e-6
    west = scalar("SELECT source FROM geo_roadedge ORDER BY ST_X(ST_StartPoint(geom)) LIMIT 1")
    east = scalar("SELECT target FROM geo_roadedge ORDER BY ST_X(ST_EndPoint(geom)) DESC LIMIT 1")
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*), max(agg_cost) FROM pgr_dijkstra(
                         'SELECT id, source, target, cost, reverse_cost FROM geo_roadedge', %s, %s)""", [west, east])
        steps, seconds = cur.fetchone()
    assert steps > 5 and seconds > 0


@pytest.mark.django_db
def test_generate_demo_command_is_idempotent():
    out = StringIO()
    call_command("generate_demo", stdout=out)
    assert "44 村 villages" in out.getvalue()
    first = db_fingerprint()
    out = StringIO()
    call_command("generate_demo", stdout=out)
    assert "已存在" in out.getvalue() and "already exists" in out.getvalue()
    assert db_fingerprint() == first
    call_command("generate_demo", "--replace", stdout=StringIO())
    assert db_fingerprint() == first
    assert Village.objects.count() == 44 and RoadEdge.objects.count() > 100


@pytest.mark.django_db
def test_replace_refuses_when_areas_are_referenced(saved, monkeypatch):
    from django.db.models import ProtectedError

    def refuse(*args, **kwargs):
        raise ProtectedError("Cannot delete some instances of model 'Village'", {Village.objects.first()})

    monkeypatch.setattr("django.db.models.query.QuerySet.delete", refuse)
    with pytest.raises(demo.DemoDataInUse, match="referenced"):
        demo.delete_demo(["310112"])


@pytest.mark.django_db
def test_demo_setup_creates_accounts_and_prints_password(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.DEMO_PASSWORD = ""
    monkeypatch.setattr(demo_setup, "PASSWORD_FILE", tmp_path / "demo_password")
    loaded = []
    monkeypatch.setattr(demo_setup, "LOADERS", [lambda district, stdout: loaded.append(district.code)])
    out = StringIO()
    call_command("demo_setup", stdout=out)
    text = out.getvalue()
    password = (tmp_path / "demo_password").read_text().strip()
    assert len(password) >= 8 and f"Password: {password}" in text
    assert loaded == ["310112"]
    town = Town.objects.order_by("code").first()
    village = town.villages.order_by("code").first()
    expected = {"qu_admin": (Role.DISTRICT, "310112"), "zhen_staff": (Role.TOWN, town.code),
                "cun_staff": (Role.VILLAGE, village.code), "xuncha": (Role.INSPECTOR, "310112"),
                "dudao": (Role.SUPERVISOR, "310112"), "lingdao": (Role.LEADER, "310112"),
                "admin": (Role.ADMIN, "310112"), "yunwei": (Role.OPERATOR, ""), "yunwei2": (Role.OPERATOR, "")}
    for username, (role, area) in expected.items():
        user = User.objects.get(username=username)
        assert (user.role, user.area_code) == (role, area) and user.check_password(password)
        assert username in text
    out = StringIO()
    call_command("demo_setup", stdout=out)  # second run: nothing generated, same password, no loaders
    assert f"Password: {password}" in out.getvalue() and loaded == ["310112"]
    assert District.objects.count() == 1 and User.objects.count() == 9
    assert {User.objects.get(username=n).operator_code for n in ("yunwei", "yunwei2")} == {"yunwei-a", "yunwei-b"}


@pytest.mark.django_db
def test_demo_setup_uses_demo_password_setting(saved, settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.DEMO_PASSWORD = "secret-demo-42"
    monkeypatch.setattr(demo_setup, "PASSWORD_FILE", tmp_path / "demo_password")
    monkeypatch.setattr(demo_setup, "LOADERS", [])
    out = StringIO()
    call_command("demo_setup", stdout=out)
    assert "Password: secret-demo-42" in out.getvalue() and not (tmp_path / "demo_password").exists()
    assert User.objects.get(username="cun_staff").check_password("secret-demo-42")
