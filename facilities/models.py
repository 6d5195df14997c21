"""Facilities with a code (一厕一码): kinds, service companies, facilities, work orders and company ratings."""
import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone

from core.stored_photos import StoredPhoto

from .querysets import FacilityQuerySet, WorkOrderQuerySet


class Kind(models.Model):
    """A kind of facility (editable in the admin); seeded with the contract's kinds."""

    code = models.CharField("代码", max_length=30, primary_key=True)
    name = models.CharField("名称", max_length=30)
    is_toilet = models.BooleanField("属于厕所（问题厕所台账）", default=False)
    upkeep_days = models.PositiveSmallIntegerField("默认管护周期（天）", null=True, blank=True,
                                                   help_text="如每 N 天抽一次、每天保洁一次")
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "设施类型"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Operator(models.Model):
    """A service company (服务运营公司) that pumps, repairs or runs facilities."""

    code = models.CharField("代码", max_length=30, primary_key=True)
    name = models.CharField("名称", max_length=100)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务运营公司"
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Za-z0-9_.-]{1,30}$"),
                                              name="operator_code_shape")]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class FacilityStatus(models.TextChoices):
    IN_USE = "in_use", "正常使用"
    PROBLEM = "problem", "存在问题"
    OUT_OF_SERVICE = "out_of_service", "停用"


class ProblemKind(models.TextChoices):
    """The plan's three kinds of problem toilet (004 (十三): "聚焦“不能用、不好用、不能常年用”的突出问题")."""

    UNUSABLE = "unusable", "不能用"
    HARD_TO_USE = "hard_to_use", "不好用"
    NOT_YEAR_ROUND = "not_year_round", "不能常年用"


class Facility(models.Model):
    code = models.CharField("编码", max_length=40, unique=True)
    kind = models.ForeignKey(Kind, models.PROTECT, verbose_name="类型")
    name = models.CharField("名称", max_length=100, blank=True)
    location = models.PointField("位置", srid=4326)
    town = models.ForeignKey("geo.Town", models.PROTECT, verbose_name="街镇", related_name="+", db_index=False)
    village = models.ForeignKey("geo.Village", models.PROTECT, verbose_name="行政村", related_name="+",
                                db_index=False)
    grid = models.ForeignKey("geo.Grid", models.PROTECT, null=True, blank=True, verbose_name="网格", related_name="+",
                             db_index=False)
    household = models.CharField("农户", max_length=60, blank=True, help_text="户厕所属农户（户编码或户主）")
    operator = models.ForeignKey(Operator, models.PROTECT, null=True, blank=True, verbose_name="服务运营公司",
                                 related_name="facilities", db_index=False)
    status = models.CharField("状态", max_length=16, choices=FacilityStatus.choices, default=FacilityStatus.IN_USE)
    status_since = models.DateTimeField("状态起始时间", null=True, blank=True)
    status_reason = models.CharField("问题原因", max_length=200, blank=True)
    problem_kind = models.CharField("问题厕所类型", max_length=16, choices=ProblemKind.choices, blank=True,
                                    help_text="不能用 / 不好用 / 不能常年用；空为待认定")
    # The inspector's problem_toilet problem that put this facility on the problem-toilet list (the one standing
    # at it), if any; closing that problem takes it off.
    problem_issue = models.ForeignKey("patrol.Issue", models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name="关联问题", db_index=False)
    upkeep_days = models.PositiveSmallIntegerField("管护周期（天）", null=True, blank=True)
    upkeep_note = models.CharField("管护标准", max_length=200, blank=True)
    open_orders = models.PositiveIntegerField("未完成工单数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "设施"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["village", "kind"]),
            models.Index(fields=["town", "status"]),
            models.Index(fields=["operator", "status"]),
            models.Index(fields=["grid"], name="facilities_facility_grid_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(location__isvalid=True), name="facility_location_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Za-z0-9_.-]{1,40}$"), name="facility_code_shape"),
        ]

    def __str__(self):
        return f"{self.code} {self.kind_id}"


class Need(models.TextChoices):
    PUMP = "pump", "满了要抽"
    REPAIR = "repair", "坏了要修"
    DIRTY = "dirty", "不干净"


class OrderState(models.TextChoices):
    OPEN = "open", "待接单"
    ACCEPTED = "accepted", "处理中"
    DONE = "done", "已完成"


class WorkOrder(models.Model):
    facility = models.ForeignKey(Facility, models.PROTECT, related_name="orders")
    operator = models.ForeignKey(Operator, models.PROTECT, null=True, blank=True, related_name="orders",
                                 db_index=False, help_text="接报时该设施的服务运营公司")
    need = models.CharField("需求", max_length=10, choices=Need.choices)
    state = models.CharField("状态", max_length=10, choices=OrderState.choices, default=OrderState.OPEN)
    note = models.TextField("群众留言", blank=True)
    phone = models.CharField("群众电话", max_length=20, blank=True)
    reports = models.PositiveIntegerField("反映次数", default=1)
    reported_at = models.DateTimeField("接报时间", db_index=True)
    last_reported_at = models.DateTimeField("最近反映时间")
    deadline = models.DateTimeField("处理期限")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    done_note = models.TextField("处理说明", blank=True)
    escalated_at = models.DateTimeField("超期督办时间", null=True, blank=True)
    reopen_of = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="reopens",
                                  help_text="完成后不久又报同一需求：返工")
    issue = models.ForeignKey("patrol.Issue", models.PROTECT, null=True, blank=True, related_name="+",
                              help_text="进入问题闭环的问题（群众反映）")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工单"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["facility", "need", "state"]),
            models.Index(fields=["operator", "state"]),
            models.Index(fields=["state", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state="done", done_at__isnull=False)
                                   | (~Q(state="done") & Q(done_at__isnull=True)), name="workorder_done_at_iff_done"),
        ]

    def __str__(self):
        return f"工单 #{self.pk} {self.facility_id} {self.need}"


class OrderEvent(models.Model):
    """One step of a work order (report, merged report, accept, photo, done, escalate). Append-only."""

    order = models.ForeignKey(WorkOrder, models.PROTECT, related_name="events")
    action = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"])]


class OrderPhoto(StoredPhoto):
    class Kind(models.TextChoices):
        REPORT = "report", "群众上传"
        AFTER = "after", "处理后"

    order = models.ForeignKey(WorkOrder, models.PROTECT, related_name="photos")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    image = models.FileField(upload_to="orders/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta(StoredPhoto.Meta):
        ordering = ["uploaded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind", "sha256"], name="order_photo_once")]


class Rating(models.Model):
    """A township's or a village's monthly score of a service company (渠口: 乡 60 %, 村 40 %)."""

    operator = models.ForeignKey(Operator, models.PROTECT, related_name="ratings")
    month = models.DateField("月份", help_text="该月第一天")
    level = models.CharField(max_length=8, choices=[("town", "街镇"), ("village", "行政村")])
    area_code = models.CharField("评分单位代码", max_length=12)
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(default=timezone.now, editable=False)  # set by scores.rate(now=)

    class Meta:
        verbose_name = verbose_name_plural = "服务公司评分"
        constraints = [
            models.UniqueConstraint(fields=["operator", "month", "area_code"], name="rating_once_per_area_month"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="rating_score_0_100"),
            models.CheckConstraint(condition=Q(level="town", area_code__regex=r"^[0-9]{9}$")
                                   | Q(level="village", area_code__regex=r"^[0-9]{12}$"), name="rating_area_level"),
        ]
