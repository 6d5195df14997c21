"""Backups with a tested restore.

`backup()` writes a directory holding the database (`pg_dump -Fc`), the photo store (MEDIA_ROOT, every file) and
`manifest.json`: the row count of every table (counted in the very snapshot pg_dump dumps) and the SHA-256 of
every stored file. `restore()` puts a backup into a fresh PostgreSQL cluster of its own (own data directory, own
socket; the running cluster only with `into_current=True`), copies the files back, and compares every count and
hash with the manifest: a difference is a RestoreMismatch (the command exits non-zero).
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from django.conf import settings
from django.db import connections

from ops import dbroles

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"


class BackupError(Exception):
    pass


class RestoreMismatch(BackupError):
    def __init__(self, problems):
        super().__init__("; ".join(problems[:20]) + (f" … ({len(problems)} in all)" if len(problems) > 20 else ""))
        self.problems = problems


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _owner_params(alias="default"):
    """libpq parameters for the database as its owner (the role that can read every table)."""
    db = connections[alias].settings_dict
    owner = settings.DATABASE_OWNER
    return {"dbname": db["NAME"], "host": db["HOST"] or None, "port": db["PORT"] or None,
            "user": owner.get("USER") or db["USER"] or None,
            "password": (owner.get("PASSWORD") if owner.get("USER") else db["PASSWORD"]) or None}


def _libpq_env(params):
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD"),
                     ("dbname", "PGDATABASE")):
        if params.get(key):
            env[var] = str(params[key])
    return env


# Tables that belong to an extension (postgis' spatial_ref_sys …) are made by CREATE EXTENSION on restore.
TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 1
"""


def table_counts(cur):
    cur.execute(TABLES_SQL)
    counts = {}
    for (name,) in cur.fetchall():
        # Raw SQL: every table of the schema, models or not; the name comes from the catalogue, quoted.
        cur.execute(f'SELECT count(*) FROM public."{name}"')
        counts[name] = cur.fetchone()[0]
    return counts


def media_hashes(root):
    root = Path(root)
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def backup(backup_dir=None, alias="default", log=print):
    """Write a backup directory and return its path."""
    base = Path(backup_dir or Path(settings.BASE_DIR) / "backups")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = base / f"patrol-{stamp}"
    target.mkdir(parents=True)
    params = _owner_params(alias)
    started = time.perf_counter()
    # One snapshot for the counts and the dump: the exporting transaction stays open while pg_dump runs.
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = table_counts(cur)
            cur.execute("SELECT image FROM patrol_photo")
            photo_files = [row[0] for row in cur.fetchall()]
            cur.execute("SELECT current_setting('server_version'), "
                        "(SELECT tableowner FROM pg_tables WHERE tablename = 'patrol_issueevent')")
            server_version, owner = cur.fetchone()
            done = subprocess.run(
                [str(PG_BIN / "pg_dump"), "-Fc", "--snapshot", snapshot, "-f", str(target / DUMP)],
                env=_libpq_env(params), capture_output=True, text=True,
            )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    finally:
        conn.close()
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.copytree(media_root, target / MEDIA)
    files = media_hashes(target / MEDIA)
    missing = sorted(set(photo_files) - set(files))
    if missing:
        raise BackupError(f"{len(missing)} photo file(s) recorded in the database are missing from the store: "
                          f"{', '.join(missing[:5])}")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": params["dbname"], "server_version": server_version,
        "roles": {"owner": owner, "app": dbroles.app_user(alias)},
        "dump": DUMP, "dump_sha256": sha256_file(target / DUMP),
        "tables": counts, "photos": len(photo_files), "media": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    log(f"[backup] {sum(counts.values()):,} rows in {len(counts)} tables, {len(files)} files, "
        f"{time.perf_counter() - started:.1f} s")
    return target


# --- restore ----------------------------------------------------------------------------------------------


def _as_postgres(cmd, **kw):
    """Run a cluster tool as the `postgres` user when we are root (PostgreSQL refuses to run as root)."""
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/", **kw)


class FreshCluster:
    """A PostgreSQL cluster of its own: data directory under `root`, a unix socket in a short directory."""

    def __init__(self, root):
        self.root = Path(root)
        self.data = self.root / "data"
        self.socket = Path(tempfile.mkdtemp(prefix="patrol-restore-"))
        self.log = self.root / "server.log"

    def _chown(self, *paths):
        if os.getuid() == 0:
            for p in paths:
                shutil.chown(p, "postgres")

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self._chown(self.root, self.socket)
        if (self.data / "PG_VERSION").exists():
            raise BackupError(f"{self.data} already holds a cluster: restore into a new target")
        done = _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                             "--encoding=UTF8", "--locale=C.UTF-8"])
        if done.returncode != 0:
            raise BackupError(f"initdb failed: {done.stderr.strip()[-500:]}")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = ''\nunix_socket_directories = '{self.socket}'\n"
                       "unix_socket_permissions = 0700\n")
        done = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                             "start"])
        if done.returncode != 0:
            raise BackupError(f"the restore cluster did not start: {done.stderr.strip()[-500:]}")

    def stop(self):
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.socket, ignore_errors=True)

    def params(self, dbname="postgres"):
        return {"host": str(self.socket), "user": "postgres", "dbname": dbname}


def _check(manifest, counts, files):
    problems = []
    for table, n in manifest["tables"].items():
        if counts.get(table) != n:
            problems.append(f"table {table}: {counts.get(table)} rows, manifest {n}")
    for table in sorted(set(counts) - set(manifest["tables"])):
        problems.append(f"table {table} is not in the manifest")
    for name, digest in manifest["media"].items():
        if files.get(name) != digest:
            problems.append(f"file {name}: {'missing' if name not in files else 'SHA-256 differs'}")
    return problems


def read_manifest(path):
    path = Path(path)
    manifest_file = path / MANIFEST
    if not manifest_file.exists():
        raise BackupError(f"{path} is not a backup (no {MANIFEST})")
    manifest = json.loads(manifest_file.read_text())
    if sha256_file(path / manifest["dump"]) != manifest["dump_sha256"]:
        raise RestoreMismatch([f"{manifest['dump']}: SHA-256 differs from the manifest"])
    return manifest


def restore(path, target=None, into_current=False, keep_running=False, alias="default", log=print):
    """Restore a backup and verify it; returns a report dict. Raises RestoreMismatch on any difference."""
    path = Path(path).resolve()
    manifest = read_manifest(path)
    if into_current:
        params = _owner_params(alias)
        media_root = Path(settings.MEDIA_ROOT)
        # The owner cannot drop or create extensions (postgis stays as it is): restore everything else.
        listing = subprocess.run([str(PG_BIN / "pg_restore"), "-l", str(path / manifest["dump"])],
                                 capture_output=True, text=True, check=True).stdout
        keep = [line for line in listing.splitlines() if " EXTENSION " not in line]
        with tempfile.NamedTemporaryFile("w", suffix=".list") as items:
            items.write("\n".join(keep) + "\n")
            items.flush()
            done = subprocess.run([str(PG_BIN / "pg_restore"), "--clean", "--if-exists", "--single-transaction",
                                   "--exit-on-error", "--no-owner", "-L", items.name,
                                   "-d", params["dbname"], str(path / manifest["dump"])],
                                  env=_libpq_env(params), capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-800:]}")
        cluster = None
    else:
        target = Path(target or Path(settings.BASE_DIR) / ".pg-restore" / f"{path.name}-{int(time.time())}")
        cluster = FreshCluster(target)
        cluster.start()
        params = cluster.params()
        conn = psycopg2.connect(**params)
        conn.autocommit = True
        with conn.cursor() as cur:
            for role in {manifest["roles"]["owner"], manifest["roles"]["app"]} - {"postgres", None}:
                cur.execute(f'CREATE ROLE "{role}" LOGIN')
            cur.execute(f'CREATE DATABASE "{manifest["database"]}" OWNER "{manifest["roles"]["owner"]}"'
                        if manifest["roles"]["owner"] != "postgres" else f'CREATE DATABASE "{manifest["database"]}"')
        conn.close()
        params = cluster.params(manifest["database"])
        # Extensions (postgis, pgrouting) come from the dump; the superuser creates them.
        done = subprocess.run([str(PG_BIN / "pg_restore"), "--exit-on-error", "-h", params["host"], "-U", "postgres",
                               "-d", params["dbname"], str(path / manifest["dump"])], capture_output=True, text=True)
        if done.returncode != 0:
            cluster.stop()
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-800:]}")
        media_root = target / "media"
    if (path / MEDIA).exists():
        shutil.copytree(path / MEDIA, media_root, dirs_exist_ok=True)
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    try:
        with conn.cursor() as cur:
            counts = table_counts(cur)
    finally:
        conn.close()
    files = media_hashes(media_root)
    problems = _check(manifest, counts, files)
    report = {"backup": str(path), "tables": len(counts), "rows": sum(counts.values()), "files": len(files),
              "media_root": str(media_root)}
    if cluster is not None:
        report.update(data_dir=str(cluster.data), socket=str(cluster.socket))
        if not keep_running:
            cluster.stop()
    if problems:
        raise RestoreMismatch(problems)
    log(f"[restore] verified {report['rows']:,} rows in {report['tables']} tables and {report['files']} files")
    return report
