"""The in-app inbox (Notification), the offices' delivery channels (Channel), each user's choices (Preference)
and the queue of outgoing messages (Delivery), sent by `manage.py send_notifications`."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    ASSIGNED = "assigned", "问题交办"
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已超期"
    REJECTED = "rejected", "复核不通过"
    TO_VERIFY = "to_verify", "待复核"
    REINSPECTION = "reinspection", "回头看抽查"
    ORDER_ISSUED = "order_issued", "督办单下发"
    ORDER_ANSWERED = "order_answered", "督办单反馈"
    ORDER_RETURNED = "order_returned", "督办单退回"
    DIGEST = "digest", "每周摘要"
    WORK_ORDER = "work_order", "设施工单"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    text = models.TextField("内容")
    issue = models.ForeignKey("patrol.Issue", models.CASCADE, null=True, blank=True, related_name="+",
                              db_index=False)
    order = models.ForeignKey("supervision.Order", models.CASCADE, null=True, blank=True, related_name="+",
                              db_index=False)
    key = models.CharField("事件键", max_length=80, help_text="同一事件对同一人只通知一次")
    created = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["user", "-created"], name="notification_inbox"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.user_id}"

    @property
    def read(self):
        return self.read_at is not None


class ChannelKind(models.TextChoices):
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class Channel(models.Model):
    """A channel an office uses, attached to a town or district: one message per event in its area."""

    area_code = models.CharField("区域代码", max_length=9, help_text="街镇（9位）或区（6位）代码")
    kind = models.CharField("类型", max_length=10, choices=ChannelKind.choices)
    target = models.CharField("地址", max_length=500, help_text="机器人 Webhook URL、邮箱或手机号")
    secret = models.CharField("加签密钥", max_length=200, blank=True, help_text="钉钉机器人“加签”密钥（SEC…）")
    enabled = models.BooleanField("启用", default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "推送渠道"
        constraints = [
            models.UniqueConstraint(fields=["area_code", "kind", "target"], name="channel_once"),
            models.CheckConstraint(condition=Q(area_code__regex=r"^([0-9]{6}|[0-9]{9})$"),
                                   name="channel_area_town_or_district"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.area_code}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from .setup import check_target  # setup imports this module

        try:
            check_target(self.kind, self.target)
        except ValidationError as exc:
            raise ValidationError({"target": exc.messages}) from None


class Preference(models.Model):
    """A user's own channels and quiet period (nothing but the inbox during it; sent when it ends)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notify_preference")
    email = models.BooleanField("邮件提醒", default=False)
    sms = models.BooleanField("短信提醒", default=False)
    phone = models.CharField("手机号", max_length=20, blank=True)
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒设置"

    def __str__(self):
        return f"提醒设置 {self.user_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Delivery(models.Model):
    """One outgoing message. `key` is the idempotency key (event or notification, and channel): a message is
    queued once and, once sent, never sent again."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    channel = models.ForeignKey(Channel, models.CASCADE, null=True, blank=True, related_name="deliveries")
    notification = models.ForeignKey(Notification, models.CASCADE, null=True, blank=True, related_name="deliveries")
    target = models.CharField(max_length=500)
    text = models.TextField()
    state = models.CharField(max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "发送队列"
        indexes = [models.Index(fields=["next_at"], condition=Q(state="pending"), name="delivery_due")]

    def __str__(self):
        return self.key
