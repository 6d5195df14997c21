"""The rate limiter's counters (core/ratelimit.py): one row per key and window, incremented by one atomic statement.
UNLOGGED: written on every public request, never worth a WAL record; a crash forgets them."""
from django.db import migrations

CREATE = """
CREATE UNLOGGED TABLE IF NOT EXISTS rate_counter (
  key text NOT NULL,
  window_start bigint NOT NULL,
  expires bigint NOT NULL,
  hits integer NOT NULL DEFAULT 1,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX IF NOT EXISTS rate_counter_expires ON rate_counter (expires);
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_operator_role_and_code")]
    operations = [migrations.RunSQL(CREATE, "DROP TABLE IF EXISTS rate_counter;")]
