from django.core.management import call_command
from django.db import migrations

# The ledger is append-only: the database itself refuses to rewrite or remove an entry.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION households_ledger_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'households_pointentry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER households_pointentry_append_only
  BEFORE UPDATE OR DELETE ON households_pointentry
  FOR EACH ROW EXECUTE FUNCTION households_ledger_is_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS households_pointentry_append_only ON households_pointentry;
DROP FUNCTION IF EXISTS households_ledger_is_append_only();
"""


def cache_table(apps, schema_editor):
    """The table of the database cache (settings.CACHES "shared") that rate limits count in, shared by every
    worker: created here so that `migrate` alone sets up a fresh machine (and the test database)."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP),
        migrations.RunPython(cache_table, migrations.RunPython.noop),
    ]
