"""Assessment data: weekly targets per village and the cached metrics of ended months.

The tables keep the names they had when these models lived in `patrol` (db_table), so moving them lost no row."""
from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q


class WeeklyTarget(models.Model):
    """A village's weekly target for one category, e.g. at least 5 ruined walls cleared (销号) a week."""

    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="weekly_targets", verbose_name="行政村")
    category = models.ForeignKey("patrol.Category", models.PROTECT, verbose_name="类别")
    per_week = models.PositiveSmallIntegerField("每周至少销号数")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "patrol_weeklytarget"
        verbose_name = verbose_name_plural = "每周目标"
        ordering = ["village_id", "category_id", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(per_week__gt=0), name="weekly_target_positive"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="weekly_target_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.village_id} {self.category_id} ≥{self.per_week}/周"


class MonthlyMetricsCache(models.Model):
    """The per-village metrics of a month that has ended, as computed from the history (a cache only).

    History is append-only, so a past month's metrics can only change when an event dated in or before that month
    is added later (a back-dated import): `fingerprint` (count and highest id of the events up to the month's end)
    then differs and the month is computed again from the history.
    """

    month = models.DateField()
    scope = models.CharField(max_length=15, blank=True, help_text="区代码；空为全部")
    fingerprint = models.CharField(max_length=60)
    metrics = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "patrol_monthlymetricscache"
        constraints = [models.UniqueConstraint(fields=["month", "scope"], name="monthly_metrics_once")]
