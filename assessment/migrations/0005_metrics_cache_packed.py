import json
import zlib

from django.db import migrations, models


def pack_kept_months(apps, schema_editor):
    """Each kept month's jsonb metrics become the packed form (assessment.monthly._pack, as it stands here: the keys
    named once, each village's values in their order, zlib-compressed JSON); its fingerprint "count:highest id"
    becomes checked_to, the highest id it had seen. A month whose villages do not share one set of keys is dropped:
    it is a cache, and is computed again from the history when next viewed."""
    Kept = apps.get_model("assessment", "MonthlyMetricsCache")
    for kept in Kept.objects.all():
        villages = kept.metrics or {}
        keys = list(next(iter(villages.values()), {}))
        if any(list(m) != keys for m in villages.values()):
            kept.delete()
            continue
        rows = {village: [m[k] for k in keys] for village, m in villages.items()}
        kept.packed = zlib.compress(json.dumps({"keys": keys, "rows": rows}, separators=(",", ":")).encode(), 1)
        kept.checked_to = int(kept.fingerprint.rpartition(":")[2] or 0)
        kept.save(update_fields=["packed", "checked_to"])


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0004_times_given_by_services"),
    ]

    operations = [
        migrations.AddField(model_name="monthlymetricscache", name="checked_to",
                            field=models.BigIntegerField(null=True)),
        migrations.AddField(model_name="monthlymetricscache", name="packed",
                            field=models.BinaryField(null=True, help_text="各村指标（JSON，zlib 压缩）")),
        migrations.RunPython(pack_kept_months, migrations.RunPython.noop),
        migrations.RemoveField(model_name="monthlymetricscache", name="fingerprint"),
        migrations.RemoveField(model_name="monthlymetricscache", name="metrics"),
        migrations.AlterField(model_name="monthlymetricscache", name="checked_to",
                              field=models.BigIntegerField()),
        migrations.AlterField(model_name="monthlymetricscache", name="packed",
                              field=models.BinaryField(help_text="各村指标（JSON，zlib 压缩）")),
    ]
