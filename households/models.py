"""Household points (积分制, seed 003): households, rules per village and year, the append-only ledger, goods.

A household's balance is kept on its row and changed only together with a ledger entry, in one transaction under
the household's row lock (see households.services). Deductions may take a balance below zero (a black-list
household); a redemption may not, and the database refuses a negative stock.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone

from core.stored_photos import StoredPhoto


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    MOVED_OUT = "moved_out", "已迁出"


class ItemKind(models.TextChoices):
    MONTHLY = "monthly", "每月入户评比"
    OCCASIONAL = "occasional", "临时加减分"


class EntryKind(models.TextChoices):
    MONTHLY = "monthly", "月度评比"
    OCCASIONAL = "occasional", "临时加减分"
    ISSUE = "issue", "问题销号扣分"
    REDEMPTION = "redemption", "积分兑换"


class ScoreSource(models.TextChoices):
    """Who assessed: village staff on their visit, or another villagers' group (组组互评, seed 003: "鼓励户户参与、
    组组互评等方式")."""

    CADRE = "cadre", "村干部入户评比"
    GROUP_MUTUAL = "group_mutual", "组组互评"


class Household(models.Model):
    code = models.CharField("户编号", max_length=40, unique=True)
    town = models.ForeignKey("geo.Town", models.PROTECT, verbose_name="街镇", related_name="+", db_index=False)
    village = models.ForeignKey("geo.Village", models.PROTECT, verbose_name="行政村", related_name="households")
    grid = models.ForeignKey("geo.Grid", models.PROTECT, null=True, blank=True, verbose_name="网格",
                             related_name="+", db_index=False)
    group = models.CharField("村民小组", max_length=40)
    address = models.CharField("门牌/地址", max_length=200, blank=True)
    location = models.PointField("门口位置", srid=4326)
    head = models.CharField("户主", max_length=40)
    phone = models.CharField("电话", max_length=30, blank=True)
    members = models.PositiveSmallIntegerField("人口数", default=1)
    resident = models.BooleanField("本村居民", default=True, help_text="非本村居民自愿纳入积分管理的，填“否”")
    status = models.CharField("状态", max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE)
    balance = models.IntegerField("积分余额", default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "农户"
        # Gate order within a group: the household codes are given along the group's lanes.
        ordering = ["village_id", "group", "code"]
        indexes = [
            models.Index(fields=["village", "group", "code"], name="household_village_group"),
            models.Index(fields=["town", "status"], name="household_town_status"),
            models.Index(fields=["grid"], name="household_grid"),
            # Active households per village (boards, supervision counts) read from the index alone.
            models.Index(fields=["village"], condition=Q(status="active"), name="household_village_active"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(location__isvalid=True), name="household_location_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.group} {self.address}"


class RuleSet(models.Model):
    """A village's points rules (积分细则) for one year; with no village, the district's reference set."""

    district = models.ForeignKey("geo.District", models.PROTECT, verbose_name="区", related_name="+")
    village = models.ForeignKey("geo.Village", models.PROTECT, null=True, blank=True, verbose_name="行政村",
                                related_name="+", help_text="空：区级参考细则")
    year = models.PositiveSmallIntegerField("年度")
    board_n = models.PositiveSmallIntegerField("红黑榜人数", default=5)
    copied_from = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name="参考细则")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分细则"
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="ruleset_once_per_village_year",
                                    condition=Q(village__isnull=False)),
            models.UniqueConstraint(fields=["district", "year"], name="ruleset_once_per_reference_year",
                                    condition=Q(village__isnull=True)),
            models.CheckConstraint(condition=Q(board_n__gte=1), name="ruleset_board_n_positive"),
        ]

    def __str__(self):
        return f"{self.village or '区级参考'} {self.year}"


class RuleItem(models.Model):
    """One version of an item: valid from a date until the next version (or its removal). Never rewritten."""

    ruleset = models.ForeignKey(RuleSet, models.PROTECT, related_name="items")
    key = models.CharField("项目代码", max_length=40)
    name = models.CharField("项目名称", max_length=100)
    category = models.CharField("类别", max_length=20, blank=True,
                                help_text="人居环境、垃圾分类、移风易俗、房屋出租、生产生活安全…")
    points = models.SmallIntegerField("分值", help_text="加分为正，扣分为负")
    kind = models.CharField("方式", max_length=10, choices=ItemKind.choices)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期", null=True, blank=True, help_text="不含当天")

    class Meta:
        verbose_name = verbose_name_plural = "积分项目"
        ordering = ["ruleset_id", "key", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "key", "valid_from"], name="ruleitem_version_once"),
            models.CheckConstraint(condition=~Q(points=0), name="ruleitem_points_not_zero"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                                   name="ruleitem_valid_range"),
        ]

    def __str__(self):
        return f"{self.name}（{self.points:+d}）"


class Good(models.Model):
    """A village's goods for redemption (积分超市): price in points, stock on hand."""

    village = models.ForeignKey("geo.Village", models.PROTECT, verbose_name="行政村", related_name="+")
    name = models.CharField("名称", max_length=100)
    price = models.PositiveIntegerField("所需积分")
    stock = models.IntegerField("库存")
    active = models.BooleanField("上架", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "兑换物品"
        ordering = ["village_id", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="good_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="good_price_positive"),
        ]

    def __str__(self):
        return f"{self.name}（{self.price} 分）"


class PointEntry(models.Model):
    """One line of a household's ledger. Append-only: the database refuses UPDATE and DELETE (trigger)."""

    household = models.ForeignKey(Household, models.PROTECT, related_name="entries")
    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField("类型", max_length=10, choices=EntryKind.choices)
    item_key = models.CharField("项目代码", max_length=40, blank=True)
    item = models.ForeignKey(RuleItem, models.PROTECT, null=True, blank=True, related_name="+",
                             help_text="记分时生效的项目版本")
    name = models.CharField("摘要", max_length=100)
    points = models.IntegerField("积分")
    month = models.DateField("评比月份", null=True, blank=True, help_text="月度评比：该月第一天")
    date = models.DateField("日期")
    note = models.TextField("备注", blank=True)
    photo = models.FileField("照片", upload_to="household-photos/%Y/%m/", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("记录时间")
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)
    issue = models.ForeignKey("patrol.Issue", models.PROTECT, null=True, blank=True, related_name="+")
    good = models.ForeignKey(Good, models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField(null=True, blank=True)
    # Defaults in the database too: bulk loaders and restores write the ledger with SQL of their own.
    source = models.CharField("评分来源", max_length=12, choices=ScoreSource.choices, default=ScoreSource.CADRE,
                              db_default=ScoreSource.CADRE)
    scorer_group = models.CharField("评分小组", max_length=50, blank=True, default="", db_default="",
                                    help_text="组组互评：打分的村民小组")

    class Meta:
        verbose_name = verbose_name_plural = "积分台账"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["household", "date"], name="entry_household_date"),
            models.Index(fields=["village", "date"], name="entry_village_date"),
            # Supervision: households scored per village and month, and redemptions per village and quarter, each
            # counted from a partial index alone (no heap visit to check the kind, ~10 entries per household).
            models.Index(fields=["village", "month", "household"], condition=Q(kind="monthly"),
                         name="entry_village_month_scored"),
            models.Index(fields=["village", "date"], condition=Q(kind="redemption"), name="entry_village_redemption"),
        ]
        constraints = [
            # 409 on a second monthly score: the database itself refuses it, whatever raced.
            models.UniqueConstraint(fields=["household", "item_key", "month"], condition=Q(kind="monthly"),
                                    name="entry_monthly_once"),
            models.UniqueConstraint(fields=["issue"], condition=Q(issue__isnull=False), name="entry_issue_once"),
            models.CheckConstraint(condition=Q(kind="monthly", month__isnull=False) | ~Q(kind="monthly"),
                                   name="entry_monthly_has_month"),
        ]


class EntryPhoto(StoredPhoto):
    """The photo of a ledger entry with its hashes and the trust checks' flags (issue 28). The entry keeps the file's
    name (PointEntry.photo) in its one INSERT; this row follows it in the same transaction, so the append-only
    ledger is never updated."""

    entry = models.OneToOneField(PointEntry, models.PROTECT, related_name="photo_check")
    household = models.ForeignKey(Household, models.PROTECT, related_name="+")
    image = models.FileField(upload_to="household-photos/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta(StoredPhoto.Meta):
        verbose_name = verbose_name_plural = "积分台账照片"

    def __str__(self):
        return f"{self.entry_id} {self.sha256[:8]}"


class IssueLink(models.Model):
    """A problem of the loop (patrol Issue) that is a household's: costs the item's points when verified."""

    issue = models.OneToOneField("patrol.Issue", models.PROTECT, related_name="+", primary_key=True)
    household = models.ForeignKey(Household, models.PROTECT, related_name="issue_links")
    item_key = models.CharField(max_length=40)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "农户问题关联"


class BoardPublication(models.Model):
    """A village's quarterly board put up (张榜公示): what the district's supervision checks."""

    village = models.ForeignKey("geo.Village", models.PROTECT, related_name="+")
    quarter = models.CharField(max_length=7, help_text="YYYY-Qn")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now, editable=False)  # services.publish_board(now=)

    class Meta:
        verbose_name = verbose_name_plural = "红黑榜公示"
        constraints = [models.UniqueConstraint(fields=["village", "quarter"], name="board_published_once")]


class ExportLog(models.Model):
    """Who exported personal data of households, when, and what."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    what = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息导出记录"
        ordering = ["-at"]
