"""The exactly-once check of the load and fault test finds what it is there to find."""
from bench.loadcheck import verify

U1, U2, U3 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", \
    "33333333-3333-4333-8333-333333333333"
SHA1, SHA2 = "a" * 64, "b" * 64


def _store(tmp_path, *names):
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8 jpeg")


def _acks():
    return {U1: {"issue_id": 1, "photo_sha256": SHA1, "photo_status": 201},
            U2: {"issue_id": 2, "photo_sha256": SHA2, "photo_status": 200}}


def test_everything_stored_once_passes(tmp_path):
    _store(tmp_path, "photos/1.jpg", "photos/2.jpg")
    v = verify(_acks(), [(U1, 1), (U2, 2)], [(1, "before", SHA1, "photos/1.jpg"), (2, "before", SHA2, "photos/2.jpg")],
               tmp_path, files=["photos/1.jpg", "photos/2.jpg"])
    assert v.ok, v.problems
    assert v.counts["in the database exactly once"] == 2
    assert v.counts["with their photo file on disk"] == 2
    assert v.counts["photo files without a row"] == 0


def test_a_client_uuid_stored_twice_fails(tmp_path):
    _store(tmp_path, "photos/1.jpg", "photos/2.jpg")
    v = verify(_acks(), [(U1, 1), (U2, 2), (U2, 3)],
               [(1, "before", SHA1, "photos/1.jpg"), (2, "before", SHA2, "photos/2.jpg")], tmp_path)
    assert not v.ok
    assert v.counts["client_uuids stored twice"] == 1
    assert any(U2 in p and "2 times" in p for p in v.problems)


def test_a_missing_photo_row_or_file_fails(tmp_path):
    _store(tmp_path, "photos/1.jpg")  # the second photo's file is gone
    no_row = verify(_acks(), [(U1, 1), (U2, 2)], [(1, "before", SHA1, "photos/1.jpg")], tmp_path)
    assert not no_row.ok and no_row.counts["with their photo row"] == 1
    no_file = verify(_acks(), [(U1, 1), (U2, 2)],
                     [(1, "before", SHA1, "photos/1.jpg"), (2, "before", SHA2, "photos/2.jpg")], tmp_path)
    assert not no_file.ok
    assert no_file.counts["with their photo row"] == 2 and no_file.counts["with their photo file on disk"] == 1
    assert any("photos/2.jpg" in p for p in no_file.problems)


def test_a_lost_report_a_duplicate_photo_and_an_unsent_row_fail(tmp_path):
    _store(tmp_path, "photos/1.jpg", "photos/1b.jpg")
    v = verify(_acks(), [(U1, 1), (U3, 3)],
               [(1, "before", SHA1, "photos/1.jpg"), (1, "before", SHA1, "photos/1b.jpg")], tmp_path)
    assert v.counts["acknowledged but missing"] == 1  # U2 was acknowledged and is not stored
    assert v.counts["photos stored twice"] == 1
    assert v.counts["stored but never sent"] == 1  # U3 is in no outbox and was never acknowledged
    # A row the server stored while the client was cut off is fine when the client still holds it.
    pending_ok = verify({U1: _acks()[U1]}, [(U1, 1), (U3, 3)], [(1, "before", SHA1, "photos/1.jpg")], tmp_path,
                        pending=[U3])
    assert pending_ok.ok, pending_ok.problems
