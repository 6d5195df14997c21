"""The water bodies' records (status history, monitoring visits and their photos) under the common record fences of
ops/migrations/0001_record_tables_append_only.py (issue 29, item 6): the common row trigger (a visit photo's hashes
and flags may be filled in once) and the TRUNCATE trigger, in place of this app's own row triggers; the application
role's privileges follow ops/dbroles.py RECORD_TABLES."""
from django.db import migrations

HASHES = ["phash", "dhash", "phash_q0", "phash_q1", "phash_q2", "phash_q3", "phash_bits", "flags"]
TABLES = {"waterbodies_statuschange": [], "waterbodies_visit": [], "waterbodies_visitphoto": HASHES}


def forward_sql():
    out = ["DROP TRIGGER IF EXISTS waterbodies_statuschange_append_only ON waterbodies_statuschange;",
           "DROP TRIGGER IF EXISTS waterbodies_visit_append_only ON waterbodies_visit;",
           "DROP FUNCTION IF EXISTS waterbodies_is_append_only();"]
    for table, columns in TABLES.items():
        args = ", ".join(f"'{c}'" for c in columns)
        # ops 0001 may already have fenced these tables (it lists them too): replace, never duplicate.
        out.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        out.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
        out.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION record_is_append_only({args});")
        out.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION record_is_append_only();")
    return "\n".join(out)


def backward_sql():
    out = []
    for table in TABLES:
        out.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        out.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    out.append("CREATE FUNCTION waterbodies_is_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
               "'% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege'; END; "
               "$$ LANGUAGE plpgsql;")
    for table in ("waterbodies_statuschange", "waterbodies_visit"):
        out.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION waterbodies_is_append_only();")
    return "\n".join(out)


class Migration(migrations.Migration):
    dependencies = [("waterbodies", "0001_initial"), ("ops", "0001_record_tables_append_only")]
    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
