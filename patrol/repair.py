"""Finding and repairing rows that bad input stored before core.inputs refused it (NaN, ±Infinity, coordinates
off the globe). `manage.py repair_poisoned` is the command; deploy/DEPLOY.md "Repairing poisoned rows" says what it
may do.

- Problems (patrol_issue) hold current state: a non-finite `accuracy_m` or an `extent` with a coordinate off
  the globe is set to NULL (the value was never a measurement), one transaction, idempotent.
- Photos: a non-finite EXIF position is set to NULL with its mismatch distance.
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


def find():
    """{check: [row ids]} of every poisoned row."""
    out = {}
    with connection.cursor() as cur:
        for name, (table, where, _) in CHECKS.items():
            cur.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id")
            out[name] = [row[0] for row in cur.fetchall()]
    return out


def repair():
    """Set the poisoned values of mutable rows to NULL; returns (found before, {check: rows changed})."""
    found = find()
    changed = {}
    with transaction.atomic(), connection.cursor() as cur:
        for name, (table, where, fix) in CHECKS.items():
            if fix and found[name]:
                cur.execute(f"UPDATE {table} SET {fix} WHERE {where}")
                changed[name] = cur.rowcount
    return found, changed
