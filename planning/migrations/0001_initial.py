import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ['patrolplan', 'patrolroute', 'patrolstop', 'track']


def move_content_types(apps, schema_editor):
    """Admin history and permissions point at content types: relabel patrol's so that they survive the move."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="planning", model=model).exists():
            ContentType.objects.filter(app_label="patrol", model=model).update(app_label="planning")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="patrol", model=model).exists():
            ContentType.objects.filter(app_label="planning", model=model).update(app_label="patrol")


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
                    name='PatrolPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='巡查日期')),
                        ('area_code', models.CharField(max_length=15, verbose_name='区域代码')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='制定时间')),
                        ('teams', models.PositiveSmallIntegerField(verbose_name='组数')),
                        ('start', django.contrib.gis.db.models.fields.PointField(srid=4326, verbose_name='出发点')),
                        ('hours', models.FloatField(blank=True, null=True, verbose_name='工作时长（小时）')),
                        ('day_start', models.TimeField(verbose_name='出发时间')),
                        ('service_min', models.FloatField(verbose_name='每点停留（分钟）')),
                        ('speed_kmh', models.FloatField(verbose_name='车速（公里/小时）')),
                        ('matrix', models.CharField(help_text='roads：路网；haversine：直线×绕行系数', max_length=10, verbose_name='行程时间来源')),
                        ('priority_total', models.PositiveIntegerField(default=0, verbose_name='候选总优先分')),
                        ('priority_collected', models.PositiveIntegerField(default=0, verbose_name='计划收集优先分')),
                        ('solve_seconds', models.FloatField(default=0, verbose_name='求解用时（秒）')),
                        ('params', models.JSONField(blank=True, default=dict)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='制定人')),
                    ],
                    options={
                        'verbose_name': '巡查计划',
                        'verbose_name_plural': '巡查计划',
                        'db_table': 'patrol_patrolplan',
                        'ordering': ['-date', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='PatrolRoute',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('team', models.PositiveSmallIntegerField(verbose_name='组')),
                        ('distance_m', models.FloatField(verbose_name='里程（米）')),
                        ('duration_s', models.FloatField(verbose_name='用时（秒）')),
                        ('geom', django.contrib.gis.db.models.fields.LineStringField(blank=True, null=True, srid=4326, verbose_name='路线')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='routes', to='planning.patrolplan')),
                    ],
                    options={
                        'verbose_name': '巡查路线',
                        'verbose_name_plural': '巡查路线',
                        'db_table': 'patrol_patrolroute',
                        'ordering': ['plan', 'team'],
                    },
                ),
                migrations.CreateModel(
                    name='Track',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                        ('name', models.CharField(blank=True, max_length=200, verbose_name='名称')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='开始时间')),
                        ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='结束时间')),
                        ('day', models.DateField(db_index=True, verbose_name='巡查日期')),
                        ('geom', django.contrib.gis.db.models.fields.MultiLineStringField(srid=4326, verbose_name='轨迹')),
                        ('points', models.PositiveIntegerField(verbose_name='轨迹点数')),
                        ('distance_m', models.FloatField(verbose_name='里程（米）')),
                        ('grids', models.ManyToManyField(blank=True, db_table='patrol_track_grids', related_name='patrol_tracks', to='geo.grid')),
                        ('plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tracks', to='planning.patrolplan')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('villages', models.ManyToManyField(blank=True, db_table='patrol_track_villages', related_name='patrol_tracks', to='geo.village')),
                    ],
                    options={
                        'verbose_name': '巡查轨迹',
                        'verbose_name_plural': '巡查轨迹',
                        'db_table': 'patrol_track',
                        'ordering': ['-day', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='PatrolStop',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(help_text='issue:ID / village:代码 / hotspot:N', max_length=40, verbose_name='编号')),
                        ('kind', models.CharField(choices=[('issue', '问题点位'), ('village', '行政村'), ('hotspot', '反弹聚集点'), ('point', '点位')], max_length=10, verbose_name='类型')),
                        ('label', models.CharField(max_length=200, verbose_name='名称')),
                        ('reasons', models.JSONField(default=list, verbose_name='入选理由')),
                        ('priority', models.PositiveIntegerField(verbose_name='优先分')),
                        ('location', django.contrib.gis.db.models.fields.PointField(srid=4326, verbose_name='位置')),
                        ('must', models.BooleanField(default=False, verbose_name='必到')),
                        ('team', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='组')),
                        ('seq', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='顺序')),
                        ('arrival', models.DateTimeField(blank=True, null=True, verbose_name='预计到达')),
                        ('departure', models.DateTimeField(blank=True, null=True, verbose_name='预计离开')),
                        ('issue', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='patrol.issue')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stops', to='planning.patrolplan')),
                        ('village', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.village')),
                        ('visited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='visited_stops', to='planning.track')),
                    ],
                    options={
                        'verbose_name': '巡查点位',
                        'verbose_name_plural': '巡查点位',
                        'db_table': 'patrol_patrolstop',
                        'ordering': ['plan', 'team', 'seq', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='patrolplan',
                    index=models.Index(fields=['area_code', 'date'], name='patrol_patr_area_co_8a6e22_idx'),
                ),
                migrations.AddConstraint(
                    model_name='patrolroute',
                    constraint=models.UniqueConstraint(fields=('plan', 'team'), name='route_once_per_team'),
                ),
                migrations.AddConstraint(
                    model_name='patrolstop',
                    constraint=models.UniqueConstraint(fields=('plan', 'key'), name='stop_once_per_plan'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
