"""Patrol plans through the API, GPX out and in, coverage, the page, plan_route and import_roads."""
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from geo.models import RoadEdge
from geo.roads import import_roads
from patrol.services import transition_issue
from planning import routing
from planning.models import PatrolStop, Track
from tests.factories import TOWN_B, V1, V2, V3, at, make_issue, make_user, village_point

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent.parent / "data"
GPX_NS = "{http://www.topografix.com/GPX/1/1}"
START = [121.415, 31.105]  # in town A (village 甲村)


@pytest.fixture(autouse=True)
def fast_solver(settings):
    settings.PATROL = {**settings.PATROL, "PLAN_SOLVER_SECONDS": 0.5}


def plan(api, **body):
    body.setdefault("date", "2026-03-10")
    body.setdefault("teams", 1)
    body.setdefault("start", START)
    body.setdefault("hours", 8)
    return api.post("/api/patrols/plan/", body, format="json")


def test_auto_plan_visits_overdue_and_unvisited_villages(people, login):
    overdue = make_issue(people["inspector"], village=V2)
    transition_issue(people["town"], overdue.pk, "assign", deadline=timezone.localdate() + timedelta(days=1))
    api = login(people["town"])
    response = plan(api, date=(timezone.localdate() + timedelta(days=5)).isoformat(), teams=2)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["matrix"] == "haversine"
    assert len(body["routes"]) == 2
    stops = [s for r in body["routes"] for s in r["stops"]]
    keys = {s["key"] for s in stops}
    # town A: its two villages (never visited) and the overdue problem
    assert keys == {f"village:{V1}", f"village:{V2}", f"issue:{overdue.pk}"}
    issue_stop = next(s for s in stops if s["key"] == f"issue:{overdue.pk}")
    assert "超期未整改" in issue_stop["reasons"] and issue_stop["priority"] == 10
    for r in body["routes"]:
        arrivals = [s["arrival"] for s in r["stops"]]
        assert arrivals == sorted(arrivals)
        assert [s["seq"] for s in r["stops"]] == list(range(1, len(r["stops"]) + 1))
        if r["stops"]:
            assert r["stops"][0]["arrival"][11:16] >= "08:30"
            assert r["distance_m"] > 0 and r["duration_s"] > 0 and len(r["coordinates"]) >= 3
    assert body["priority"]["collected"] == body["priority"]["total"]
    again = api.get(f"/api/patrols/{body['id']}/")
    assert again.status_code == 200 and again.json()["routes"] == body["routes"]


def test_candidates_cover_verification_reinspection_and_hotspots(people, login):
    submitted = make_issue(people["inspector"], village=V1)
    transition_issue(people["town"], submitted.pk, "assign")
    from patrol.services import add_photo
    from tests.factories import tiny_jpeg

    add_photo(people["village"], submitted.pk, tiny_jpeg(), "after")
    transition_issue(people["village"], submitted.pk, "submit")
    # three rebounds close together make a hotspot
    from patrol.models import Issue

    lon, lat = village_point(V2)
    for k in range(3):
        i = make_issue(people["inspector"], village=V2, lon=lon + k * 0.0003, lat=lat)
        Issue.objects.filter(pk=i.pk).update(rebound_of=submitted)
    response = login(people["town"]).get("/api/patrols/candidates/", {"date": timezone.localdate().isoformat()})
    assert response.status_code == 200
    rows = {r["key"]: r for r in response.json()["results"]}
    assert "待现场复核" in rows[f"issue:{submitted.pk}"]["reasons"]
    hotspots = [r for r in rows.values() if r["kind"] == "hotspot"]
    assert len(hotspots) == 1 and "3 处" in hotspots[0]["label"]
    assert abs(hotspots[0]["lon"] - (lon + 0.0003)) < 1e-6


def test_must_and_exclude(people, login):
    a = make_issue(people["inspector"], village=V1)
    b = make_issue(people["inspector"], village=V2)
    api = login(people["town"])
    response = plan(api, stops=[a.pk], must=[f"issue:{b.pk}"], exclude=[f"village:{V1}"])
    assert response.status_code == 201, response.json()
    routed = {s["key"] for r in response.json()["routes"] for s in r["stops"]}
    assert routed == {f"issue:{a.pk}", f"issue:{b.pk}"}
    must = next(s for r in response.json()["routes"] for s in r["stops"] if s["key"] == f"issue:{b.pk}")
    assert must["must"] is True
    response = plan(api, must=[f"village:{V2}"], exclude=[f"village:{V2}"])
    assert response.status_code == 400 and response.json()["field"] == "exclude"


def test_short_day_drops_far_low_priority_stops(people, login):
    api = login(people["district"])
    # every village of the district as a candidate, but only 1 hour with 40 minutes per stop
    response = plan(api, hours=1, service_min=40, start=START)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sum(len(r["stops"]) for r in body["routes"]) == 1
    assert len(body["dropped"]) == 3
    assert body["routes"][0]["stops"][0]["key"] == f"village:{V1}"  # the one the start lies in


@pytest.mark.parametrize("body, field", [
    ({"teams": 0}, "teams"),
    ({"teams": "two"}, "teams"),
    ({"start": [121.45, 31.11]}, "start"),  # town B: outside the town A user's area
    ({"start": [120.0, 30.0]}, "start"),
    ({"start": "here"}, "start"),
    ({"hours": -1}, "hours"),
    ({"stops": [999999]}, "stops"),
    ({"stops": "all"}, "stops"),
    ({"must": ["village:310112103201"]}, "must"),  # another town's village
    ({"exclude": ["hotspot:9"]}, "exclude"),
    ({"date": "10/03/2026"}, "date"),
])
def test_bad_plan_requests_name_the_field(people, login, body, field):
    response = plan(login(people["town"]), **body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert response.json()["detail"]


def test_too_many_stops(people, login, settings):
    settings.PATROL = {**settings.PATROL, "PLAN_MAX_STOPS": 1}
    response = plan(login(people["town"]))
    assert response.status_code == 400 and response.json()["field"] == "stops"
    assert "过多" in response.json()["detail"]


def test_roles_and_visibility(people, login):
    assert plan(login(people["village"])).status_code == 403
    made = plan(login(people["town"])).json()
    other = make_user("town", TOWN_B)
    assert login(other).get(f"/api/patrols/{made['id']}/").status_code == 404
    assert login(people["district"]).get(f"/api/patrols/{made['id']}/").status_code == 200


def test_gpx_and_geojson_out(people, login):
    api = login(people["town"])
    made = plan(api, teams=2).json()
    response = api.get(f"/api/patrols/{made['id']}/route.gpx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/gpx+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{GPX_NS}gpx" and root.get("version") == "1.1"
    wpts = root.findall(f"{GPX_NS}wpt")
    assert len(wpts) == sum(len(r["stops"]) for r in made["routes"])
    assert all(-90 <= float(w.get("lat")) <= 90 and w.find(f"{GPX_NS}name").text for w in wpts)
    assert len(root.findall(f"{GPX_NS}rte")) == 2
    assert root.findall(f"{GPX_NS}trk/{GPX_NS}trkseg/{GPX_NS}trkpt")
    geo = api.get(f"/api/patrols/{made['id']}/route.geojson").json()
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert {f["properties"]["team"] for f in lines} <= {1, 2}
    assert all({"distance_m", "duration_s"} <= set(f["properties"]) for f in lines)
    assert len(points) == len(made["dropped"]) + sum(len(r["stops"]) for r in made["routes"])


def upload(api, content, plan_id=None, name="track.gpx"):
    data = {"file": SimpleUploadedFile(name, content, content_type="application/gpx+xml")}
    if plan_id:
        data["plan"] = plan_id
    return api.post("/api/patrols/tracks/", data, format="multipart")


def test_track_upload_covers_villages_grids_and_stops(people, login):
    api = login(people["town"])
    made = plan(api, stops=[f"village:{V1}", f"village:{V2}"]).json()
    response = upload(api, (DATA / "track.gpx").read_bytes(), made["id"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [v["code"] for v in body["villages"]] == [V1, V2]
    assert [g["code"] for g in body["grids"]] == [V1 + "001", V1 + "002", V2 + "001", V2 + "002"]
    assert 3000 < body["distance_m"] < 3100  # 0.032° of longitude at 31.11°N
    assert body["day"] == "2026-03-10"
    # the village stops lie at the villages' points on surface; the track passes along lat 31.11
    visited = {s["key"] for s in body["visited_stops"]}
    assert visited == {s.key for s in PatrolStop.objects.filter(plan_id=made["id"], visited_by__isnull=False)}
    assert visited == {f"village:{V1}", f"village:{V2}"}
    assert body["planned_not_visited"] == []
    detail = api.get(f"/api/patrols/{made['id']}/").json()
    assert all(s["visited"] for r in detail["routes"] for s in r["stops"])
    track = Track.objects.get(pk=body["id"])
    assert track.points == 3 and track.villages.count() == 2


@pytest.mark.parametrize("content, message", [
    (b"<gpx><trk><trkseg><trkpt lat='31.1' lon='121.4'></trkseg></gpx>", "损坏"),
    (b"not xml at all", "损坏"),
    (b"<?xml version='1.0'?><kml xmlns='http://www.opengis.net/kml/2.2'/>", "不是 GPX"),
    (b"<gpx xmlns='http://www.topografix.com/GPX/1/1' version='1.1'></gpx>", "没有轨迹点"),
    (b"<gpx xmlns='http://www.topografix.com/GPX/1/1'><trk><trkseg><trkpt lat='91' lon='121.4'/>"
     b"</trkseg></trk></gpx>", "超出范围"),
    (b"<?xml version='1.0'?><!DOCTYPE gpx [<!ENTITY a 'x'>]><gpx/>", "DOCTYPE"),
])
def test_broken_gpx_is_refused(people, login, content, message):
    response = upload(login(people["town"]), content)
    assert response.status_code == 400
    assert response.json()["field"] == "file" and message in response.json()["detail"]


def test_track_outside_area_is_refused(people, login):
    gpx = (b"<gpx xmlns='http://www.topografix.com/GPX/1/1'><trk><trkseg><trkpt lat='31.11' lon='121.45'/>"
           b"<trkpt lat='31.11' lon='121.47'/></trkseg></trk></gpx>")
    response = upload(login(people["town"]), gpx)
    assert response.status_code == 400 and "辖区" in response.json()["detail"]


def test_visited_villages_leave_the_not_visited_candidates_and_coverage(people, login, client):
    api = login(people["town"])
    assert upload(api, (DATA / "track.gpx").read_bytes()).status_code == 201
    on_day = api.get("/api/patrols/candidates/", {"date": "2026-03-20"}).json()["results"]
    assert not [r for r in on_day if r["kind"] == "village"]
    later = api.get("/api/patrols/candidates/", {"date": "2026-04-20"}).json()["results"]
    assert {r["key"] for r in later if r["kind"] == "village"} == {f"village:{V1}", f"village:{V2}"}
    cov = login(people["district"]).get("/api/patrols/coverage/", {"month": "2026-03"}).json()
    visited = {f["properties"]["code"]: f["properties"]["visited"] for f in cov["features"]}
    assert visited == {V1: True, V2: True, V3: False, "310112103202": False}
    assert cov["not_visited"] == 2
    client.force_login(people["district"])
    page = client.get("/patrols/coverage/", {"month": "2026-03"})
    assert page.status_code == 200 and "丙村" in page.content.decode()


def test_patrol_page_shows_map_and_printable_list(people, client):
    client.force_login(people["town"])
    response = client.post("/patrols/", {"date": "2026-03-10", "teams": "1", "hours": "8", "lon": START[0],
                                         "lat": START[1]})
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="stop-list"' in html and "@media print" in html and "第1组" in html
    assert "leaflet" in html.lower() and "https://cdn" not in html
    bad = client.post("/patrols/", {"teams": "0", "lon": START[0], "lat": START[1]})
    assert bad.status_code == 400 and 'data-testid="field-error">teams' in bad.content.decode()


def test_plan_route_command(tmp_path, geography):
    stops = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.40 + 0.01 * k, 31.11]},
         "properties": {"priority": 1 + k}} for k in range(1, 7)]}
    src, out = tmp_path / "stops.geojson", tmp_path / "plan.geojson"
    src.write_text(json.dumps(stops))
    call_command("plan_route", "--stops", str(src), "--start", "121.40,31.11", "--seconds", "0.3", "--out", str(out))
    result = json.loads(out.read_text())
    lines = [f for f in result["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in result["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == 1 and lines[0]["properties"]["team"] == 1
    assert sorted(p["properties"]["stop"] for p in points) == list(range(6))
    assert sorted(p["properties"]["seq"] for p in points) == list(range(1, 7))
    # stops on a line east of the start: the best tour goes to the farthest and back
    far = routing.haversine_m([121.40, 121.46], [31.11, 31.11])[0, 1]
    assert abs(lines[0]["properties"]["distance_m"] - 2 * far * 1.3) < 10
    # two teams, a short day: some stops are left out with team null
    call_command("plan_route", "--stops", str(src), "--start", "121.40,31.11", "--teams", "2", "--hours", "1",
                 "--service-min", "20", "--seconds", "0.3", "--out", str(out))
    points = [f for f in json.loads(out.read_text())["features"] if f["geometry"]["type"] == "Point"]
    assert any(p["properties"]["team"] is None for p in points)
    assert {p["properties"]["team"] for p in points} - {None} <= {1, 2}


def test_plan_route_command_refuses_bad_input(tmp_path):
    src = tmp_path / "stops.geojson"
    src.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                   '{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}')
    with pytest.raises(CommandError, match="不是点"):
        call_command("plan_route", "--stops", str(src), "--start", "121.4,31.1", "--out", str(tmp_path / "o"))
    src.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                   '{"type": "Point", "coordinates": [121.41, 31.1]}}]}')
    with pytest.raises(CommandError, match="teams"):
        call_command("plan_route", "--stops", str(src), "--start", "121.4,31.1", "--teams", "0",
                     "--out", str(tmp_path / "o"))
    with pytest.raises(CommandError, match="start"):
        call_command("plan_route", "--stops", str(src), "--start", "x", "--out", str(tmp_path / "o"))


def cost_matrix_sql(nodes):
    with connection.cursor() as cur:
        cur.execute("SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix("
                    "'SELECT id, source, target, cost, reverse_cost FROM geo_roadedge', %s::bigint[])", [nodes])
        return {(a, b): c for a, b, c in cur.fetchall()}


def node_at(lon, lat):
    return routing.snap([(lon, lat)])[0][0]


def test_import_geojson_roads_nodes_t_junctions_not_crossings(geography):
    found = import_roads(DATA / "roads.geojson")
    # main road split at the 3 side roads ending on it (121.41, 121.43 within 1 m, 121.47) and at 121.45
    # (the one-way road starts there): 5 pieces + 4 side roads + the bridge
    assert found["edges"] == 10
    bridge = RoadEdge.objects.get(name="跨线桥")
    assert bridge.source not in RoadEdge.objects.exclude(pk=bridge.pk).values_list("source", flat=True)
    oneway = RoadEdge.objects.get(name="丙支路")
    assert oneway.reverse_cost == -1 and oneway.cost > 0
    main = RoadEdge.objects.filter(name="主路")
    assert abs(sum(e.length_m for e in main) - 0.08 * 95_300) < 200
    a, b = node_at(121.410, 31.102), node_at(121.470, 31.102)
    costs = cost_matrix_sql([a, b])
    # 2 × 888 m residential at 25 km/h (256 s) + 5.72 km primary at 50 km/h (412 s)
    assert 640 < costs[(a, b)] < 700 and abs(costs[(a, b)] - costs[(b, a)]) < 1e-6
    top = node_at(121.450, 31.118)
    assert (a, top) in cost_matrix_sql([a, top])
    assert (top, a) not in cost_matrix_sql([a, top])  # one-way: leaving the top end is closed
    # idempotent: importing again replaces the same network
    again = import_roads(DATA / "roads.geojson")
    assert again["replaced"] == 10 and RoadEdge.objects.count() == 10


def test_import_osm_through_osm2pgrouting(geography):
    found = import_roads(DATA / "roads.osm")
    assert found["edges"] >= 5
    kinds = set(RoadEdge.objects.values_list("kind", flat=True))
    assert "primary" in kinds and "residential" in kinds
    west, east = node_at(121.400, 31.110), node_at(121.480, 31.110)
    costs = cost_matrix_sql([west, east])
    assert costs[(west, east)] > 0
    assert RoadEdge.objects.filter(name="丁村路", reverse_cost__lt=0).exists()


def test_import_roads_command_refuses_bad_files(tmp_path, geography):
    with pytest.raises(CommandError, match="找不到"):
        call_command("import_roads", str(tmp_path / "none.geojson"))
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(CommandError):
        call_command("import_roads", str(bad))


def test_matrix_on_roads_and_route_lines_follow_them(geography):
    import_roads(DATA / "roads.geojson")
    points = [(121.410, 31.1021), (121.470, 31.1021), (121.430, 31.1021)]
    m = routing.matrix(points)
    assert m.source == "roads"
    assert m.durations[0, 1] > routing.straight_matrix(points).durations[0, 1] * 0.5
    line = routing.route_line(points, [0, 2, 1], m)
    assert len(line) > 6
    # the line goes up the side road to the main road (lat 31.11) and back down
    assert max(lat for _, lat in line) == pytest.approx(31.11, abs=1e-4)


def test_matrix_falls_back_without_roads(geography):
    points = [(121.41, 31.105), (121.43, 31.105)]
    assert routing.matrix(points).source == "haversine"
    import_roads(DATA / "roads.geojson")
    far = [(121.41, 31.105), (122.5, 31.105)]  # the second point is far from any road
    assert routing.matrix(far).source == "haversine"


def test_one_stop_off_the_roads_keeps_the_others_on_them(geography):
    import_roads(DATA / "roads.geojson")
    points = [(121.410, 31.1021), (121.470, 31.1021), (121.430, 31.1021), (121.44, 31.5)]  # the last: 40 km north
    m = routing.matrix(points)
    straight = routing.straight_matrix(points)
    assert m.source == "roads"
    assert m.durations[0, 1] == routing.matrix(points[:3]).durations[0, 1]  # on-road pairs as before
    assert m.durations[0, 3] == straight.durations[0, 3] and m.durations[3, 2] == straight.durations[3, 2]


def test_plan_uses_roads_when_loaded(people, login):
    import_roads(DATA / "roads.geojson")
    body = plan(login(people["town"])).json()
    assert body["matrix"] == "roads"
    coords = body["routes"][0]["coordinates"]
    assert any(abs(lat - 31.11) < 1e-6 for _, lat in coords)


def test_villages_at_the_bottom_of_last_months_ranking_become_stops(people, login):
    from planning.services import bottom_villages

    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    # Nothing found anywhere: every village has the full score, and none is "at the bottom".
    assert bottom_villages("310112", 5) == []
    # Last month the inspectors found three problems in 丙村 and one in 甲村: those two rank last, 丙村 worst.
    for village, n in ((V3, 3), (V1, 1)):
        for _ in range(n):
            make_issue(people["inspector"], village, reported_at=at(last_month.year, last_month.month, 10))
    assert bottom_villages("310112", 5) == [V3, V1]
    assert bottom_villages("310112", 1) == [V3]
    found = login(people["district"]).get("/api/patrols/candidates/", {"date": today.isoformat()}).json()
    bottom = {c["key"] for c in found["results"] if "上期考核排名靠后" in c["reasons"]}
    assert bottom == {f"village:{V3}", f"village:{V1}"}


def test_import_roads_from_geopackage_and_shapefile(tmp_path, geography):
    import pyogrio

    frame = pyogrio.read_dataframe(DATA / "roads.geojson")
    for name, driver in (("roads.gpkg", "GPKG"), ("roads.shp", "ESRI Shapefile")):
        path = tmp_path / name
        pyogrio.write_dataframe(frame, path, driver=driver, encoding="UTF-8" if driver != "GPKG" else None)
        out = StringIO()
        call_command("import_roads", str(path), "--replace-all", stdout=out)
        assert "10 road edges" in out.getvalue()
        assert RoadEdge.objects.count() == 10
        assert RoadEdge.objects.filter(name="跨线桥").exists()


def test_plan_gpx_reads_back_as_a_track(people, login):
    from planning import gpx

    api = login(people["town"])
    made = plan(api).json()
    content = api.get(f"/api/patrols/{made['id']}/route.gpx").content
    track = gpx.read_track(content)
    assert track.points == len(made["routes"][0]["coordinates"])
    assert track.name == "第1组路线"


def test_road_gap_gives_estimated_legs_marked_dashed_and_never_labelled_roads(people, login, client, tmp_path):
    import_roads(DATA / "roads.geojson")  # the bridge (跨线桥, along lon 121.46) touches no other road: a gap
    start = (121.410, 31.1021)  # at the foot of 甲支路
    places = [(121.4301, 31.1025), (121.4601, 31.1045), (121.4601, 31.1165)]  # 乙支路's foot, both bridge ends
    issues = [make_issue(people["inspector"], village=V2 if lon < 121.44 else "310112103202", lon=lon, lat=lat)
              for lon, lat in places]
    api = login(people["district"])
    body = plan(api, start=list(start), stops=[i.pk for i in issues]).json()
    route = body["routes"][0]
    assert len(route["stops"]) == 3
    legs = route["legs"]
    assert len(legs) == 4 and body["legs"] == 4
    on_bridge = {f"issue:{issues[1].pk}", f"issue:{issues[2].pk}"}
    for leg in legs:
        across = (leg["from"] in on_bridge) != (leg["to"] in on_bridge)
        assert leg["source"] == ("estimate" if across else "roads"), leg
    assert body["estimated_legs"] == 2 and body["matrix"] == "mixed" and body["matrix_label"] != "路网"
    where = {"start": start, **{f"issue:{i.pk}": p for i, p in zip(issues, places, strict=True)}}
    coords = route["coordinates"]
    for leg in legs:  # each leg starts at its stop and ends at the next: the line never jumps
        first, last = leg["points"]
        assert coords[first] == pytest.approx(list(where[leg["from"]]))
        assert coords[last] == pytest.approx(list(where[leg["to"]]))
        if leg["source"] == "estimate":  # straight, measured like its time: great circle × detour
            assert last == first + 1
            (a, b) = where[leg["from"]], where[leg["to"]]
            straight = routing.haversine_m([a[0], b[0]], [a[1], b[1]])[0, 1]
            assert leg["distance_m"] == pytest.approx(straight * 1.3, abs=0.1)
    assert route["distance_m"] == round(sum(leg["distance_m"] for leg in legs))
    # the page: the note with the count, the estimated legs dashed, no "路网" label
    client.force_login(people["district"])
    html = client.get(body["links"]["page"]).content.decode()
    assert 'data-testid="estimated-legs"' in html and "2 / 4 段" in html
    assert len(re.findall(r'"dashArray":\s*"8 8"', html)) == 2  # folium's JSON may be written compactly
    assert '<span data-testid="matrix-source">路网</span>' not in html
    # the GPX says it too
    gpx = ET.fromstring(api.get(f"/api/patrols/{body['id']}/route.gpx").content)
    assert "2/4 段为直线估算" in gpx.find(f"{GPX_NS}rte/{GPX_NS}desc").text
    # and plan_route's summary
    src, out = tmp_path / "stops.geojson", tmp_path / "plan.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(p)}, "properties": {}}
        for p in places]}))
    printed = StringIO()
    call_command("plan_route", "--stops", str(src), "--start", f"{start[0]},{start[1]}", "--seconds", "0.5",
                 "--out", str(out), stdout=printed)
    assert "matrix mixed, 2/4 legs estimated" in printed.getvalue()
    result = json.loads(out.read_text())
    assert result["properties"]["estimated_legs"] == 2 and result["properties"]["matrix"] == "mixed"
    line = next(f for f in result["features"] if f["geometry"]["type"] == "LineString")
    assert sorted(leg["source"] for leg in line["properties"]["legs"]) == ["estimate", "estimate", "roads", "roads"]


def test_plan_on_connected_roads_says_roads_with_no_estimated_leg(people, login):
    import_roads(DATA / "roads.geojson")
    issue = make_issue(people["inspector"], village=V2, lon=121.4301, lat=31.1025)
    body = plan(login(people["district"]), start=[121.410, 31.1021], stops=[issue.pk]).json()
    assert body["matrix"] == "roads" and body["matrix_label"] == "路网" and body["estimated_legs"] == 0
    assert {leg["source"] for leg in body["routes"][0]["legs"]} == {"roads"}


@pytest.mark.parametrize("declared", ["UTF-7", "x-no-such-encoding"])
def test_a_gpx_in_an_encoding_the_parser_cannot_read_is_a_400_naming_the_file(declared):
    from core.errors import BadInput
    from planning import gpx

    content = (f'<?xml version="1.0" encoding="{declared}"?><gpx xmlns="http://www.topografix.com/GPX/1/1">'
               '<trk><trkseg><trkpt lat="31.1" lon="121.41"/></trkseg></trk></gpx>').encode("ascii")
    with pytest.raises(BadInput) as refused:
        gpx.read_track(content)
    assert refused.value.field == "file" and "编码" in refused.value.detail
