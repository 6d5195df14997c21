"""List endpoint (filters, scoping, query count), photos through the API, the OpenAPI schema, the admin."""
import io
import json
from datetime import date

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from patrol.geojson import feature, feature_rows
from patrol.models import Issue
from patrol.services import transition_issue
from tests.factories import (
    TOWN_A,
    TOWN_B,
    V1,
    V2,
    V3,
    close_issue,
    make_issue,
    make_user,
    metres_east,
    village_point,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(geography):
    inspector = make_user("inspector", "310112")
    district = make_user("district", "310112")
    issues = [make_issue(inspector, v, grid=g, category=c)
              for v, g, c in [(V1, 1, "shack"), (V1, 2, "clutter"), (V2, 1, "shack"), (V3, 1, "shack")]]
    transition_issue(district, issues[0].pk, "assign")
    Issue.objects.filter(pk=issues[0].pk).update(deadline=date(2020, 1, 1))  # overdue → red
    return inspector, district, issues


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(f["id"] for f in response.json()["features"])


def test_list_filters(setup, login):
    _, district, issues = setup
    api = login(district)
    body = api.get("/api/issues/").json()
    assert body["type"] == "FeatureCollection" and body["count"] == 4
    props = body["features"][0]["properties"]
    assert {"id", "category", "status", "light", "town", "village", "grid", "deadline", "reported_at",
            "rebound_of"} <= set(props)
    shacks = sorted(i.pk for i in issues if i.category_id == "shack")
    assert ids(api.get("/api/issues/", {"category": "shack"})) == shacks
    assert ids(api.get("/api/issues/", {"village": V1})) == sorted([issues[0].pk, issues[1].pk])
    assert ids(api.get("/api/issues/", {"town": TOWN_B})) == [issues[3].pk]
    assert ids(api.get("/api/issues/", {"grid": V1 + "002"})) == [issues[1].pk]
    assert ids(api.get("/api/issues/", {"light": "red"})) == [issues[0].pk]
    assert ids(api.get("/api/issues/", {"overdue": "true"})) == [issues[0].pk]
    assert len(ids(api.get("/api/issues/", {"overdue": "false"}))) == 3
    assert ids(api.get("/api/issues/", {"status": "assigned"})) == [issues[0].pk]
    x, y = village_point(V3)
    assert ids(api.get("/api/issues/", {"bbox": f"{x - 0.001},{y - 0.001},{x + 0.001},{y + 0.001}"})) == [issues[3].pk]
    assert ids(api.get("/api/issues/", {"reported_after": "2000-01-01"})) == sorted(i.pk for i in issues)
    assert ids(api.get("/api/issues/", {"reported_before": "2000-01-01"})) == []
    assert ids(api.get("/api/issues/", {"rebound": "true"})) == []
    bad = api.get("/api/issues/", {"light": "purple"})
    assert bad.status_code == 400 and bad.json()["field"] == "light"


def test_list_is_scoped_and_uses_two_queries(setup, login):
    inspector, _, issues = setup
    api = login(make_user("town", TOWN_A))
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/issues/", {"page_size": 2})
    body = response.json()
    assert body["count"] == 3 and len(body["features"]) == 2 and body["next"]
    assert len(queries) == 2  # count + page; no query per feature
    for _ in range(3):
        make_issue(inspector, V2)
    with CaptureQueriesContext(connection) as more:
        api.get("/api/issues/", {"page_size": 100})
    assert len(more) == 2
    assert issues[3].pk not in ids(api.get("/api/issues/", {"page_size": 100}))


def jpeg_with_gps(lon, lat):
    img, exif = Image.new("RGB", (40, 30), (10, 200, 30)), Image.Exif()

    def dms(value):
        d = int(value)
        m = int((value - d) * 60)
        return (float(d), float(m), round(((value - d) * 60 - m) * 60, 3))

    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return SimpleUploadedFile("x.jpg", buf.getvalue(), content_type="image/jpeg")


def test_photo_upload_checks_content_flags_far_gps_and_is_idempotent(setup, login):
    inspector, _, issues = setup
    issue = issues[3]
    api = login(inspector)
    far = jpeg_with_gps(issue.location.x + 0.01, issue.location.y)  # ~950 m east
    first = api.post(f"/api/issues/{issue.pk}/photos/", {"image": far, "kind": "before"}, format="multipart")
    assert first.status_code == 201, first.content
    assert first.json()["gps_flag"] is True and 900 < first.json()["gps_mismatch_m"] < 1000
    far.seek(0)
    again = api.post(f"/api/issues/{issue.pk}/photos/", {"image": far, "kind": "before"}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    served = api.get(first.json()["url"])
    assert served.status_code == 200
    content = b"".join(served.streaming_content)
    assert b"Exif" not in content and Image.open(io.BytesIO(content)).getexif() == {}

    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    renamed = SimpleUploadedFile("photo.jpg", gif.getvalue(), content_type="image/jpeg")
    refused = api.post(f"/api/issues/{issue.pk}/photos/", {"image": renamed, "kind": "before"}, format="multipart")
    assert refused.status_code == 400 and refused.json()["field"] == "image" and "GIF" in refused.json()["detail"]

    outsider = login(make_user("town", TOWN_A))
    assert outsider.get(first.json()["url"]).status_code == 404


def test_openapi_schema_lists_the_api(geography, login):
    api = login(make_user("district", "310112"))
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if "json" in response["Content-Type"] else yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in ("/api/issues/", "/api/issues/{id}/transition/", "/api/issues/{id}/photos/", "/api/locate/",
                 "/api/auth/token/", "/api/categories/"):
        assert any(p.replace("{pk}", "{id}") == path for p in paths), path
    post = paths["/api/issues/"]["post"]
    assert "requestBody" in post and "409" in post["responses"]


def test_admin_map_widget_is_offline(geography, client):
    admin = make_user("admin", "310112")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(f"/admin/geo/village/{V1}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/ol/ol.js" in html and "cdn.jsdelivr" not in html


def test_list_page_built_in_postgis_matches_the_python_feature(setup, login):
    inspector, district, issues = setup
    town, village = make_user("town", "310112102"), make_user("village", V1)
    closed = close_issue(issues[1], town, village)  # a closed problem: closed_at, green, status closed
    lon, lat = closed.location.x, closed.location.y
    rebound = make_issue(inspector, V1, category="clutter", lon=metres_east(lon, lat, 5), lat=lat)  # back within 30 m
    assert rebound.rebound_of_id == closed.pk
    api = login(district)
    listed = {f["id"]: f for f in api.get("/api/issues/").json()["features"]}
    python = {r["id"]: feature(r) for r in feature_rows(Issue.objects.all(), timezone.localdate())}
    assert set(listed) == set(python) == {i.pk for i in issues} | {rebound.pk}
    for pk, expected in python.items():
        expected = json.loads(json.dumps(expected, cls=DjangoJSONEncoder))
        assert listed[pk]["properties"].keys() == expected["properties"].keys()  # every key, none left out
        assert listed[pk] == expected
    assert listed[rebound.pk]["properties"]["rebound_of"] == closed.pk
    assert listed[closed.pk]["properties"]["light"] == "green"
    for issue in issues:
        single = api.get(f"/api/issues/{issue.pk}/").json()
        expected = {k: v for k, v in single["properties"].items() if k in listed[issue.pk]["properties"]}
        assert listed[issue.pk]["properties"] == expected
        assert listed[issue.pk]["geometry"] == single["geometry"]
    order = [f["id"] for f in api.get("/api/issues/").json()["features"]]
    assert order == sorted(order, reverse=True)  # newest first, as reported
    assert api.get("/api/issues/", {"page": 99}).status_code == 404


def test_timestamps_read_the_same_from_sql_and_python():
    from datetime import UTC, datetime

    from patrol.geojson import utc

    with connection.cursor() as cur:
        for moment in (datetime(2026, 3, 1, 8, 0, tzinfo=UTC), datetime(2026, 3, 1, 8, 0, 5, 120000, tzinfo=UTC),
                       datetime(2026, 3, 1, 8, 0, 5, 123456, tzinfo=UTC)):
            cur.execute("SELECT to_json(%s::timestamptz)::text", [moment])
            assert cur.fetchone()[0].strip('"') == utc(moment)
