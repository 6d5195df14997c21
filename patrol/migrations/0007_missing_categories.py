"""The categories the work plans name that were missing (issue 12). Deadlines are project defaults (DOMAIN.md),
editable in the admin; a re-run (or the test re-seed) leaves an admin's later edits of name or deadline alone."""
from django.db import migrations

CATEGORIES = [
    # code, name, campaign, default deadline (days), Font Awesome icon
    ("dilapidated_house", "危房/土坯房", "净宅", 30, "house-chimney-crack"),
    ("abandoned_greenhouse", "废旧温棚", "净地", 30, "warehouse"),
    ("ad_clutter", "破旧广告/乱贴乱画", "净宅", 7, "rectangle-ad"),
    ("garbage_dumping", "生活垃圾乱倒", "净宅", 3, "trash"),
    ("livestock_waste", "畜禽散养/粪污", "净地", 7, "cow"),
    ("pond_debris", "河塘漂浮物", "净水", 7, "water"),
    ("problem_toilet", "问题厕所", "净厕", 15, "restroom"),
    ("plot_disorder", "自留地乱种乱围", "净地", 15, "seedling"),
    ("heaps", "柴草堆/三大堆", "净宅", 3, "cubes-stacked"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("patrol", "Category")
    for sort, (code, name, campaign, days, icon) in enumerate(CATEGORIES, start=20):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "campaign": campaign, "default_deadline_days": days,
                                 "icon": icon, "sort": sort},
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("patrol", "Category")
    Issue = apps.get_model("patrol", "Issue")
    codes = [c[0] for c in CATEGORIES]
    used = set(Issue.objects.filter(category_id__in=codes).values_list("category_id", flat=True).distinct())
    Category.objects.filter(code__in=set(codes) - used).delete()


class Migration(migrations.Migration):
    dependencies = [("patrol", "0006_move_plans_and_assessment_out")]
    operations = [migrations.RunPython(seed, unseed)]
