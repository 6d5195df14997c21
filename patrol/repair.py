"""Finding and repairing rows that bad input stored before core.inputs refused it (NaN, ±Infinity, coordinates
off the globe). `manage.py repair_poisoned` is the command; deploy/DEPLOY.md "Repairing poisoned rows" says what it
may do.

- Problems (patrol_issue) hold current state: a non-finite `accuracy_m` or an `extent` with a coordinate off
  the globe is set to NULL (the value was never a measurement), one transaction, idempotent.
- Photos: a non-finite EXIF position is set to NULL with its mismatch distance.
- Every other float column of every table is checked too (found from information_schema, so a new app's numbers
  are covered without a change here) and listed; a yearly task's target that is no number is deleted (DELETE).
- History (patrol_issueevent) is append-only and is NOT rewritten, not even by this command: a non-finite
  event location is listed, and every reader shows it as "no location" (EventSerializer.get_location), so the
  problem's detail and history answer again. The row itself stays as evidence of what was sent.
"""
from django.db import connection, transaction

# Raw SQL: IS NaN / Infinity tests on float columns and geometry coordinates (the ORM has no lookup for them).
# In PostgreSQL 'NaN' sorts above every number, so "NOT BETWEEN" catches NaN and ±Infinity alike.
BAD_POINT = "({col} IS NOT NULL AND NOT (ST_X({col}) BETWEEN -180 AND 180 AND ST_Y({col}) BETWEEN -90 AND 90))"
BAD_BOX = ("({col} IS NOT NULL AND NOT (ST_XMin({col}) BETWEEN -180 AND 180 AND ST_XMax({col}) BETWEEN -180 AND 180 "
           "AND ST_YMin({col}) BETWEEN -90 AND 90 AND ST_YMax({col}) BETWEEN -90 AND 90))")
BAD_FLOAT = "({col} IS NOT NULL AND NOT ({col} BETWEEN -1e300 AND 1e300))"

CHECKS = {
    "issue_accuracy": ("patrol_issue", BAD_FLOAT.format(col="accuracy_m"), "accuracy_m = NULL"),
    "issue_extent": ("patrol_issue", BAD_BOX.format(col="extent"), "extent = NULL"),
    "issue_location": ("patrol_issue", BAD_POINT.format(col="location"), None),
    "photo_exif": ("patrol_photo", BAD_POINT.format(col="exif_location"),
                   "exif_location = NULL, gps_mismatch_m = NULL"),
    "photo_mismatch": ("patrol_photo", BAD_FLOAT.format(col="gps_mismatch_m"), "gps_mismatch_m = NULL"),
    "event_location": ("patrol_issueevent", BAD_POINT.format(col="location"), None),  # append-only: listed only
}


# Rows whose value was never a measurement and that hold a plan, not a record: deleted by --apply (a yearly task's
# target for one area that is no number; the task keeps its other areas and the area can be given again).
DELETE = {"campaigns_tasktarget.target"}


def _number_columns(cur):
    """Every float column of every table (information_schema), beyond those CHECKS names: (table, column)."""
    named = {(table, where) for table, where, _ in CHECKS.values()}
    cur.execute("SELECT c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
                "AND c.data_type IN ('double precision', 'real', 'numeric') ORDER BY 1, 2")
    for table, column in cur.fetchall():
        if (table, BAD_FLOAT.format(col=column)) not in named:
            yield table, column


def _key(cur, table):
    """The table's one-column primary key (`id` for ours, a code for some)."""
    cur.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary", [table])
    keys = [row[0] for row in cur.fetchall()]
    return keys[0] if len(keys) == 1 else "ctid"


def checks():
    """CHECKS and one listing check per other float column ('table.column'): every table with a number."""
    out = dict(CHECKS)
    with connection.cursor() as cur:
        for table, column in _number_columns(cur):
            name = f"{table}.{column}"
            out[name] = (table, BAD_FLOAT.format(col=f'"{column}"'), "DELETE" if name in DELETE else None)
    return out


def find():
    """{check: [row ids]} of every poisoned row."""
    out = {}
    with connection.cursor() as cur:
        for name, (table, where, _) in checks().items():
            key = _key(cur, table)
            cur.execute(f'SELECT "{key}" FROM {table} WHERE {where} ORDER BY 1')
            out[name] = [row[0] for row in cur.fetchall()]
    return out


def repair():
    """Set the poisoned values of mutable rows to NULL; returns (found before, {check: rows changed})."""
    found = find()
    changed = {}
    with transaction.atomic(), connection.cursor() as cur:
        for name, (table, where, fix) in checks().items():
            if fix == "DELETE" and found[name]:
                cur.execute(f"DELETE FROM {table} WHERE {where}")
                changed[name] = cur.rowcount
            elif fix and found[name]:
                cur.execute(f"UPDATE {table} SET {fix} WHERE {where}")
                changed[name] = cur.rowcount
    return found, changed
