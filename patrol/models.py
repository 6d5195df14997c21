"""Problems (Issue), their rectification loop history (IssueEvent), photos and re-inspection samples."""
import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.utils import timezone

from core.stored_photos import LocatedPhoto

from .querysets import IssueQuerySet


class Category(models.Model):
    code = models.CharField("代码", max_length=20, primary_key=True)
    name = models.CharField("名称", max_length=30)
    campaign = models.CharField("专项行动", max_length=10, blank=True)
    default_deadline_days = models.PositiveSmallIntegerField("默认整改期限（天）", default=15)
    icon = models.CharField("图标", max_length=30, default="exclamation", help_text="Font Awesome 图标名")
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "问题类别"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name

    @property
    def campaign_source(self):
        """Where the 净 group comes from: plan 000 names 净厕, 净地 and 净宅; anything else (净水) is our grouping."""
        if not self.campaign:
            return ""
        if self.campaign in ("净厕", "净地", "净宅"):
            return "工作方案 000"
        return "项目默认分组（工作方案 000 只列净厕、净地、净宅）"


class Source(models.TextChoices):
    DISTRICT_PATROL = "district_patrol", "区级巡查"
    TOWN_SELF_CHECK = "town_self_check", "街镇自查"
    THIRD_PARTY = "third_party", "市级第三方测评"
    REINSPECTION = "reinspection", "回头看"
    PUBLIC_REPORT = "public_report", "群众反映"


class Status(models.TextChoices):
    REPORTED = "reported", "待交办"
    ASSIGNED = "assigned", "整改中"
    SUBMITTED = "submitted", "待复核"
    CLOSED = "closed", "已销号"


class Action(models.TextChoices):
    REPORT = "report", "上报"
    ASSIGN = "assign", "交办"
    SUBMIT = "submit", "提交整改"
    VERIFY = "verify", "复核通过销号"
    REJECT = "reject", "复核不通过"
    REOPEN = "reopen", "重新打开"
    SUPERVISE = "supervise", "红色督办"
    RELEASE = "release", "解除督办"
    REINSPECT = "reinspect", "回头看"
    CORRECT = "correct", "更正"


class Light(models.TextChoices):
    RED = "red", "红灯"
    YELLOW = "yellow", "黄灯"
    GREEN = "green", "绿灯"


class Issue(models.Model):
    location = models.PointField("位置", srid=4326)
    # Most problems have no extent and few are rebounds: those two are indexed only where set (Meta.indexes), so
    # a report does not add an entry for its NULL to each.
    extent = models.GeometryField("范围", srid=4326, null=True, blank=True, help_text="黑臭水体等的面或线范围",
                                  spatial_index=False)
    category = models.ForeignKey(Category, models.PROTECT, verbose_name="类别", db_index=False)
    description = models.TextField("描述", blank=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.DISTRICT_PATROL)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="上报人", related_name="+")
    reported_at = models.DateTimeField("上报时间", db_index=True)
    # Indexed through the composite indexes below (and a plain one for grid): Django's default per-FK indexes,
    # with their LIKE twins, would double the cost of every insert.
    town = models.ForeignKey("geo.Town", models.PROTECT, verbose_name="街镇", related_name="issues", db_index=False)
    village = models.ForeignKey(
        "geo.Village", models.PROTECT, verbose_name="行政村", related_name="issues", db_index=False
    )
    grid = models.ForeignKey(
        "geo.Grid", models.PROTECT, null=True, blank=True, verbose_name="网格", related_name="issues", db_index=False
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REPORTED)
    deadline = models.DateField("整改期限", null=True, blank=True)
    assignee = models.CharField("责任单位", max_length=100, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    rebound_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="rebounds", verbose_name="反弹自", db_index=False
    )
    client_uuid = models.UUIDField("客户端编号", unique=True, default=uuid.uuid4)
    red_supervision = models.BooleanField("红色督办", default=False)
    supervised_at = models.DateTimeField("督办时间", null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    crs = models.CharField("原始坐标系", max_length=6, default="wgs84")
    # The campaign (专项行动) a problem was explicitly tagged to. A plain id, no foreign key: campaigns sit above
    # patrol (it asks them through patrol.signals.campaign_tagging), so patrol only stores and filters it.
    campaign = models.PositiveIntegerField("专项行动", null=True, blank=True)
    # The water body of the black-odorous list (黑臭水体动态清单) a black_water problem lies on. A plain id, like
    # `campaign`: the waterbodies app sits above patrol and sets it on patrol.signals.issue_reported.
    water_body = models.PositiveIntegerField("黑臭水体", null=True, blank=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        db_table = "patrol_issue"
        verbose_name = verbose_name_plural = "问题"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["village", "status"]),
            models.Index(fields=["town", "status"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["closed_at"]),
            models.Index(fields=["grid"], name="patrol_issue_grid_idx"),
            models.Index(fields=["campaign"], name="patrol_issue_campaign_idx", condition=Q(campaign__isnull=False)),
            models.Index(fields=["rebound_of"], name="patrol_issue_rebound_idx", condition=Q(rebound_of__isnull=False)),
            models.Index(fields=["water_body"], name="patrol_issue_water_body_idx",
                         condition=Q(water_body__isnull=False)),
            # As an expression: Django's PostGIS schema editor drops the condition of a spatial index on a field.
            GistIndex(F("extent"), name="patrol_issue_extent_gist", condition=Q(extent__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(location__isvalid=True), name="issue_location_valid"),
            models.CheckConstraint(
                condition=Q(extent__isnull=True) | Q(extent__isvalid=True), name="issue_extent_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="issue_closed_at_iff_closed",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category_id} {self.get_status_display()}"


class Photo(LocatedPhoto):
    class Kind(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="photos")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    image = models.FileField(upload_to="photos/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    gps_mismatch_m = models.FloatField(null=True, blank=True, help_text="EXIF 位置与上报位置的距离（米）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)  # services.add_photo's `now` (a loader's past)
    submitted_with = models.ForeignKey(
        "IssueEvent", models.PROTECT, null=True, blank=True, related_name="photos", help_text="随哪次提交整改"
    )

    class Meta(LocatedPhoto.Meta):
        verbose_name = verbose_name_plural = "照片"
        ordering = ["uploaded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["issue", "kind", "sha256"], name="photo_once_per_issue_kind")]
        # GET /api/photo-flags/: the few flagged photos by month, without reading the unflagged ones.
        indexes = [*LocatedPhoto.Meta.indexes,
                   models.Index(fields=["uploaded_at"], name="patrol_photo_flagged_idx", condition=~Q(flags=[]))]

    def take(self, processed):
        """LocatedPhoto's fields, the served size, and how far the EXIF position lies from the problem."""
        from core.photos import distance_m

        super().take(processed)
        self.width, self.height = processed.width, processed.height
        self.gps_mismatch_m = None
        if self.exif_location is not None:
            self.gps_mismatch_m = distance_m(self.issue.location.x, self.issue.location.y,
                                             self.exif_location.x, self.exif_location.y)

    @property
    def gps_flag(self):
        limit = settings.PATROL["PHOTO_GPS_MISMATCH_M"]
        return self.gps_mismatch_m is not None and self.gps_mismatch_m > limit


class IssueEvent(models.Model):
    """One step of an issue's history. Append-only: the database refuses UPDATE and DELETE (trigger)."""

    issue = models.ForeignKey(Issue, models.PROTECT, related_name="events", db_index=False)  # (issue, at) below
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    photo = models.ForeignKey(Photo, models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    location = models.PointField(srid=4326, null=True, blank=True, help_text="操作人所在位置")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "处置记录"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["issue", "at"]),
            models.Index(fields=["action", "at"]),
            # The events after a moment other than reports (patrol.history.LATER_EVENT): the problems a past
            # month's lights must rebuild. A month's new reports, most events since, are left out.
            models.Index(fields=["at"], include=["issue"], name="patrol_issueevent_later_idx",
                         condition=~Q(action="report")),
            # Most events carry no photo: only those that do are indexed (one entry less per event written).
            models.Index(fields=["photo"], name="patrol_issueevent_photo_idx", condition=Q(photo__isnull=False)),
        ]


class ReinspectionSample(models.Model):
    """A closed issue drawn for the month's re-inspection (回头看) and what the inspector found."""

    class Result(models.TextChoices):
        HELD = "held", "保持"
        CAME_BACK = "came_back", "反弹"

    month = models.DateField("月份", help_text="该月第一天（按专项行动抽取的，为抽取当月）")
    campaign = models.PositiveIntegerField("专项行动", null=True, blank=True,
                                           help_text="按专项行动抽取时的专项行动编号；否则为按月抽取")
    issue = models.ForeignKey(Issue, models.PROTECT, related_name="reinspections")
    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回头看抽查"
        constraints = [
            models.UniqueConstraint(fields=["month", "issue"], condition=Q(campaign__isnull=True),
                                    name="reinspection_once_a_month"),
            models.UniqueConstraint(fields=["campaign", "issue"], condition=Q(campaign__isnull=False),
                                    name="reinspection_once_a_campaign"),
        ]
        indexes = [models.Index(fields=["month", "village"])]
