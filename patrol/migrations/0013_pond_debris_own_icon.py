"""Each problem category its own symbol (issue 27): 河塘漂浮物 had the same icon as 黑臭水体 ("water"); it gets
"bottle-water" (Font Awesome Free 6, vendored). Only a row still carrying the seeded icon is changed: an office that
chose its own icon in the admin keeps it."""
from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("patrol", "Category").objects.filter(code="pond_debris", icon="water").update(icon="bottle-water")


def backward(apps, schema_editor):
    apps.get_model("patrol", "Category").objects.filter(code="pond_debris", icon="bottle-water").update(icon="water")


class Migration(migrations.Migration):
    dependencies = [("patrol", "0012_photo_hashes_flags")]
    operations = [migrations.RunPython(forward, backward)]
