from django.db import migrations


class Migration(migrations.Migration):
    """Plans, routes, stops and tracks moved to `planning`, weekly targets and the metrics cache to `assessment`:
    removed from this app's state only. The tables stay (the new apps keep their db_table) with every row."""


    dependencies = [
        ('patrol', '0005_assessment'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='MonthlyMetricsCache',
                ),
                migrations.RemoveField(
                    model_name='track',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='patrolstop',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='patrolroute',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='patrolstop',
                    name='issue',
                ),
                migrations.RemoveField(
                    model_name='patrolstop',
                    name='village',
                ),
                migrations.RemoveField(
                    model_name='patrolstop',
                    name='visited_by',
                ),
                migrations.RemoveField(
                    model_name='track',
                    name='grids',
                ),
                migrations.RemoveField(
                    model_name='track',
                    name='uploaded_by',
                ),
                migrations.RemoveField(
                    model_name='track',
                    name='villages',
                ),
                migrations.RemoveField(
                    model_name='weeklytarget',
                    name='category',
                ),
                migrations.RemoveField(
                    model_name='weeklytarget',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='weeklytarget',
                    name='village',
                ),
                migrations.DeleteModel(
                    name='PatrolPlan',
                ),
                migrations.DeleteModel(
                    name='PatrolRoute',
                ),
                migrations.DeleteModel(
                    name='PatrolStop',
                ),
                migrations.DeleteModel(
                    name='Track',
                ),
                migrations.DeleteModel(
                    name='WeeklyTarget',
                ),
            ],
            database_operations=[],
        ),
    ]
