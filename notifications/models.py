"""Messages (the outbox), their deliveries by e-mail and SMS, and what each person wants.

A `Message` is written in the transaction of the action that causes it (`notifications.outbox`):
it is the in-app message at once, and its `Delivery` rows are the e-mail and SMS still to send,
which a worker sends after commit (`notifications.delivery`). Nothing here knows the workflow:
a message points at a declaration only through the string reference "workflow.Declaration".
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    """What a message is about; each person chooses e-mail and SMS per kind (profile page)."""

    TASK = "task", "新的待办任务"
    DECISION = "decision", "审核、排期与取消"
    RESULTS = "results", "考核结果发布"
    REMINDER = "reminder", "催报、催办与到期提醒"
    ACCOUNT = "account", "账号与密码"
    DISCUSSION = "discussion", "讨论与@提及"


# What a person gets when they have chosen nothing: e-mail for everything, SMS for reminders.
DEFAULT_CHANNELS: dict[str, tuple[bool, bool]] = {
    Kind.TASK: (True, False), Kind.DECISION: (True, False), Kind.RESULTS: (True, False),
    Kind.REMINDER: (True, True), Kind.ACCOUNT: (True, False), Kind.DISCUSSION: (True, False),
}


# `Message.url` of an account message: its mail carries a fresh link to set the password, made when
# it is sent (no token is ever stored); the message center shows no link.
PASSWORD_LINK = "password:set"


class Message(models.Model):
    """One message to one person: in the message center (消息中心) from the moment its action
    commits. `cause` names what it is about (e.g. "task:42"); one person gets one message per
    cause, so an action retried or a job run twice writes nothing new."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages", verbose_name="收件人")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    cause = models.CharField("事由", max_length=160)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)  # a path of this site: the task or the declaration
    declaration = models.ForeignKey("workflow.Declaration", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", verbose_name="申报")
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "cause"], name="one_message_per_cause")]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="message_inbox"),
            # The bell on every page counts these.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="message_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", "邮件"
    SMS = "sms", "短信"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败（已停止重试）"


class Delivery(models.Model):
    """One message to send on one channel. A worker claims it (row lock, SKIP LOCKED), sends it and
    records the outcome in one transaction: sent, or the error and the time of the next attempt
    (backoff), until `delivery.MAX_ATTEMPTS`, after which it stays FAILED for the administrator."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name="消息")
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    address = models.CharField("地址", max_length=254)
    status = models.CharField("状态", max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)
    last_error = models.TextField("最近一次错误", blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息投递"
        verbose_name_plural = "消息投递"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="one_delivery_per_channel")]
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="delivery_due"),
            models.Index(fields=["status"], condition=Q(status="failed"), name="delivery_failed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}→{self.address}"


class Profile(models.Model):
    """What the user table lacks: the mobile number SMS goes to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="notify_profile", verbose_name="用户")
    mobile = models.CharField("手机号码", max_length=20, blank=True)

    class Meta:
        verbose_name = "联系方式"
        verbose_name_plural = "联系方式"

    def __str__(self) -> str:
        return self.mobile


class Preference(models.Model):
    """One person's choice of e-mail and SMS for one kind of message (no row: `DEFAULT_CHANNELS`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    email = models.BooleanField("邮件", default=True)
    sms = models.BooleanField("短信", default=False)

    class Meta:
        verbose_name = "消息设置"
        verbose_name_plural = "消息设置"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user}·{self.get_kind_display()}"


class Reminder(models.Model):
    """A reminder sent, by its cause (e.g. "declare:1:7:2023-04-03:3"): the row is written in the
    transaction that sends it, and a second one for the same cause is refused by the database, so
    no retry, second run or second scheduler sends it again."""

    cause = models.CharField("事由", max_length=160, unique=True)
    sent_at = models.DateTimeField("发送时间", default=timezone.now)

    class Meta:
        verbose_name = "已发送的提醒"
        verbose_name_plural = "已发送的提醒"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.cause
