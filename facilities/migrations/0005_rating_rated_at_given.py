# The rating's time given by scores.rate (`now=`), no longer stamped by Django on save. No change to the table.
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0004_problem_toilet_kind'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rating',
            name='rated_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
    ]
