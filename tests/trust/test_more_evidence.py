"""The trust checks on the other evidence photos (issue 28): campaign acceptance photos, task progress photos and
household ledger photos, each stored through core.stored_photos.attach_photo with its flow's check, on real
photographs: an altered copy sent for another village / report / household is ``same_photo`` naming the first,
a different photograph is never flagged, and a camera time before the campaign, the task's year or the scored month
is ``taken_before_assignment``."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns import services as campaigns
from campaigns.models import AcceptancePhoto, TaskProgressPhoto
from tests.factories import DISTRICT, TOWN_A, V1, V2, V3, make_user

from .photos import acceptance_campaign, altered, jpeg_bytes, photo
from .test_issue_photos import camera_exif

pytestmark = pytest.mark.django_db


def upload(data, name="p.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def codes(row):
    return [f["code"] for f in row.flags]


def test_acceptance_photos(geography):
    town = make_user("town", TOWN_A)
    campaign = acceptance_campaign(town)
    first, _ = campaigns.record_acceptance(town, campaign.pk, V1, "pass", "整洁",
                                           photos=[upload(jpeg_bytes(photo("coffee"), 92, camera_exif()))])
    assert codes(first.photos.get()) == [] and first.photos.get().phash
    # the same village re-accepted with its own photo again is no reuse
    again, _ = campaigns.record_acceptance(town, campaign.pk, V1, "fail", "复查发现柴草堆",
                                           photos=[upload(jpeg_bytes(photo("coffee"), 80, camera_exif()))])
    assert codes(again.photos.get()) == []
    copy = altered(photo("coffee"))["all_at_once"]
    second, _ = campaigns.record_acceptance(town, campaign.pk, V2, "pass", "整洁",
                                            photos=[upload(jpeg_bytes(copy, 60, camera_exif()))])
    flags = second.photos.get().flags
    assert [f["code"] for f in flags] == ["same_photo"]
    assert flags[0]["match"]["village"] == V1
    assert flags[0]["match"]["photo"] in {first.photos.get().pk, again.photos.get().pk}
    assert "冬季战役" in flags[0]["detail"]
    old = (timezone.localtime() - timedelta(days=30)).strftime("%Y:%m:%d %H:%M:%S")
    late, _ = campaigns.record_acceptance(town, campaign.pk, V2, "fail", "旧照片",
                                          photos=[upload(jpeg_bytes(photo("chelsea"), 90, camera_exif(old)))])
    assert codes(late.photos.get()) == ["taken_before_assignment"]
    assert "早于专项行动开始时间" in late.photos.get().flags[0]["detail"]
    assert AcceptancePhoto.objects.count() == 4


def test_task_progress_photos(geography):
    district, town = make_user("district", DISTRICT), make_user("town", TOWN_A)
    year = timezone.localdate().year
    task = campaigns.create_task(district, {"name": "美丽庭院创建", "year": year, "unit": "户", "level": "village",
                                            "targets": [{"area": V1, "target": 120}, {"area": V3, "target": 60}]})
    first, _ = campaigns.add_progress(town, task.pk, V1, 5, None,
                                      photos=[upload(jpeg_bytes(photo("astronaut"), 92, camera_exif()))])
    assert codes(first.photos.get()) == []
    copy = altered(photo("astronaut"))["half"]
    second, _ = campaigns.add_progress(town, task.pk, V1, 3, None, photos=[upload(jpeg_bytes(copy, 80))])
    flags = second.photos.get().flags
    assert [f["code"] for f in flags] == ["same_photo"] and flags[0]["match"]["photo"] == first.photos.get().pk
    other, _ = campaigns.add_progress(town, task.pk, V1, 2, None,
                                      photos=[upload(jpeg_bytes(photo("rocket"), 90,
                                                                camera_exif(f"{year - 1}:12:31 23:30:00")))])
    assert codes(other.photos.get()) == ["taken_before_assignment"]
    assert TaskProgressPhoto.objects.count() == 3


def test_household_ledger_photos(geography, login):
    from households import services as households
    from households.models import EntryPhoto, PointEntry
    from tests.households.conftest import ITEMS, make_household

    staff = make_user("village", V1)
    r = login(staff).post("/api/households/rules/", {"village": V1, "year": 2026, "board_n": 2, "items": ITEMS},
                          format="json")
    assert r.status_code == 201, r.content
    make_household("H1"), make_household("H2", group="二组")
    month = f"{timezone.localdate():%Y-%m}"
    first, _ = households.score(staff, "H1", item="clutter", month=month,
                                photo=upload(jpeg_bytes(photo("chelsea"), 92, camera_exif())))
    assert codes(first.photo_check) == [] and first.photo == first.photo_check.image.name
    copy = altered(photo("chelsea"))["crop5"]
    second, _ = households.score(staff, "H2", item="clutter", month=month, photo=upload(jpeg_bytes(copy, 70)))
    flags = second.photo_check.flags
    assert [f["code"] for f in flags] == ["same_photo"] and flags[0]["match"]["household"] == "H1"
    old = (timezone.localtime().replace(day=1) - timedelta(days=2)).strftime("%Y:%m:%d %H:%M:%S")
    late, _ = households.score(staff, "H1", item="yard", month=month,
                               photo=upload(jpeg_bytes(photo("coffee"), 90, camera_exif(old))))
    assert codes(late.photo_check) == ["taken_before_assignment"]
    assert EntryPhoto.objects.count() == 3 and PointEntry.objects.exclude(photo="").count() == 3
    assert households.entry_json(second)["photo"]  # the ledger still links its photo
