"""Every table that is a record is append-only, guarded like patrol_issueevent (issue 29, item 6).

Two fences, as for the problem history:
- privileges (ops/dbroles.py RECORD_TABLES, applied after every migrate): the application role may read and add
  rows, may fill in the few columns listed there, and may never delete, empty or otherwise rewrite a row;
- triggers, for every role, the owner included: a row trigger refuses DELETE and any UPDATE other than filling in
  those columns, and a statement trigger refuses TRUNCATE.

A month's closure follows its log: inserting a `close` or `reopen` entry into assessment_monthcloselog is the only
way `assessment_monthclose.closed` changes (a trigger does it), so a month is never reopened without an entry. A
scorecard of a closed month is refused by the database too.
"""
from django.db import migrations

# The tables and the columns that may be filled in after the insert (old value NULL or '[]', or the value after
# "="): the photos' perceptual hashes and flags (`manage.py photo_hashes` on older rows), a problem photo's
# submission (set once, by the event that cites it), a scorecard replaced by a newer one.
HASHES = ["phash", "dhash", "phash_q0", "phash_q1", "phash_q2", "phash_q3", "phash_bits", "flags"]
TABLES = {
    "patrol_photo": HASHES + ["submitted_with_id"],
    "assessment_monthclose": [],
    "assessment_monthcloselog": [],
    "assessment_scorecard": ["current=true", "replaced_by_id"],
    "campaigns_quotachange": [],
    "campaigns_acceptance": [],
    "campaigns_acceptancephoto": HASHES,
    "campaigns_taskprogress": [],
    "campaigns_taskprogressphoto": HASHES,
    "facilities_orderevent": [],
    "facilities_orderphoto": HASHES,
    "households_pointentry": [],
    "households_entryphoto": HASHES,
    "households_exportlog": [],
    "supervision_orderevent": [],
    "supervision_orderanswer": [],
    "supervision_answerphoto": HASHES,
    "waterbodies_statuschange": [],
    "waterbodies_visit": [],
    "waterbodies_visitphoto": HASHES,
}
# Their older, table-specific row triggers: replaced by the common one.
OLD = {
    "campaigns_taskprogress": ("campaigns_taskprogress_append_only", "campaigns_progress_is_append_only"),
    "facilities_orderevent": ("facilities_orderevent_append_only", "facilities_orderevent_is_append_only"),
    "households_pointentry": ("households_pointentry_append_only", "households_ledger_is_append_only"),
    "waterbodies_statuschange": ("waterbodies_statuschange_append_only", "waterbodies_is_append_only"),
    "waterbodies_visit": ("waterbodies_visit_append_only", "waterbodies_is_append_only"),
}

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION record_is_append_only() RETURNS trigger AS $$
-- TG_ARGV: the columns that may be filled in: "col" (from NULL or '[]') or "col=<json>" (from that value).
DECLARE
  old_j jsonb;
  new_j jsonb;
  arg text;
  col text;
  was jsonb;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- the closure of a month, changed by its log's trigger (nested) and nothing else
    IF TG_TABLE_NAME = 'assessment_monthclose' AND pg_trigger_depth() > 1 THEN
      RETURN NEW;
    END IF;
    old_j := to_jsonb(OLD);
    new_j := to_jsonb(NEW);
    FOREACH arg IN ARRAY coalesce(TG_ARGV, '{}'::text[]) LOOP
      col := split_part(arg, '=', 1);
      IF old_j -> col IS DISTINCT FROM new_j -> col THEN
        IF position('=' IN arg) > 0 THEN
          was := substr(arg, position('=' IN arg) + 1)::jsonb;
          IF old_j -> col IS DISTINCT FROM was THEN
            RAISE EXCEPTION '% is append-only: % may not change again', TG_TABLE_NAME, col
              USING ERRCODE = 'insufficient_privilege';
          END IF;
        ELSIF old_j -> col NOT IN ('null'::jsonb, '[]'::jsonb) THEN
          RAISE EXCEPTION '% is append-only: % is already filled in', TG_TABLE_NAME, col
            USING ERRCODE = 'insufficient_privilege';
        END IF;
      END IF;
      old_j := old_j - col;
      new_j := new_j - col;
    END LOOP;
    IF old_j IS NOT DISTINCT FROM new_j THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

-- A log entry sets the month's closure: the only way it changes. SECURITY DEFINER: the owner's UPDATE, which the
-- application role does not have.
CREATE OR REPLACE FUNCTION assessment_monthclose_follows_log() RETURNS trigger AS $$
BEGIN
  UPDATE assessment_monthclose SET closed = (NEW.action = 'close'), closed_at = NEW.at
   WHERE month = NEW.month AND district = NEW.district;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'assessment_monthcloselog: % of %-% which was never closed', NEW.action, NEW.district, NEW.month
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;
REVOKE ALL ON FUNCTION assessment_monthclose_follows_log() FROM PUBLIC;

-- No scorecard is entered or changed for a closed month (the month must be reopened, which is logged).
CREATE OR REPLACE FUNCTION assessment_scorecard_month_open() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM assessment_monthclose
              WHERE month = NEW.month AND district = left(NEW.village_id, 6) AND closed) THEN
    RAISE EXCEPTION 'assessment_scorecard: % is closed for district %', to_char(NEW.month, 'YYYY-MM'),
      left(NEW.village_id, 6) USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _quote(arg):
    return "'" + arg.replace("'", "''") + "'"


def forward_sql():
    out = [FUNCTIONS]
    for table, (trigger, _) in OLD.items():
        out.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
    for function in dict.fromkeys(f for _, f in OLD.values()):
        out.append(f"DROP FUNCTION IF EXISTS {function}();")
    for table, columns in TABLES.items():
        args = ", ".join(_quote(c) for c in columns)
        out.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION record_is_append_only({args});")
        out.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION record_is_append_only();")
    out.append("CREATE TRIGGER assessment_monthcloselog_sets_closure AFTER INSERT ON assessment_monthcloselog "
               "FOR EACH ROW EXECUTE FUNCTION assessment_monthclose_follows_log();")
    out.append("CREATE TRIGGER assessment_scorecard_month_open BEFORE INSERT OR UPDATE ON assessment_scorecard "
               "FOR EACH ROW EXECUTE FUNCTION assessment_scorecard_month_open();")
    return "\n".join(out)


def backward_sql():
    out = ["DROP TRIGGER IF EXISTS assessment_scorecard_month_open ON assessment_scorecard;",
           "DROP TRIGGER IF EXISTS assessment_monthcloselog_sets_closure ON assessment_monthcloselog;"]
    for table in TABLES:
        out.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        out.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    out.append("DROP FUNCTION IF EXISTS assessment_scorecard_month_open();")
    out.append("DROP FUNCTION IF EXISTS assessment_monthclose_follows_log();")
    out.append("DROP FUNCTION IF EXISTS record_is_append_only();")
    for table, (trigger, function) in OLD.items():  # the older fences, as they were
        out.append(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
                   f"'% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege'; "
                   f"END; $$ LANGUAGE plpgsql; CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {function}();")
    return "\n".join(out)


class Migration(migrations.Migration):
    dependencies = [
        ("patrol", "0012_photo_hashes_flags"),
        ("assessment", "0003_village_analysis"),
        ("campaigns", "0002_photo_hashes_flags"),
        ("facilities", "0003_photo_hashes_flags"),
        ("households", "0005_score_source"),
        ("supervision", "0003_photo_hashes_flags"),
        ("waterbodies", "0001_initial"),
    ]
    operations = [migrations.RunSQL(forward_sql(), backward_sql())]
