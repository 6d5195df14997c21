"""A work order's after-photo (完成) that is another order's photo, or the villager's own report photo, is flagged."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities import services
from tests.trust.photos import altered, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"facilities:{name}", args=args)


def jpeg(im, quality=90):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(im, quality), content_type="image/jpeg")


def test_work_order_photos_carry_phash_and_flags(facilities, clean_user, login):
    first = services.report("F1", "repair").order
    second = services.report("F2", "repair").order
    api = login(clean_user)
    for order in (first, second):
        assert api.post(url("workorder-accept", order.pk)).status_code == 200
    r = api.post(url("workorder-photos", first.pk), {"image": jpeg(photo("coffee"))}, format="multipart")
    mine = r.json()["photos"][0]
    assert r.status_code == 201 and mine["flags"] == [] and len(mine["phash"]) == 16
    r = api.post(url("workorder-photos", second.pk), {"image": jpeg(altered(photo("coffee"))["half"], 70)},
                 format="multipart")
    flags = r.json()["photos"][0]["flags"]
    assert [f["code"] for f in flags] == ["same_photo"]
    # the operator has no area: the earlier order is named by its town only
    assert flags[0]["detail"] == "与其他街镇照片重复" and flags[0]["match"]["issue"] is None
    # a different photo for a third order: nothing
    third = services.report("F1", "pump").order
    api.post(url("workorder-accept", third.pk))
    r = api.post(url("workorder-photos", third.pk), {"image": jpeg(photo("rocket"))}, format="multipart")
    assert r.json()["photos"][0]["flags"] == []


def test_after_photo_that_is_the_villagers_report_photo(facilities, clean_user, login, town_a):
    order = services.report("F1", "repair", photo=jpeg(photo("chelsea"))).order
    api = login(clean_user)
    api.post(url("workorder-accept", order.pk))
    r = api.post(url("workorder-photos", order.pk), {"image": jpeg(photo("chelsea"), 60)}, format="multipart")
    after = [p for p in r.json()["photos"] if p["kind"] == "after"][0]
    assert [f["code"] for f in after["flags"]] == ["same_as_before"]
    seen = login(town_a).get(url("workorder", order.pk)).json()["photos"]
    assert [f["code"] for p in seen if p["kind"] == "after" for f in p["flags"]] == ["same_as_before"]


def test_workorder_page_shows_flags_to_the_reviewer_not_to_the_company(facilities, clean_user, login, village_1):
    from django.test import Client

    order = services.report("F1", "repair", photo=jpeg(photo("chelsea"))).order
    services.accept(clean_user, order.pk)
    after, _ = services.add_after_photo(clean_user, order.pk, jpeg(photo("chelsea"), 60))
    services.done(clean_user, order.pk, note="修好了")
    staff = Client()
    staff.force_login(village_1)
    html = staff.get(url("workorder-list") + "?state=done").content.decode()
    assert "处理后照片与群众上传的照片相同" in html
    assert "<b>与整改前照片相同</b>" in html  # the flag's label, in the problem page's wording
    report_photo = order.photos.get(kind="report")
    assert url("order-photo", after.pk) in html and url("order-photo", report_photo.pk) in html
    company = Client()
    company.force_login(clean_user)
    html = company.get(url("workorder-list") + "?state=done").content.decode()
    assert f'data-id="{order.pk}"' in html and "处理后照片与群众上传的照片相同" not in html
