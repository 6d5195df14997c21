"""Assessment data: weekly targets per village and the cached metrics of ended months.

The tables keep the names they had when these models lived in `patrol` (db_table), so moving them lost no row."""
from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone


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
    is added later (a back-dated import): an event after `checked_to` (the last event id when they were computed,
    or when last checked) dated up to the month's end makes the month computed again (assessment.monthly).
    """

    month = models.DateField()
    scope = models.CharField(max_length=15, blank=True, help_text="区代码；空为全部")
    checked_to = models.BigIntegerField()
    packed = models.BinaryField(help_text="各村指标（JSON，zlib 压缩）")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "patrol_monthlymetricscache"
        constraints = [models.UniqueConstraint(fields=["month", "scope"], name="monthly_metrics_once")]


# --- schemes (考核方案), scorecards (评分表) and the year end ------------------------------------------


class SchemeSetting(models.Model):
    """The scheme of a district or a town, with its parameters (a town's wins over its district's)."""

    area_code = models.CharField("区/街镇代码", max_length=15, unique=True)
    scheme = models.CharField("考核方案", max_length=30)
    parameters = models.JSONField("参数", default=dict, blank=True,
                                  help_text="只填与默认值不同的参数，如 {\"bottom_n\": 5}")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "考核方案设置"
        ordering = ["area_code"]

    def __str__(self):
        return f"{self.area_code} → {self.scheme}"


class ScorecardItem(models.Model):
    """An item of a scheme's scorecard template; when a scheme has none here, its built-in template is used."""

    scheme = models.CharField("考核方案", max_length=30)
    key = models.SlugField("代码", max_length=40)
    name = models.CharField("名称", max_length=60)
    max_points = models.DecimalField("满分", max_digits=6, decimal_places=2)
    guidance = models.CharField("评分要点", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "评分表项目"
        ordering = ["scheme", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="scorecard_item_once"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="scorecard_item_max_positive"),
        ]

    def __str__(self):
        return f"{self.scheme}: {self.name}（{self.max_points}）"


class Scorecard(models.Model):
    """One assessor's on-site scorecard (现场打分) of a village for a month. A second one by the same assessor for
    the same village and month replaces the first: the first stays, with `current` off and `replaced_by` set."""

    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="scorecards", verbose_name="行政村")
    month = models.DateField("月份")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="打分人")
    scheme = models.CharField("考核方案", max_length=30)
    items = models.JSONField("各项得分", default=dict)
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)
    note = models.TextField("备注", blank=True)
    current = models.BooleanField("有效", default=True)
    replaced_by = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # entered (a loader may give its own)

    class Meta:
        verbose_name = verbose_name_plural = "现场评分表"
        ordering = ["-month", "village_id", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessor", "village", "month"], condition=Q(current=True),
                                    name="scorecard_one_current"),
            models.CheckConstraint(condition=Q(month__day=1), name="scorecard_month_first_day"),
            models.CheckConstraint(condition=Q(total__gte=0), name="scorecard_total_not_negative"),
        ]
        indexes = [models.Index(fields=["month", "village"], name="scorecard_month_village",
                                condition=Q(current=True))]


class MonthClose(models.Model):
    """A district's month closed by assess_month: scorecards of it are frozen, and the schemes it was assessed
    with are kept (`schemes`: {town code: {"scheme", "parameters"}}) so that later switches never rewrite it."""

    month = models.DateField("月份")
    district = models.CharField("区代码", max_length=6)
    closed = models.BooleanField("已关账", default=True)
    schemes = models.JSONField("考核方案（关账时）", default=dict)
    closed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "月度关账"
        ordering = ["-month", "district"]
        constraints = [models.UniqueConstraint(fields=["month", "district"], name="month_close_once")]

    def __str__(self):
        return f"{self.district} {self.month:%Y-%m} {'已关账' if self.closed else '已重新打开'}"


class MonthCloseLog(models.Model):
    """Who closed or reopened a month, when and why (append-only)."""

    month = models.DateField("月份")
    district = models.CharField("区代码", max_length=6)
    action = models.CharField("操作", max_length=10, choices=[("close", "关账"), ("reopen", "重新打开")])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, editable=False)  # services.close_month(now=) gives it

    class Meta:
        verbose_name = verbose_name_plural = "关账记录"
        ordering = ["-at"]


class Interview(models.Model):
    """The 约谈 a bottom flag calls for: whether it took place (date, who held it, a note)."""

    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", verbose_name="行政村")
    month = models.DateField("月份")
    kind = models.CharField("标记", max_length=20)
    held_on = models.DateField("约谈日期")
    held_by = models.CharField("约谈人", max_length=100)
    note = models.TextField("记录", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)  # set by services.record_interview

    class Meta:
        verbose_name = verbose_name_plural = "约谈记录"
        ordering = ["-month", "village_id"]
        constraints = [models.UniqueConstraint(fields=["village", "month"], name="interview_once")]


class EvaluatedVillage(models.Model):
    """A village the city third-party evaluation (市第三方测评) visited in a year."""

    year = models.PositiveSmallIntegerField("年度")
    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", verbose_name="行政村")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "第三方测评到访村"
        constraints = [models.UniqueConstraint(fields=["year", "village"], name="evaluated_village_once")]


class Adjustment(models.Model):
    """A year-end adjustment entered by hand: a model village's +5 (`model`) or any other (`manual`)."""

    KINDS = [("model", "形成典型/承担观摩点"), ("manual", "其他")]
    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", verbose_name="行政村")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=10, choices=KINDS, default="manual")
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    reason = models.CharField("理由", max_length=300)
    month = models.DateField("月份", null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "年终加减分"
        ordering = ["year", "village_id", "id"]


class CityCheck(models.Model):
    """A city check (暗访测评、交叉检查、满意度测评) with the city average it was scored against (闵行)."""

    name = models.CharField("名称", max_length=100)
    checked_on = models.DateField("检查日期")
    city_average = models.DecimalField("全市平均分", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "市级检查"
        ordering = ["-checked_on"]

    def __str__(self):
        return f"{self.name}（{self.checked_on}）"


class CityCheckScore(models.Model):
    city_check = models.ForeignKey(CityCheck, models.CASCADE, related_name="scores", verbose_name="市级检查")
    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", verbose_name="行政村")
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "市级检查得分"
        constraints = [models.UniqueConstraint(fields=["city_check", "village"], name="city_check_score_once")]


class UpkeepFund(models.Model):
    """A village's year-end 长效管护 fund (闵行): the amount and whether it is withheld."""

    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", verbose_name="行政村")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    withheld = models.BooleanField("取消/扣发", default=False)
    note = models.CharField("说明", max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "长效管护资金"
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="upkeep_fund_once")]


class VillageAnalysis(models.Model):
    """一村一档一分析 (plan 000: "全区排名后 1/3 的行政村，制定“一村一档一分析”，逐个解剖问题症结，并提出解决方案"): the
    written analysis of a village for an evaluation round (the round's first month: a month, or the first month of
    a bimonthly round). Append-only: a revision is a new row; the newest of a village and round is the analysis."""

    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", verbose_name="行政村")
    round = models.DateField("评估轮次（首月）")
    causes = models.TextField("问题症结")
    measures = models.TextField("解决方案")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="填写人")
    written_at = models.DateTimeField("填写时间", default=timezone.now, editable=False)  # analysis.write(now=)

    class Meta:
        verbose_name = verbose_name_plural = "一村一档一分析"
        ordering = ["-round", "village_id", "-written_at", "-id"]
        indexes = [models.Index(fields=["village", "round"], name="analysis_village_round_idx")]
