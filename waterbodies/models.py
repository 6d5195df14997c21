"""The black and smelly water bodies' dynamic list (黑臭水体动态清单, plan 004 (十二)): each water body as its own
geometry (a polygon or a line), its status, its responsible village, its monitoring visits with photos and its
append-only status history.

Plan 004 (十二): "加强水体动态排查整治，建立动态问题清单，将新发现的黑臭水体及时纳入监管清单，分期分批实施整治，
…，杜绝返黑返臭。"
"""
import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.db.models.functions import Cast

from core.stored_photos import LocatedPhoto

from .querysets import WaterBodyQuerySet


class Status(models.TextChoices):
    BLACK_ODOROUS = "black_odorous", "黑臭"
    TREATING = "treating", "整治中"
    ELIMINATED = "eliminated", "已消除"
    REBOUNDED = "rebounded", "返黑返臭"


class Kind(models.TextChoices):
    """What kind of water it is. Project default list, in the plan's own words for rural water (004 (三)
    "农村坑塘、河道沟渠", (七) "农村坑塘治理"); the plan itself has no such classification."""

    POND = "pond", "坑塘"
    DITCH = "ditch", "沟渠"
    RIVER = "river", "河道"
    OTHER = "other", "其他"


class WaterBody(models.Model):
    name = models.CharField("水体名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.POND)
    geom = models.GeometryField("范围（面或线）", srid=4326)
    town = models.ForeignKey("geo.Town", models.PROTECT, verbose_name="街镇", related_name="+", db_index=False)
    village = models.ForeignKey("geo.Village", models.PROTECT, verbose_name="责任行政村", related_name="+",
                                db_index=False)
    grid = models.ForeignKey("geo.Grid", models.PROTECT, null=True, blank=True, verbose_name="网格", related_name="+",
                             db_index=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.BLACK_ODOROUS)
    status_since = models.DateTimeField("状态起始时间")
    listed_at = models.DateTimeField("纳入清单时间")
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    note = models.CharField("备注", max_length=500, blank=True)
    client_uuid = models.UUIDField("客户端编号", unique=True, default=uuid.uuid4)

    objects = WaterBodyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "黑臭水体"
        ordering = ["town_id", "village_id", "name", "id"]
        indexes = [
            models.Index(fields=["town", "status"]),
            models.Index(fields=["village", "status"]),
            models.Index(fields=["grid"], name="waterbodies_grid_idx"),
            # The rebound check measures in metres on the spheroid (ST_DWithin on geography): this index serves it.
            # (The field's own GiST index, on the geometry, serves bbox lists and tiles.)
            GistIndex(Cast(F("geom"), models.GeometryField(geography=True, srid=4326)),
                      name="waterbodies_geog_gist"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="waterbody_geom_valid"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_status_display()}）"


class StatusChange(models.Model):
    """One status change of a water body (the first one is its listing). Append-only: the database refuses UPDATE,
    DELETE and TRUNCATE (trigger)."""

    water_body = models.ForeignKey(WaterBody, models.PROTECT, related_name="history", db_index=False)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    # The black_water problem whose report turned the water body `rebounded` (a patrol.Issue id).
    issue = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "黑臭水体状态记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["water_body", "at"])]


class Finding(models.TextChoices):
    BLACK_ODOROUS = "black_odorous", "仍黑臭"
    NOT_BLACK_ODOROUS = "clear", "未见黑臭"


class Visit(models.Model):
    """A monitoring visit (水体动态排查/监测): who went, when, what they saw, with photos. Append-only."""

    water_body = models.ForeignKey(WaterBody, models.PROTECT, related_name="visits", db_index=False)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField("监测时间")
    finding = models.CharField("结论", max_length=16, choices=Finding.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        verbose_name = verbose_name_plural = "黑臭水体监测"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["water_body", "at"])]


class VisitPhoto(LocatedPhoto):
    visit = models.ForeignKey(Visit, models.PROTECT, related_name="photos")
    image = models.FileField(upload_to="waters/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta(LocatedPhoto.Meta):
        verbose_name = verbose_name_plural = "黑臭水体监测照片"
        ordering = ["uploaded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "sha256"], name="waterbody_visit_photo_once")]
