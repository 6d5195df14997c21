import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ['weeklytarget', 'monthlymetricscache']


def move_content_types(apps, schema_editor):
    """Admin history and permissions point at content types: relabel patrol's so that they survive the move."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="assessment", model=model).exists():
            ContentType.objects.filter(app_label="patrol", model=model).update(app_label="assessment")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="patrol", model=model).exists():
            ContentType.objects.filter(app_label="assessment", model=model).update(app_label="patrol")


class Migration(migrations.Migration):
    """These models lived in `patrol` until 0006 there: created here in state only, on the tables they have."""

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('geo', '0001_initial'),
        ('patrol', '0006_move_plans_and_assessment_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MonthlyMetricsCache',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('scope', models.CharField(blank=True, help_text='区代码；空为全部', max_length=15)),
                        ('fingerprint', models.CharField(max_length=60)),
                        ('metrics', models.JSONField()),
                        ('computed_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'patrol_monthlymetricscache',
                        'constraints': [models.UniqueConstraint(fields=('month', 'scope'), name='monthly_metrics_once')],
                    },
                ),
                migrations.CreateModel(
                    name='WeeklyTarget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('per_week', models.PositiveSmallIntegerField(verbose_name='每周至少销号数')),
                        ('starts_on', models.DateField(verbose_name='开始日期')),
                        ('ends_on', models.DateField(blank=True, null=True, verbose_name='结束日期')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='patrol.category', verbose_name='类别')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='weekly_targets', to='geo.village', verbose_name='行政村')),
                    ],
                    options={
                        'verbose_name': '每周目标',
                        'verbose_name_plural': '每周目标',
                        'db_table': 'patrol_weeklytarget',
                        'ordering': ['village_id', 'category_id', 'starts_on'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('per_week__gt', 0)), name='weekly_target_positive'), models.CheckConstraint(condition=models.Q(('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='weekly_target_ends_after_start')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
