"""Campaigns (专项行动: phases, weekly quotas, acceptance) and the yearly task list with task lights (亮灯管理)."""
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.stored_photos import StoredPhoto


class PhaseKind(models.TextChoices):
    MOBILISE = "mobilise", "宣传动员"
    WORK = "work", "集中攻坚"
    ACCEPTANCE = "acceptance", "考核验收"


class Campaign(models.Model):
    name = models.CharField("名称", max_length=100)
    areas = ArrayField(models.CharField(max_length=9), verbose_name="范围（区或街镇代码）")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", help_text="含当日")
    categories = ArrayField(models.CharField(max_length=20), blank=True, default=list,
                            verbose_name="问题类别", help_text="空表示全部类别")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "专项行动"
        ordering = ["-start", "id"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="campaign_end_after_start")]

    def __str__(self):
        return self.name


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="phases")
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=12, choices=PhaseKind.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", help_text="含当日；可与下一阶段的开始日期相同（方案写法）")

    class Meta:
        verbose_name = verbose_name_plural = "阶段"
        ordering = ["start", "id"]

    def __str__(self):
        return f"{self.name}（{self.start}—{self.end}）"


class Quota(models.Model):
    """'Per village per week at least N of these categories closed'. Versioned: a change after the campaign
    started closes the old row (valid_until) and adds a new one from the next week, so a past week keeps its
    target; the change itself is logged in QuotaChange."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="quotas")
    name = models.CharField("名称", max_length=50)
    categories = ArrayField(models.CharField(max_length=20), verbose_name="问题类别")
    per_village_per_week = models.PositiveIntegerField("每村每周至少")
    valid_from = models.DateField("起用周一", null=True, blank=True, help_text="空表示自专项行动开始")
    valid_until = models.DateField("停用周一", null=True, blank=True, help_text="空表示仍在使用")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "每周指标"
        ordering = ["sort", "id"]

    def __str__(self):
        return f"{self.name} ≥{self.per_village_per_week}/周"


class QuotaChange(models.Model):
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="quota_changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField()
    effective_from = models.DateField("生效周一", null=True, blank=True)
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        verbose_name = verbose_name_plural = "指标变更记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.campaign_id} {self.at:%Y-%m-%d}"


class Acceptance(models.Model):
    """One acceptance (考核验收) record for a village. Append-only: a later record supersedes an earlier one."""

    class Result(models.TextChoices):
        PASS = "pass", "通过"
        FAIL = "fail", "不通过"

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="acceptances")
    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+")
    result = models.CharField("结果", max_length=4, choices=Result.choices)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "考核验收"
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["campaign", "village", "recorded_at"])]

    def __str__(self):
        return f"{self.village_id} {self.get_result_display()}"


class AcceptancePhoto(StoredPhoto):
    acceptance = models.ForeignKey(Acceptance, models.PROTECT, related_name="photos")
    image = models.FileField(upload_to="acceptance/%Y/%m/")

    def __str__(self):
        return f"{self.acceptance_id} {self.sha256[:8]}"


class TaskLevel(models.TextChoices):
    TOWN = "town", "街镇"
    VILLAGE = "village", "行政村"


def default_schedule():
    return [k / 12 for k in range(1, 13)]


class Task(models.Model):
    """A line of the year's task list: a yearly target per town or village and a cumulative monthly schedule."""

    name = models.CharField("名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    unit = models.CharField("单位", max_length=20, default="个")
    level = models.CharField("目标层级", max_length=8, choices=TaskLevel.choices)
    schedule = ArrayField(models.FloatField(), size=12, default=default_schedule,
                          verbose_name="月度计划（累计比例）")
    category = models.ForeignKey("patrol.Category", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="关联问题类别", help_text="设定后，完成数为该类问题的销号数")
    office = models.CharField("责任部门", max_length=100, blank=True)
    person = models.CharField("责任人", max_length=50, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度任务"
        ordering = ["year", "id"]

    def __str__(self):
        return f"{self.year} {self.name}"


class TaskTarget(models.Model):
    task = models.ForeignKey(Task, models.CASCADE, related_name="targets")
    area = models.CharField("区域代码", max_length=12)
    target = models.FloatField("年度目标")

    class Meta:
        verbose_name = verbose_name_plural = "任务目标"
        constraints = [models.UniqueConstraint(fields=["task", "area"], name="task_target_once_per_area")]

    def __str__(self):
        return f"{self.task_id} {self.area} {self.target:g}"


class TaskProgress(models.Model):
    """A manual progress report. Append-only (database trigger): it counts from the month it was entered."""

    task = models.ForeignKey(Task, models.PROTECT, related_name="progress")
    area = models.CharField("区域代码", max_length=12)
    value = models.FloatField("数量")
    date = models.DateField("完成日期")
    note = models.TextField("说明", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    entered_at = models.DateTimeField("录入时间")
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务进度"
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["task", "area", "entered_at"])]

    def __str__(self):
        return f"{self.task_id} {self.area} +{self.value:g}"


class TaskProgressPhoto(StoredPhoto):
    progress = models.ForeignKey(TaskProgress, models.PROTECT, related_name="photos")
    image = models.FileField(upload_to="task-progress/%Y/%m/")

    def __str__(self):
        return f"{self.progress_id} {self.sha256[:8]}"
