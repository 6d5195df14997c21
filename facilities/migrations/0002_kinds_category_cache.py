from django.core.management import call_command
from django.db import migrations

KINDS = [
    # code, name, is a toilet, default upkeep (days)
    ("household_toilet", "户厕", True, None),
    ("public_toilet", "公厕", True, 1),
    ("septic_tank", "化粪池", False, None),
    ("sewage_plant", "污水处理设施", False, None),
    ("garbage_point", "垃圾收集点", False, 1),
]


def seed(apps, schema_editor):
    Kind = apps.get_model("facilities", "Kind")
    for sort, (code, name, toilet, days) in enumerate(KINDS):
        Kind.objects.get_or_create(code=code, defaults={"name": name, "is_toilet": toilet, "upkeep_days": days,
                                                        "sort": sort})
    # The campaigns work adds problem_toilet to patrol as well; get_or_create lets both coexist.
    Category = apps.get_model("patrol", "Category")
    Category.objects.get_or_create(code="problem_toilet", defaults={
        "name": "问题厕所", "campaign": "净厕", "default_deadline_days": 15, "icon": "toilet", "sort": 20})


def cache_table(apps, schema_editor):
    # Rate limits of the login-free pages live in the shared database cache (table shared_cache; the
    # households migration creates it too: whichever runs first does).
    call_command("createcachetable", "shared_cache", database=schema_editor.connection.alias,
                 verbosity=0)


# A work order's history is append-only, like a problem's: the database refuses to rewrite or remove an event.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION facilities_orderevent_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'facilities_orderevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER facilities_orderevent_append_only
  BEFORE UPDATE OR DELETE ON facilities_orderevent
  FOR EACH ROW EXECUTE FUNCTION facilities_orderevent_is_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS facilities_orderevent_append_only ON facilities_orderevent;
DROP FUNCTION IF EXISTS facilities_orderevent_is_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial"), ("patrol", "0006_move_plans_and_assessment_out")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(cache_table, migrations.RunPython.noop),
        migrations.RunSQL(APPEND_ONLY, DROP),
    ]
