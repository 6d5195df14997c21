# The board's publication time given by services.publish_board (`now=`), no longer stamped by Django on save.
# No change to the table.
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0006_score_source_db_defaults'),
    ]

    operations = [
        migrations.AlterField(
            model_name='boardpublication',
            name='published_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
    ]
