"""Red supervision orders (红色督办单): a numbered document from the district to a town or village about one or
more problems, with a new deadline and requirements, answered with a report, then closed or returned."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from core.stored_photos import LocatedPhoto


class State(models.TextChoices):
    DRAFT = "draft", "待签发"
    ISSUED = "issued", "已下发"
    ANSWERED = "answered", "已反馈"
    RETURNED = "returned", "已退回"
    CLOSED = "closed", "已办结"


OPEN_STATES = (State.ISSUED, State.ANSWERED, State.RETURNED)


class OrderAction(models.TextChoices):
    DRAFT = "draft", "拟稿"
    ISSUE = "issue", "签发"
    ANSWER = "answer", "反馈"
    RETURN = "return", "退回"
    CLOSE = "close", "办结"


class Order(models.Model):
    number = models.CharField("编号", max_length=40, blank=True)
    district_code = models.CharField("区代码", max_length=6)
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True)
    seq = models.PositiveIntegerField("序号", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    issuer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="签发人")
    issuing_office = models.CharField("督办单位", max_length=100, blank=True)
    issued_at = models.DateTimeField("签发时间", null=True, blank=True)
    addressee_code = models.CharField("督办对象代码", max_length=12, help_text="街镇（9位）或行政村（12位）代码")
    addressee_name = models.CharField("督办对象", max_length=100)
    deadline = models.DateField("整改期限", null=True, blank=True)
    requirements = models.TextField("督办要求", blank=True)
    reflect = models.BooleanField("要求举一反三", default=False)
    reason = models.CharField("拟稿原因", max_length=20, blank=True, help_text="overdue：超期自动拟稿")
    problems = models.ManyToManyField("patrol.Issue", through="OrderProblem", related_name="orders",
                                      verbose_name="督办问题")
    client_uuid = models.UUIDField("客户端编号", unique=True, null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "红色督办单"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["state", "addressee_code"]), models.Index(fields=["addressee_code"])]
        constraints = [
            models.UniqueConstraint(fields=["district_code", "year", "seq"], name="order_number_once",
                                    condition=Q(seq__isnull=False)),
            models.CheckConstraint(condition=Q(state="draft") | Q(seq__isnull=False, issued_at__isnull=False),
                                   name="order_issued_has_number"),
            models.CheckConstraint(condition=Q(addressee_code__regex=r"^([0-9]{9}|[0-9]{12})$"),
                                   name="order_addressee_town_or_village"),
        ]

    def __str__(self):
        return self.number or f"督办单草稿 #{self.pk}"

    @property
    def is_open(self):
        return self.state in OPEN_STATES


class OrderProblem(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="order_problems")
    issue = models.ForeignKey("patrol.Issue", models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "督办问题"
        constraints = [models.UniqueConstraint(fields=["order", "issue"], name="order_problem_once")]

    def __str__(self):
        return f"{self.order_id}:{self.issue_id}"


class OrderCounter(models.Model):
    """The last number given per district and year (督办〔YYYY〕N号), locked while the next one is taken."""

    district_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district_code", "year"], name="order_counter_once")]

    def __str__(self):
        return f"{self.district_code} {self.year}: {self.last}"


class OrderEvent(models.Model):
    """One step of an order's life; never edited."""

    order = models.ForeignKey(Order, models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=OrderAction.choices)
    from_state = models.CharField(max_length=10, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.action}"


class OrderAnswer(models.Model):
    """The addressee's report: text, photos, the problems' states when answering, and for 举一反三 the similar
    points it found (reported as problems in the normal loop)."""

    order = models.ForeignKey(Order, models.PROTECT, related_name="answers")
    event = models.OneToOneField(OrderEvent, models.PROTECT, related_name="answer")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField()
    report = models.TextField("整改报告")
    problem_states = models.JSONField("问题状态", default=dict)
    similar = models.ManyToManyField("patrol.Issue", blank=True, related_name="+", verbose_name="举一反三发现")

    class Meta:
        verbose_name = verbose_name_plural = "督办反馈"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.order_id} 反馈 {self.at:%Y-%m-%d}"


class AnswerPhoto(LocatedPhoto):
    """A photo of an answer, checked and cleaned like every other. Rows from before migration 0002 were stored as
    uploaded: their sha256 is empty and they have no EXIF position."""

    answer = models.ForeignKey(OrderAnswer, models.PROTECT, related_name="photos")
    image = models.FileField(upload_to="orders/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.image.name
