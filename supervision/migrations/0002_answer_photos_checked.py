"""Order-answer photos are now checked and cleaned like every other photo (core.stored_photos.LocatedPhoto): the
digest of the original and the EXIF position and time are kept. Three columns added, nothing else; the answers'
photos stored before have an empty digest and no position (they were never read for one)."""

import django.contrib.gis.db.models.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="answerphoto",
            name="exif_location",
            field=django.contrib.gis.db.models.fields.PointField(blank=True, null=True, srid=4326),
        ),
        migrations.AddField(
            model_name="answerphoto",
            name="exif_time",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="answerphoto",
            name="sha256",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
    ]
