"""Photos of an order's answer are checked and cleaned like every other photo: an SVG or a file that is no picture is
refused naming the field and nothing is kept; a phone photo is re-encoded and served without its EXIF position,
which is kept as data."""
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from supervision.models import AnswerPhoto, Order, OrderAnswer
from tests.core.test_photos import LAT, LON, _assert_no_metadata, _exif, _jpeg
from tests.factories import tiny_jpeg
from tests.supervision.test_orders import _issue, _order

SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def order_id(people, login):
    return _order(login(people["district"]), [_issue(people).pk]).json()["id"]


def _answer(client, order_id, *files):
    return client.post(reverse("supervision:order-answer", args=[order_id]),
                       {"report": "已整改，附现场照片", "photos": list(files)}, format="multipart")


def _stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("fix.svg", SVG, content_type="image/svg+xml"),
    SimpleUploadedFile("fix.png", b"not a picture at all", content_type="image/png"),  # a declared type is no proof
], ids=["svg", "text-declared-png"])
def test_a_file_that_is_no_photo_is_refused_naming_the_field_and_nothing_is_kept(people, login, media, order_id,
                                                                                  upload):
    town = login(people["town_a"])
    r = _answer(town, order_id, tiny_jpeg(), upload)  # the good photo before it is not kept either
    assert r.status_code == 400
    assert r.json()["field"] == "photos" and "仅接受" in r.json()["detail"]
    assert Order.objects.get(pk=order_id).state == "issued"
    assert not OrderAnswer.objects.exists() and not AnswerPhoto.objects.exists()
    assert _stored_files(media) == []
    # the same answer with the photo alone goes through
    r = _answer(town, order_id, tiny_jpeg())
    assert r.status_code == 200 and r.json()["state"] == "answered" and len(r.json()["answers"][0]["photos"]) == 1


def test_a_phone_photo_is_served_without_its_position_which_is_kept(people, login, media, order_id):
    original = _jpeg(_exif(LON, LAT, "2026:11:30 09:15:00", "+08:00"))
    assert b"WGS-84" in original
    r = _answer(login(people["town_a"]), order_id, SimpleUploadedFile("site.jpg", original, content_type="image/jpeg"))
    assert r.status_code == 200, r.json()
    [url] = r.json()["answers"][0]["photos"]

    served = login(people["district"]).get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    content = b"".join(served.streaming_content)
    assert content != original
    _assert_no_metadata(content)
    assert Image.open(io.BytesIO(content)).size == (40, 30)

    photo = AnswerPhoto.objects.get()
    assert photo.exif_location.x == pytest.approx(LON, abs=1e-5)
    assert photo.exif_location.y == pytest.approx(LAT, abs=1e-5)
    assert photo.exif_time.isoformat() == "2026-11-30T01:15:00+00:00"
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert photo.content_type == "image/jpeg"
    # the served file is the only copy kept: the original with its position is not on disk
    assert [p.read_bytes() for p in _stored_files(media)] == [content]
    # other towns still do not see it
    assert login(people["town_b"]).get(url).status_code == 404
