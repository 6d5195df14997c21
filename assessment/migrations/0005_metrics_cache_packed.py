from django.db import migrations, models


def forget_kept_months(apps, schema_editor):
    # A cache only: the months are computed again from the history in the new form when next viewed.
    apps.get_model("assessment", "MonthlyMetricsCache").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0004_times_given_by_services"),
    ]

    operations = [
        migrations.RunPython(forget_kept_months, migrations.RunPython.noop),
        migrations.RemoveField(model_name="monthlymetricscache", name="fingerprint"),
        migrations.RemoveField(model_name="monthlymetricscache", name="metrics"),
        migrations.AddField(
            model_name="monthlymetricscache", name="checked_to",
            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(
            model_name="monthlymetricscache", name="packed",
            field=models.BinaryField(default=b"", help_text="各村指标（JSON，zlib 压缩）"), preserve_default=False),
    ]
