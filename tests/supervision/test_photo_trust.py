"""An order answer's photo that is a problem's photo again is flagged, and the order's detail says so."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from patrol.services import add_photo, transition_issue
from tests.factories import TOWN_A, V1, make_issue
from tests.trust.photos import altered, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


def jpeg(im, quality=90):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(im, quality), content_type="image/jpeg")


def test_answer_photos_are_checked_against_problem_photos(people, login):
    ordered, other = make_issue(people["inspector"], V1), make_issue(people["inspector"], V1)
    for issue in (ordered, other):
        transition_issue(people["district"], issue.pk, "assign")
    before, _ = add_photo(people["inspector"], ordered.pk, jpeg(photo("astronaut")), "before")
    earlier, _ = add_photo(people["village"], other.pk, jpeg(photo("coffee")), "after")
    district = login(people["district"])
    body = {"problems": [ordered.pk], "addressee": TOWN_A, "requirements": "限期整改",
            "deadline": (timezone.localdate() + timedelta(days=10)).isoformat()}
    order_id = district.post(reverse("supervision:orders"), body, format="json").json()["id"]
    r = login(people["town_a"]).post(
        reverse("supervision:order-answer", args=[order_id]),
        {"report": "已整改", "photos": [jpeg(altered(photo("astronaut"))["crop5"]), jpeg(photo("coffee"), 70),
                                       jpeg(photo("rocket"))]},
        format="multipart")
    assert r.status_code == 200, r.content
    items = r.json()["answers"][0]["photo_items"]
    assert [[f["code"] for f in p["flags"]] for p in items] == [["same_as_before"], ["same_photo"], []]
    assert items[1]["flags"][0]["match"]["issue"] == other.pk
    assert len(r.json()["answers"][0]["photos"]) == 3  # the URLs stay as they were

    # the order's page: the district staff who 退回 or 办结 it read the flags in the problem page's wording beside
    # the problem photos they repeat; the town that sent them is told nothing
    from django.test import Client

    reviewer, sender = Client(), Client()
    reviewer.force_login(people["district"])
    sender.force_login(people["town_a"])
    page = reverse("supervision:order-page", args=[order_id])
    html = reviewer.get(page).content.decode()
    assert "<b>与整改前照片相同</b>" in html and "<b>重复使用的照片</b>" in html
    assert html.count('data-testid="photo-review"') == 2  # the rocket, a picture of its own, has none
    for match in (before, earlier):
        assert reverse("patrol:photo-image", args=[match.pk]) in html
    html = sender.get(page).content.decode()
    assert html.count("反馈照片") == 3 and "重复使用的照片" not in html and "与整改前照片相同" not in html
