"""The water bodies API: the contract (GET/POST /api/water-bodies/, POST /api/water-bodies/{id}/status/,
?export=xlsx), bad input named, area scope, visits with photos."""
import io
import json
import uuid

import pytest
from django.contrib.gis.geos import Polygon

from tests.factories import TOWN_A, V1, V2, V3, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db

URL = "/api/water-bodies/"
POND = Polygon.from_bbox((121.402, 31.105, 121.404, 31.107))
CHANNEL_B = Polygon.from_bbox((121.445, 31.105, 121.447, 31.107))  # in 丙村, town B


def feature(geom=POND, **props):
    props = {"name": "甲村东塘", "kind": "pond", **props}
    return {"type": "Feature", "geometry": json.loads(geom.json), "properties": props}


def post(client, body):
    return client.post(URL, body, format="json")


def test_post_then_get_as_geojson_with_the_contract_properties(people, login):
    client = login(people["town"])
    key = str(uuid.uuid4())
    r = post(client, feature(client_uuid=key, note="群众反映发黑"))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["properties"]["status"] == "black_odorous" and body["properties"]["village"] == V1
    assert [h["to_status"] for h in body["history"]] == ["black_odorous"]
    again = post(client, feature(client_uuid=key, note="群众反映发黑"))
    assert again.status_code == 200 and again.json()["id"] == body["id"]  # a retry stores nothing new

    r = client.get(URL)
    assert r.status_code == 200
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    f = fc["features"][0]
    assert f["geometry"]["type"] == "Polygon"
    assert {"id", "name", "village", "status", "kind"} <= set(f["properties"])
    assert (f["properties"]["id"], f["properties"]["name"], f["properties"]["village"], f["properties"]["status"],
            f["properties"]["kind"]) == (body["id"], "甲村东塘", V1, "black_odorous", "pond")


def test_status_changes_are_kept_in_order(people, login):
    client = login(people["town"])
    pk = post(client, feature()).json()["id"]
    for status, note in (("treating", "控源截污"), ("eliminated", "验收合格")):
        r = client.post(f"{URL}{pk}/status/", {"status": status, "note": note}, format="json")
        assert r.status_code == 200, r.json()
    hist = r.json()["history"]
    assert [(h["from_status"], h["to_status"], h["note"]) for h in hist] == [
        ("", "black_odorous", "纳入清单"), ("black_odorous", "treating", "控源截污"),
        ("treating", "eliminated", "验收合格")]
    assert client.get(URL, {"status": "eliminated"}).json()["features"][0]["id"] == pk
    assert client.get(URL, {"status": "treating"}).json()["features"] == []
    # eliminated → treating is not the order of treatment: 409, nothing appended
    r = client.post(f"{URL}{pk}/status/", {"status": "treating"}, format="json")
    assert r.status_code == 409 and r.json()["field"] == "status"
    assert len(client.get(f"{URL}{pk}/").json()["history"]) == 3


@pytest.mark.parametrize("body, field", [
    (feature(status="gone"), "properties.status"),
    (feature(kind="lake"), "properties.kind"),
    (feature(name=""), "properties.name"),
    (feature(name="塘" * 101), "properties.name"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.403, 31.106]},
      "properties": {"name": "点"}}, "geometry"),
    ({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[121.402, 31.105], [121.404, 31.107],
                                                                          [121.404, 31.105], [121.402, 31.107],
                                                                          [121.402, 31.105]]]},
      "properties": {"name": "自相交"}}, "geometry"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[121.40, 31.10], ["x", 31.1]]},
      "properties": {"name": "坏线"}}, "geometry"),
    (feature(village="31011210220x"), "village"),
    (feature(village="310112102299"), "village"),
    ({"type": "Feature", "properties": {"name": "无范围"}}, "geometry"),
])
def test_bad_listing_is_400_naming_the_field(people, login, body, field):
    client = login(people["district"])
    r = post(client, body)
    assert r.status_code == 400, r.content
    assert r.json().get("field") == field, r.json()
    assert client.get(URL).json()["features"] == []


@pytest.mark.parametrize("body, field", [({"status": "clean"}, "status"), ({}, "status"),
                                         ({"status": "treating", "note": "x" * 501}, "note")])
def test_bad_status_change_is_400_naming_the_field(people, login, body, field):
    client = login(people["town"])
    pk = post(client, feature()).json()["id"]
    r = client.post(f"{URL}{pk}/status/", body, format="json")
    assert r.status_code == 400 and r.json()["field"] == field
    assert len(client.get(f"{URL}{pk}/").json()["history"]) == 1


def test_bad_filters_are_400(people, login):
    client = login(people["district"])
    assert client.get(URL, {"status": "x"}).json()["field"] == "status"
    assert client.get(URL, {"bbox": "1,2,3"}).json()["field"] == "bbox"
    assert client.get(URL, {"export": "csv"}).json()["field"] == "export"


def test_another_towns_water_body_is_invisible(people, login):
    district = login(people["district"])
    mine = post(district, feature()).json()["id"]
    theirs = post(district, feature(CHANNEL_B, name="丙村河道", kind="river")).json()
    assert "id" in theirs, theirs
    theirs = theirs["id"]
    town_a = login(people["town_a"])
    assert [f["id"] for f in town_a.get(URL).json()["features"]] == [mine]
    assert town_a.get(f"{URL}{theirs}/").status_code == 404
    r = town_a.post(f"{URL}{theirs}/status/", {"status": "treating"}, format="json")
    assert r.status_code == 404
    got = login(people["district"]).get(f"{URL}{theirs}/").json()  # (one client: login() switches its user)
    assert got["history"][-1]["to_status"] == "black_odorous"
    town_a = login(people["town_a"])
    # listing in another town's village is refused, naming the village
    r = post(town_a, feature(CHANNEL_B, name="越界", village=V3))
    assert r.status_code == 403 and r.json()["field"] == "village"
    r = post(town_a, feature(CHANNEL_B, name="越界"))
    assert r.status_code == 403 and r.json()["field"] == "geometry"
    # village staff see their own village's only
    assert [f["id"] for f in login(people["village"]).get(URL).json()["features"]] == [mine]
    assert login(people["village_other"]).get(URL).json()["features"] == []
    # the export follows the same scope
    from openpyxl import load_workbook

    r = login(people["town_a"]).get(URL, {"export": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    assert [row[3] for row in ws.iter_rows(min_row=2, values_only=True)] == ["甲村东塘"]


def test_roles(people, login):
    leader = make_user("leader", "310112")
    assert post(login(leader), feature()).status_code == 403
    assert post(login(people["village"]), feature()).status_code == 403
    pk = post(login(people["town"]), feature()).json()["id"]
    r = login(people["inspector"]).post(f"{URL}{pk}/status/", {"status": "treating"}, format="json")
    assert r.status_code == 403


def test_export_has_the_lists_own_columns(people, login):
    from openpyxl import load_workbook

    client = login(people["district"])
    pk = post(client, feature(status="eliminated", note="2025 年已治理")).json()["id"]
    post(client, feature(Polygon.from_bbox((121.421, 31.101, 121.4211, 31.1011)), name="乙村沟", kind="ditch",
                         village=V2))
    issue = make_issue(people["inspector"], category="black_water", lon=121.403, lat=31.106)
    r = client.get(URL, {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(r.streaming_content) if r.streaming else r.content
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "街镇", "责任行政村", "水体名称", "类型", "形态", "长度（米）", "面积（平方米）",
                             "状态", "状态起始时间", "纳入清单时间", "监测次数", "最近监测", "关联问题数",
                             "返黑返臭次数", "备注"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["街镇"], first["责任行政村"], first["水体名称"], first["类型"], first["形态"], first["状态"],
            first["关联问题数"], first["返黑返臭次数"], first["备注"]) == (
        "甲镇", "甲村", "甲村东塘", "坑塘", "面", "返黑返臭", 1, 1, "2025 年已治理")
    # 0.002° × 0.002° at 31.106° N: 190.7 m × 221.7 m ≈ 42 280 m² (hand: 111.32 km·cos 31.106° and 110.86 km per °)
    assert abs(first["面积（平方米）"] - 42_280) < 300
    assert client.get(f"{URL}{pk}/").json()["problems"][0]["id"] == issue.pk


def test_a_monitoring_visit_with_photos(people, login):
    pk = post(login(people["town"]), feature()).json()["id"]
    client = login(people["village"])
    key = str(uuid.uuid4())
    r = client.post(f"{URL}{pk}/visits/", {"finding": "clear", "note": "水色正常", "client_uuid": key,
                                            "photos": [tiny_jpeg(), tiny_jpeg(color=(10, 200, 10))]},
                    format="multipart")
    assert r.status_code == 201, r.json()
    visit = r.json()["visits"][0]
    assert (visit["finding"], visit["note"], len(visit["photos"])) == ("clear", "水色正常", 2)
    assert client.get(visit["photos"][0]["url"]).status_code == 200
    again = client.post(f"{URL}{pk}/visits/", {"finding": "clear", "note": "水色正常", "client_uuid": key,
                                                "photos": [tiny_jpeg()]}, format="multipart")
    assert again.status_code == 200 and len(again.json()["visits"]) == 1
    r = client.post(f"{URL}{pk}/visits/", {"finding": "clear"}, format="multipart")
    assert r.status_code == 400 and r.json()["field"] == "photos"
    r = client.post(f"{URL}{pk}/visits/", {"finding": "muddy", "photos": [tiny_jpeg()]}, format="multipart")
    assert r.status_code == 400 and r.json()["field"] == "finding"
    r = client.post(f"{URL}{pk}/visits/", {"finding": "clear", "photos": [io.BytesIO(b"not a picture")]},
                    format="multipart")
    assert r.status_code == 400 and r.json()["field"] == "photos"
    assert len(client.get(f"{URL}{pk}/").json()["visits"]) == 1
    # another town's staff see neither the visit nor its photo
    other = login(people["town_b"])
    assert other.get(f"{URL}{pk}/").status_code == 404
    assert other.get(visit["photos"][0]["url"]).status_code == 404


def test_the_problem_carries_its_water_body(people, login):
    pk = post(login(people["town"]), feature(status="eliminated")).json()["id"]
    client = login(people["inspector"])
    r = client.post("/api/issues/", {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [121.403, 31.106]},
        "properties": {"category": "black_water", "client_uuid": str(uuid.uuid4())}}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["properties"]["water_body"] == pk
    listed = client.get("/api/issues/", {"category": "black_water"}).json()["features"]
    assert [f["properties"]["water_body"] for f in listed] == [pk]
    assert login(people["town"]).get(f"{URL}{pk}/").json()["properties"]["status"] == "rebounded"
    assert TOWN_A == r.json()["properties"]["town"]
