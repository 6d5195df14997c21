"""`make backup` / `make restore`: a database with problems, events and photos, backed up, restored into a fresh
cluster elsewhere, and compared table by table and file by file; a damaged backup is refused."""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from ops.backup import RestoreMismatch, backup, restore, table_counts
from patrol.services import add_photo, transition_issue
from tests.factories import make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def restore_dir():
    # The cluster runs as the postgres user: its directory must be reachable for it (pytest's tmp_path is not).
    path = Path(tempfile.mkdtemp(prefix="patrol-restore-test-"))
    path.chmod(0o755)
    yield path / "cluster"
    shutil.rmtree(path, ignore_errors=True)


def current_state():
    with connection.cursor() as cur:
        return table_counts(cur)


def test_backup_restores_elsewhere_with_every_row_and_photo(geography, media, tmp_path, restore_dir):
    inspector, town = make_user("inspector", "310112"), make_user("town", "310112102")
    village = make_user("village", "310112102201")
    issues = [make_issue(inspector, village="310112102201", grid=g) for g in (1, 2)]
    for n, issue in enumerate(issues):
        add_photo(inspector, issue.pk, tiny_jpeg(color=(n, 200, 10)), "before")
    transition_issue(town, issues[0].pk, "assign")
    add_photo(village, issues[0].pk, tiny_jpeg(color=(9, 9, 9)), "after")
    transition_issue(village, issues[0].pk, "submit")

    path = backup(tmp_path / "backups", log=lambda *a: None)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["tables"] == current_state()
    assert manifest["tables"]["patrol_issue"] == 2 and manifest["tables"]["patrol_issueevent"] == 4
    assert manifest["tables"]["patrol_photo"] == 3 and manifest["photos"] == 3
    assert len([f for f in manifest["media"] if f.startswith("photos/")]) == 3

    report = restore(path, target=restore_dir, keep_running=True, log=lambda *a: None)
    try:
        conn = psycopg2.connect(host=report["socket"], user="postgres", dbname=manifest["database"])
        with conn.cursor() as cur:
            assert table_counts(cur) == current_state()
            cur.execute("SELECT action FROM patrol_issueevent ORDER BY id")
            assert [r[0] for r in cur.fetchall()] == ["report", "report", "assign", "submit"]
            cur.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'patrol_issueevent'::regclass "
                        "AND NOT tgisinternal ORDER BY 1")
            assert [r[0] for r in cur.fetchall()] == ["patrol_issueevent_append_only", "patrol_issueevent_no_truncate"]
            cur.execute("SELECT has_table_privilege('patrol_app', 'patrol_issueevent', 'UPDATE'), "
                        "has_table_privilege('patrol_app', 'patrol_issueevent', 'INSERT')")
            assert cur.fetchone() == (False, True)
        conn.close()
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D",
                        report["data_dir"], "-m", "fast", "stop"], capture_output=True, cwd="/")
        shutil.rmtree(report["socket"], ignore_errors=True)
    restored = Path(report["media_root"])
    for name in manifest["media"]:
        assert (restored / name).read_bytes() == (Path(media) / name).read_bytes()


def test_restore_refuses_a_backup_that_differs(geography, media, tmp_path, restore_dir):
    inspector = make_user("inspector", "310112")
    issue = make_issue(inspector)
    photo, _ = add_photo(inspector, issue.pk, tiny_jpeg(), "before")
    path = backup(tmp_path / "backups", log=lambda *a: None)
    (path / "media" / photo.image.name).write_bytes(b"not the photo")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["tables"]["patrol_issueevent"] += 1
    (path / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(RestoreMismatch) as caught:
        restore(path, target=restore_dir, log=lambda *a: None)
    problems = " | ".join(caught.value.problems)
    assert "patrol_issueevent: 1 rows, manifest 2" in problems
    assert f"file {photo.image.name}: SHA-256 differs" in problems


def test_make_restore_exits_non_zero_on_a_damaged_dump(geography, media, tmp_path, settings):
    path = backup(tmp_path / "backups", log=lambda *a: None)
    with open(path / "database.dump", "ab") as f:
        f.write(b"x")
    done = subprocess.run([sys.executable, "manage.py", "restore", str(path)], capture_output=True, text=True,
                          cwd=settings.BASE_DIR)
    assert done.returncode != 0
    assert "database.dump: SHA-256 differs" in done.stderr
