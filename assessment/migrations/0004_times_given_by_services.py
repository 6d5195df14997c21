# Entry, closing, 约谈 recording and analysis times given by the services (`now=`), no longer stamped by Django on
# save: a loader telling a past year (the demo) records when each thing happened. No change to the tables.
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0003_village_analysis'),
    ]

    operations = [
        migrations.AlterField(
            model_name='scorecard',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name='monthcloselog',
            name='at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name='interview',
            name='recorded_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AlterField(
            model_name='villageanalysis',
            name='written_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='填写时间'),
        ),
    ]
