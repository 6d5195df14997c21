from django.db import migrations, models

# A second fence around the append-only history: row triggers do not fire on TRUNCATE, a statement trigger does.
# (The application role has no TRUNCATE privilege on the table either; see ops/dbroles.py.)
FENCE = """
CREATE TRIGGER patrol_issueevent_no_truncate
  BEFORE TRUNCATE ON patrol_issueevent
  FOR EACH STATEMENT EXECUTE FUNCTION patrol_history_is_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS patrol_issueevent_no_truncate ON patrol_issueevent;"


class Migration(migrations.Migration):
    dependencies = [("patrol", "0008_issue_campaign_tag_and_campaign_samples")]
    operations = [
        migrations.RunSQL(FENCE, DROP),
        # corrections (patrol.services.correct_issue) are recorded as their own action
        migrations.AlterField(
            model_name="issueevent",
            name="action",
            field=models.CharField(choices=[
                ("report", "上报"), ("assign", "交办"), ("submit", "提交整改"), ("verify", "复核通过销号"),
                ("reject", "复核不通过"), ("reopen", "重新打开"), ("supervise", "红色督办"), ("release", "解除督办"),
                ("reinspect", "回头看"), ("correct", "更正"),
            ], max_length=12),
        ),
    ]
