from django.db import migrations

CATEGORIES = [
    # code, name, campaign, default deadline (days), Font Awesome icon
    ("dry_toilet", "旱厕/小粪缸", "净厕", 15, "toilet"),
    ("shack", "窝棚", "净地", 7, "campground"),
    ("ruined_wall", "残垣断壁", "净宅", 30, "house-crack"),
    ("black_water", "黑臭水体", "净水", 60, "water"),
    ("clutter", "乱堆乱放", "净宅", 3, "dumpster"),
    ("illegal_build", "乱搭乱建", "净宅", 30, "hammer"),
    ("scrap_yard", "废品收购", "净宅", 15, "recycle"),
    ("farm_waste", "农业废弃物", "净地", 7, "tractor"),
    ("wires", "杆线杂乱", "净宅", 30, "bolt"),
    ("sewage", "污水直排", "净水", 30, "faucet-drip"),
    ("other", "其他", "", 15, "circle-exclamation"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("patrol", "Category")
    for sort, (code, name, campaign, days, icon) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "campaign": campaign, "default_deadline_days": days,
                                 "icon": icon, "sort": sort},
        )


# History is append-only: the database itself refuses to rewrite or remove an event,
# so not even a direct SQL session can change what happened.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION patrol_history_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'patrol_issueevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER patrol_issueevent_append_only
  BEFORE UPDATE OR DELETE ON patrol_issueevent
  FOR EACH ROW EXECUTE FUNCTION patrol_history_is_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS patrol_issueevent_append_only ON patrol_issueevent;
DROP FUNCTION IF EXISTS patrol_history_is_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("patrol", "0001_initial")]
    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
