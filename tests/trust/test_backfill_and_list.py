"""`manage.py photo_hashes` for photos stored before the checks, and GET /api/photo-flags/."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from patrol.models import Photo
from patrol.services import add_photo, transition_issue
from tests.factories import V1, V3, make_issue

from .photos import altered, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


def jpeg(im, quality=90):
    return SimpleUploadedFile("p.jpg", jpeg_bytes(im, quality), content_type="image/jpeg")


def assigned(people, village=V1):
    issue = make_issue(people["inspector"], village)
    transition_issue(people["district"], issue.pk, "assign")
    return issue


def forget_hashes():
    """What rows stored before this issue look like: no hash, no flags. Photos are records the application role
    may not rewrite: the owner writes them as they were, its fence lifted for the one transaction (the tests
    that call this are transactional, so the owner's connection sees their rows)."""
    from django.db import connection, transaction

    from ops.dbroles import as_owner

    with as_owner(), transaction.atomic(), connection.cursor() as cur:
        cur.execute("ALTER TABLE patrol_photo DISABLE TRIGGER patrol_photo_append_only")
        cur.execute("UPDATE patrol_photo SET phash = NULL, dhash = NULL, phash_q0 = NULL, phash_q1 = NULL, "
                    "phash_q2 = NULL, phash_q3 = NULL, phash_bits = NULL, flags = '[]'")
        cur.execute("ALTER TABLE patrol_photo ENABLE TRIGGER patrol_photo_append_only")


@pytest.mark.django_db(transaction=True)
def test_backfill_hashes_and_flags_older_photos_once(people):
    a, b, c = assigned(people), assigned(people), assigned(people)
    first, _ = add_photo(people["village"], a.pk, jpeg(photo("coffee")), "after")
    second, _ = add_photo(people["village"], b.pk, jpeg(altered(photo("coffee"))["jpeg60"]), "after")
    other, _ = add_photo(people["village"], c.pk, jpeg(photo("rocket")), "after")
    expected = {p.pk: (p.phash, p.flag_codes) for p in (first, second, other)}
    assert expected[second.pk][1] == ["same_photo"]
    forget_hashes()
    err = io.StringIO()
    out = io.StringIO()
    call_command("photo_hashes", stdout=out, stderr=err)
    assert "问题照片：补算 3 张" in out.getvalue() and "3/3" in err.getvalue()
    got = {p.pk: (p.phash, p.flag_codes) for p in Photo.objects.all()}
    assert got == expected  # the same hashes and flags as when they came in: only earlier photos count
    # again: nothing left to do, nothing changed
    out = io.StringIO()
    call_command("photo_hashes", stdout=out, stderr=io.StringIO())
    assert "问题照片：补算 0 张" in out.getvalue()
    assert {p.pk: (p.phash, p.flag_codes) for p in Photo.objects.all()} == expected


@pytest.mark.django_db(transaction=True)
def test_backfill_resumes_and_flags_a_missing_file_unchecked(people):
    a, b = assigned(people), assigned(people)
    add_photo(people["village"], a.pk, jpeg(photo("coffee")), "after")
    gone, _ = add_photo(people["village"], b.pk, jpeg(photo("chelsea")), "after")
    forget_hashes()
    gone.image.storage.delete(gone.image.name)
    call_command("photo_hashes", "--batch", "1", stdout=io.StringIO(), stderr=io.StringIO())
    gone.refresh_from_db()
    assert gone.phash is None and gone.flag_codes == ["unchecked"]
    assert Photo.objects.exclude(pk=gone.pk).get().phash is not None


def test_photo_flags_lists_flagged_evidence_in_the_callers_area(people, login):
    here, there = assigned(people), assigned(people, V3)
    add_photo(people["village"], here.pk, jpeg(photo("coffee")), "after")
    add_photo(people["village3"], there.pk, jpeg(photo("coffee"), 70), "after")  # flagged: in town B
    mine = assigned(people)
    add_photo(people["village"], mine.pk, jpeg(altered(photo("coffee"))["half"]), "after")  # flagged: in town A
    add_photo(people["village"], assigned(people).pk, jpeg(photo("rocket")), "after")  # not flagged
    r = login(people["town_a"]).get("/api/photo-flags/")
    assert r.status_code == 200
    assert [(p["issue"], [f["code"] for f in p["flags"]]) for p in r.json()] == [(mine.pk, ["same_photo"])]
    everything = login(people["district"]).get("/api/photo-flags/").json()
    assert sorted(p["issue"] for p in everything) == sorted([there.pk, mine.pk])
    assert login(people["district"]).get("/api/photo-flags/", {"town": "310112103"}).json()[0]["issue"] == there.pk
    from django.utils import timezone

    month = timezone.localdate().strftime("%Y-%m")
    assert len(login(people["district"]).get("/api/photo-flags/", {"month": month}).json()) == 2
    assert login(people["district"]).get("/api/photo-flags/", {"month": "2001-01"}).json() == []
    r = login(people["town_a"]).get("/api/photo-flags/", {"town": "310112103"})
    assert r.status_code == 400 and r.json()["field"] == "town"
    r = login(people["town_a"]).get("/api/photo-flags/", {"month": "2026-13"})
    assert r.status_code == 400 and r.json()["field"] == "month"
