"""Problem photos that can be trusted: each check's flag through the API, on real photographs."""
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from patrol.models import Photo
from patrol.services import transition_issue
from tests.factories import V1, V2, V3, make_issue

from .photos import altered, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


def upload(data, name="p.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def camera_exif(when=None, offset=None):
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if when:
        exif[0x8769] = {0x9003: when, **({0x9011: offset} if offset else {})}
    return exif


def send(api, issue, data, kind="after", **extra):
    r = api.post(f"/api/issues/{issue.pk}/photos/", {"image": upload(data), "kind": kind, **extra},
                 format="multipart")
    assert r.status_code in (200, 201), r.content
    return r.json()


def codes(body):
    return [f["code"] for f in body["flags"]]


@pytest.fixture
def assigned(people):
    def make(village=V1):
        issue = make_issue(people["inspector"], village)
        transition_issue(people["town" if village in (V1, V2) else "town_b"], issue.pk, "assign")
        return issue
    return make


def test_an_altered_copy_sent_for_another_problem_is_same_photo_and_names_it(people, login, assigned):
    first, second = assigned(), assigned(V2)
    api = login(people["district"])
    original = send(api, first, jpeg_bytes(photo("coffee"), 92, camera_exif()))
    assert codes(original) == [] and len(original["phash"]) == 16
    copy = altered(photo("coffee"))["all_at_once"]
    body = send(api, second, jpeg_bytes(copy, 60, camera_exif()))
    assert codes(body) == ["same_photo"]
    match = body["flags"][0]["match"]
    assert match["issue"] == first.pk and match["village"] == V1 and match["photo"] == original["id"]
    assert f"#{first.pk}" in body["flags"][0]["detail"]
    # the list of the problem's photos carries the same
    listed = api.get(f"/api/issues/{second.pk}/photos/").json()
    assert listed[0]["flags"] == body["flags"] and listed[0]["phash"] == body["phash"]


def test_different_photos_are_never_flagged(people, login, assigned):
    api = login(people["district"])
    from .photos import NAMES
    for name in NAMES:
        body = send(api, assigned(), jpeg_bytes(photo(name), 88, camera_exif()))
        assert codes(body) == [], name


def test_byte_identical_photo_is_same_photo(people, login, assigned):
    api = login(people["district"])
    data = jpeg_bytes(photo("chelsea"), 80, camera_exif())
    send(api, assigned(), data)
    assert codes(send(api, assigned(), data)) == ["same_photo"]


def test_after_photo_that_is_the_before_photo_again(people, login, assigned):
    issue = assigned()
    api = login(people["district"])
    before = send(api, issue, jpeg_bytes(photo("rocket"), 90, camera_exif()), kind="before")
    body = send(api, issue, jpeg_bytes(altered(photo("rocket"))["brighter"], 85, camera_exif()))
    assert codes(body) == ["same_as_before"]
    assert body["flags"][0]["match"]["photo"] == before["id"]


def test_taken_before_assignment_across_the_time_zone_boundary(people, login, settings):
    """Assigned at 01:00 Beijing time on 1 March (17:00 UTC on 28 February). A camera clock of 00:30 on 1 March
    (local, no offset) is before it; read as UTC it would wrongly seem 7½ hours after."""
    assert settings.TIME_ZONE == "Asia/Shanghai"
    issue = make_issue(people["inspector"], V1)
    issue.reported_at = timezone.make_aware(datetime(2026, 2, 27, 9))
    issue.save(update_fields=["reported_at"])
    transition_issue(people["town"], issue.pk, "assign", now=timezone.make_aware(datetime(2026, 3, 1, 1, 0)))
    api = login(people["district"])
    body = send(api, issue, jpeg_bytes(photo("astronaut"), 90, camera_exif("2026:03:01 00:30:00")))
    assert codes(body) == ["taken_before_assignment"]
    assert "2026-03-01 00:30" in body["flags"][0]["detail"]
    # 00:30 with an explicit offset of +00:00 is 08:30 Beijing time: after the assignment
    body = send(api, issue, jpeg_bytes(photo("camera"), 90, camera_exif("2026:03:01 00:30:00", "+00:00")))
    assert codes(body) == []
    # a camera in UTC−05:00 at 11:00 on 28 February is 00:00 on 1 March Beijing time: before
    body = send(api, issue, jpeg_bytes(photo("clock"), 90, camera_exif("2026:02:28 11:00:00", "-05:00")))
    assert codes(body) == ["taken_before_assignment"]


def test_stripped_exif_is_no_camera_data_only_from_the_phone_app(people, login, assigned):
    api = login(people["district"])
    bare = jpeg_bytes(photo("coins"), 90)  # no EXIF at all: a screenshot or a forwarded picture
    assert codes(send(api, assigned(), bare)) == []  # the office's browser: nothing said
    body = send(api, assigned(), jpeg_bytes(photo("moon"), 90), source="app")
    assert codes(body) == ["no_camera_data"]
    with_exif = send(api, assigned(), jpeg_bytes(photo("page"), 90, camera_exif("2099:01:01 10:00:00")),
                     source="app")
    assert codes(with_exif) == []


def test_far_from_problem_is_one_of_the_flags(people, login, assigned):
    from tests.patrol.test_api_extras import jpeg_with_gps

    issue = assigned()
    api = login(people["district"])
    r = api.post(f"/api/issues/{issue.pk}/photos/", {"image": jpeg_with_gps(121.47, 31.11), "kind": "after"},
                 format="multipart")
    assert "far_from_problem" in codes(r.json()) and r.json()["gps_flag"] is True


def test_a_match_in_another_town_is_named_by_its_area_only(people, login, assigned):
    there, here = assigned(V3), assigned(V1)
    send(login(people["village3"]), there, jpeg_bytes(photo("chelsea"), 90, camera_exif()))
    body = send(login(people["village"]), here, jpeg_bytes(altered(photo("chelsea"))["jpeg60"], 60, camera_exif()))
    flag = body["flags"][0]
    assert flag["code"] == "same_photo" and flag["detail"] == "与其他街镇照片重复"
    assert flag["match"]["issue"] is None and flag["match"]["village"] is None and "photo" not in flag["match"]
    town_view = login(people["town"]).get(f"/api/issues/{here.pk}/photos/").json()[0]["flags"][0]
    assert town_view["detail"] == "与其他街镇照片重复" and town_view["match"]["issue"] is None
    # the district sees which problem it was
    full = login(people["district"]).get(f"/api/issues/{here.pk}/photos/").json()[0]["flags"][0]
    assert full["match"]["issue"] == there.pk


def test_an_unhashable_photo_is_stored_and_flagged_unchecked(people, login, assigned, monkeypatch):
    import core.photos

    monkeypatch.setattr(core.photos, "perceptual_hashes", lambda im: (None, None))
    issue = assigned()
    body = send(login(people["district"]), issue, jpeg_bytes(photo("coffee"), 90, camera_exif()))
    assert codes(body) == ["unchecked"] and body["phash"] is None
    assert Photo.objects.filter(issue=issue).count() == 1


def test_a_failing_check_never_loses_the_photo(people, login, assigned, monkeypatch):
    import patrol.photo_checks

    def boom(*a, **k):
        raise RuntimeError("index gone")

    monkeypatch.setattr(patrol.photo_checks, "near_matches", boom)
    issue = assigned()
    body = send(login(people["district"]), issue, jpeg_bytes(photo("coffee"), 90, camera_exif()))
    assert codes(body) == ["unchecked"] and len(body["phash"]) == 16
    assert Photo.objects.filter(issue=issue).count() == 1
