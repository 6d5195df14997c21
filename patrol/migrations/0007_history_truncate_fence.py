from django.db import migrations

# A second fence around the append-only history: row triggers do not fire on TRUNCATE, a statement trigger does.
# (The application role has no TRUNCATE privilege on the table either; see config/dbroles.py.)
FENCE = """
CREATE TRIGGER patrol_issueevent_no_truncate
  BEFORE TRUNCATE ON patrol_issueevent
  FOR EACH STATEMENT EXECUTE FUNCTION patrol_history_is_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS patrol_issueevent_no_truncate ON patrol_issueevent;"


class Migration(migrations.Migration):
    dependencies = [("patrol", "0006_move_plans_and_assessment_out")]
    operations = [migrations.RunSQL(FENCE, DROP)]
