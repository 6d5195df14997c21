"""The two database roles: the owner (runs migrations, owns every table) and the application role (everything
else: web process, workers, commands). The application role may only read and add to the record tables
(RECORD_TABLES: the problem history and every other record), filling in at most the few columns listed there; it
owns no table and so cannot disable their triggers (ops/migrations/0001_record_tables_append_only.py).

`grants_sql()` is the one source of the privileges: `migrate` applies it after migrating (as the owner), and
`manage.py print_grants` prints it, with the role creation, for an external database.
"""
import contextlib

from django.conf import settings
from django.db import connections

HISTORY_TABLE = "patrol_issueevent"

_HASHES = ("phash", "dhash", "phash_q0", "phash_q1", "phash_q2", "phash_q3", "phash_bits", "flags")
# Every table that is a record → the columns the application role may still fill in after the insert (the triggers
# allow each only from empty: a photo's hashes and flags, a problem photo's submission, a replaced scorecard).
RECORD_TABLES = {
    HISTORY_TABLE: (),
    "patrol_photo": (*_HASHES, "submitted_with_id"),
    "assessment_monthclose": (),  # its closure changes only through its log (a trigger)
    "assessment_monthcloselog": (),
    "assessment_scorecard": ("current", "replaced_by_id"),
    "campaigns_quotachange": (),
    "campaigns_acceptance": (),
    "campaigns_acceptancephoto": _HASHES,
    "campaigns_taskprogress": (),
    "campaigns_taskprogressphoto": _HASHES,
    "facilities_orderevent": (),
    "facilities_orderphoto": _HASHES,
    "households_pointentry": (),
    "households_entryphoto": _HASHES,
    "households_exportlog": (),
    "supervision_orderevent": (),
    "supervision_orderanswer": (),
    "supervision_answerphoto": _HASHES,
    "waterbodies_statuschange": (),
    "waterbodies_visit": (),
    "waterbodies_visitphoto": _HASHES,
}


_app_credentials = {}  # alias → (USER, PASSWORD) of the application role while a block runs as the owner


def app_user(alias="default"):
    saved = _app_credentials.get(alias)
    return saved[0] if saved else connections[alias].settings_dict["USER"]


def owner_user(alias="default"):
    return settings.DATABASE_OWNER.get("USER") or app_user(alias)


def split_roles(alias="default"):
    """True when the owner and the application role are different roles (the embedded cluster, or an external
    database with DATABASE_OWNER_URL)."""
    return bool(settings.DATABASE_OWNER.get("USER")) and owner_user(alias) != app_user(alias)


@contextlib.contextmanager
def as_owner(alias="default"):
    """Reconnect `alias` as the owner for the block, then back as the application role.

    Must not be used inside a transaction of the application role's connection (it closes the connection).
    """
    conn = connections[alias]
    if not split_roles(alias):
        yield conn
        return
    if alias in _app_credentials:  # already the owner (nested)
        yield conn
        return
    saved = {k: conn.settings_dict.get(k) for k in ("USER", "PASSWORD")}
    _app_credentials[alias] = (saved["USER"], saved["PASSWORD"])
    conn.close()
    conn.settings_dict["USER"] = settings.DATABASE_OWNER["USER"]
    conn.settings_dict["PASSWORD"] = settings.DATABASE_OWNER.get("PASSWORD", "")
    try:
        yield conn
    finally:
        conn.close()
        conn.settings_dict.update(saved)
        del _app_credentials[alias]


def _ident(name):
    return '"' + name.replace('"', '""') + '"'


def grants_sql(app_role, schema="public", tables=None):
    """Statements (run as the owner) that give the application role what it needs and nothing more (`tables`:
    the record tables that exist, when the database is migrated only part of the way)."""
    app, sch = _ident(app_role), _ident(schema)
    out = [
        f"REVOKE CREATE ON SCHEMA {sch} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {sch} TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}",
    ]
    # Records are append-only: read and add, never rewrite, remove or empty (REVOKE of the table's UPDATE also
    # drops column grants, so the few columns that may be filled in are granted again after it).
    for table, columns in RECORD_TABLES.items():
        if tables is not None and table not in tables:
            continue
        t = f"{sch}.{_ident(table)}"
        out += [f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {t} FROM {app}",
                f"GRANT SELECT, INSERT ON {t} TO {app}"]
        if columns:
            out.append(f"GRANT UPDATE ({', '.join(_ident(c) for c in columns)}) ON {t} TO {app}")
    return out + [
        # Tables made by later migrations: the same rights (the record tables are fixed above after each
        # migrate, which re-runs these statements).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]


def roles_sql(owner_role, app_role, database):
    """Role creation for an external cluster (run once by a superuser); passwords are placeholders."""
    own, app, db = _ident(owner_role), _ident(app_role), _ident(database)
    return [
        f"CREATE ROLE {own} LOGIN PASSWORD 'change-me-owner'",
        f"CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
        f"PASSWORD 'change-me-app'",
        f"ALTER DATABASE {db} OWNER TO {own}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app}",
        f"-- then, connected to {database} as a superuser:",
        "CREATE EXTENSION IF NOT EXISTS postgis",
        "CREATE EXTENSION IF NOT EXISTS pgrouting",
    ]


def apply_grants(alias="default"):
    """Run grants_sql as the current (owner) connection; a no-op with a single role."""
    if not split_roles(alias):
        return
    with connections[alias].cursor() as cur:
        existing = set(connections[alias].introspection.table_names(cur))
        for stmt in grants_sql(app_user(alias), tables=existing):
            cur.execute(stmt)
