"""Declarations, their lifecycle, and the audit trail.

`Declaration.state` is a protected django-fsm field: it only moves through the
`@transition` methods below, and those are only called by `workflow.services`, which
lock the row, check the permission and the policy guards, and write the audit event in
the same database transaction. Transition bodies only set fields.
"""
from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from policies import holding
from policies.models import Programme
from units.models import Unit
from units.roles import OFFICE_PERMISSIONS
from workflow.actions import EVENT_LABELS


class State(models.TextChoices):
    DRAFTED = "drafted", "草稿"
    SUBMITTED = "submitted", "已报送"
    REVIEWED = "reviewed", "已审核"
    SCHEDULED = "scheduled", "已排期"
    HELD = "held", "已举办"
    SUMMARIZED = "summarized", "已总结"
    EVALUATED = "evaluated", "已评估"
    CANCELLED = "cancelled", "已取消"


AWAITING_SEAL = "待盖章"  # a draft the operator handed to the unit leader, waiting for the seal


def state_label(value: str, *, awaiting_seal: bool = False) -> str:
    """A state in Chinese; a draft waiting for the leader's seal reads 待盖章, not 草稿."""
    if awaiting_seal and value == State.DRAFTED:
        return AWAITING_SEAL
    return State(value).label if value in State.values else value


BEFORE_HELD = [State.DRAFTED, State.SUBMITTED, State.REVIEWED, State.SCHEDULED]

# The fields a unit fills on the 申报表 and may edit while drafted.
CONTENT_FIELDS = (
    "theme", "month", "form", "focus_topic", "description", "banner", "contact_name", "contact_phone",
)


class Declaration(ConcurrentTransitionMixin, models.Model):
    """One unit's 申报表 for one programme, and everything that happens to it."""

    programme = models.ForeignKey(Programme, verbose_name="实施方案", on_delete=models.PROTECT, related_name="declarations")
    unit = models.ForeignKey(Unit, verbose_name="填报单位", on_delete=models.PROTECT, related_name="declarations")
    state = FSMField("状态", default=State.DRAFTED, choices=State.choices, protected=True, db_index=True)

    # 申报表
    theme = models.CharField("活动主题", max_length=200, blank=True)
    month = models.PositiveSmallIntegerField("活动时间（月份）", null=True, blank=True)
    form = models.CharField("活动形式", max_length=32, blank=True)
    focus_topic = models.CharField("重点主题", max_length=32, blank=True)
    description = models.TextField("活动简介", blank=True)
    banner = models.CharField("会标", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="填报人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # 报送 / 审核
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="报送人")
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="审核人")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)

    # 排期
    scheduled_month = models.PositiveSmallIntegerField("安排月份", null=True, blank=True)

    # 举办
    held_on = models.DateField("举办日期", null=True, blank=True)
    place = models.CharField("举办地点", max_length=200, blank=True)
    participants = models.JSONField("参与人员（按类别计数）", default=dict, blank=True)
    banner_used = models.CharField("实际使用会标", max_length=200, blank=True)
    logo_shown = models.BooleanField("现场展示LOGO", default=False)
    publicity = models.JSONField("宣传报道", default=list, blank=True)
    form_facts = models.JSONField("活动形式要素", default=dict, blank=True)

    # 总结
    summary_practice = models.TextField("做法", blank=True)
    summary_effect = models.TextField("成效", blank=True)
    summary_experience = models.TextField("经验", blank=True)
    summarized_at = models.DateTimeField("总结时间", null=True, blank=True)
    nominated = models.BooleanField("推荐为典型经验", default=False)
    exemplary = models.BooleanField("典型经验", default=False)

    # 评估
    scores = models.JSONField("评估打分", default=dict, blank=True)
    evaluation_comment = models.TextField("评估意见", blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="评估人")
    evaluated_at = models.DateTimeField("评估时间", null=True, blank=True)

    cancel_reason = models.TextField("取消理由", blank=True)

    # Head of this declaration's audit chain (see workflow.audit). Kept on the row
    # that every transition already locks, so chains never wait for each other.
    audit_seq = models.PositiveIntegerField("审计链序号", default=0, editable=False)
    audit_head = models.CharField("审计链头哈希", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "申报"
        verbose_name_plural = "申报"
        ordering = ["programme", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "unit"],
                condition=~Q(state="cancelled"),
                name="one_live_declaration_per_unit_programme",
                violation_error_message="本单位在该实施方案中已有一份有效申报。",
            ),
        ]
        indexes = [models.Index(fields=["programme", "state"], name="decl_programme_state")]
        permissions = list(OFFICE_PERMISSIONS.items())

    def __str__(self) -> str:
        return f"{self.unit}·{self.theme or '（未填主题）'}"

    @property
    def form_label(self) -> str:
        """活动形式 as the programme names it (select `programme` with the declaration)."""
        return self.programme.label("forms", self.form) if self.form else ""

    @property
    def state_fields(self):
        """The FSM fields, for django-fsm's ConcurrentTransitionMixin: it looks for them among every
        field of the model each time a declaration is built or saved (50 rows of a list: 2,000
        checks); there is one."""
        return (self._meta.get_field("state"),)

    # ------------------------------------------------------------ flags (accepted, but the office sees them)

    @property
    def held_outside_schedule(self) -> bool:
        """Held, but not in the month the published schedule gave it."""
        return bool(self.held_on and self.scheduled_month) and not holding.held_in_month(
            self.held_on, month=self.scheduled_month, year=self.programme.year,
        )

    @property
    def summary_due_on(self) -> dt.date | None:
        return holding.summary_due(self.held_on, self.programme.summary_due_days) if self.held_on else None

    @property
    def summary_late(self) -> bool:
        """Summarized after the due date, or held and still not summarized past it."""
        if not self.held_on:
            return False
        if self.summarized_at:
            done_on = timezone.localdate(self.summarized_at)
        elif self.state == State.HELD:
            done_on = timezone.localdate()
        else:
            return False
        return holding.summary_late(self.held_on, done_on, self.programme.summary_due_days)

    # ------------------------------------------------------------ transitions
    # Bodies only set fields; guards and permissions live in workflow.services.

    @transition(field=state, source=State.DRAFTED, target=State.SUBMITTED)
    def submit(self, *, user, when) -> None:
        self.submitted_by, self.submitted_at = user, when
        self.first_submitted_at = self.first_submitted_at or when

    @transition(field=state, source=State.SUBMITTED, target=State.DRAFTED)
    def withdraw(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.DRAFTED)
    def return_to_unit(self, *, reason: str) -> None:
        self.return_reason = reason
        self.return_count += 1

    @transition(field=state, source=State.SUBMITTED, target=State.REVIEWED)
    def approve(self, *, user, when) -> None:
        self.reviewed_by, self.reviewed_at = user, when

    @transition(field=state, source=State.REVIEWED, target=State.SCHEDULED)
    def schedule(self, *, month: int) -> None:
        self.scheduled_month = int(month)

    @transition(field=state, source=State.SCHEDULED, target=State.SCHEDULED)
    def reschedule(self, *, month: int) -> None:
        self.scheduled_month = int(month)

    @transition(field=state, source=State.SCHEDULED, target=State.HELD)
    def hold(self, **evidence) -> None:
        for name, value in evidence.items():
            setattr(self, name, value)

    @transition(field=state, source=State.HELD, target=State.SUMMARIZED)
    def summarize(self, *, when, **summary) -> None:
        self.summarized_at = when
        for name, value in summary.items():
            setattr(self, name, value)

    @transition(field=state, source=State.SUMMARIZED, target=State.EVALUATED)
    def evaluate(self, *, user, when, scores: dict, comment: str) -> None:
        self.evaluated_by, self.evaluated_at = user, when
        self.scores, self.evaluation_comment = scores, comment

    @transition(field=state, source=BEFORE_HELD, target=State.CANCELLED)
    def cancel(self, *, reason: str) -> None:
        self.cancel_reason = reason


class DeadlineExtension(models.Model):
    """The office lets one unit declare after the programme's deadline (延期)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="extensions", verbose_name="实施方案")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="extensions", verbose_name="单位")
    until = models.DateField("延期至（含当日）")
    reason = models.TextField("延期理由")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="批准人")
    granted_at = models.DateTimeField("批准时间", auto_now_add=True)

    class Meta:
        verbose_name = "申报延期"
        verbose_name_plural = "申报延期"
        constraints = [models.UniqueConstraint(fields=["programme", "unit"], name="one_extension_per_unit_programme")]

    def __str__(self) -> str:
        return f"{self.unit}延期至{self.until:%Y-%m-%d}"


class EvidenceKind(models.TextChoices):
    LOGO_PHOTO = "logo_photo", "LOGO现场照片"
    HOLDING_PHOTO = "holding_photo", "活动现场照片"
    PUBLICITY = "publicity", "宣传报道截图"
    OTHER = "other", "其他材料"


# What an evidence file may be: the type found in its content → the extension it is stored with.
EVIDENCE_TYPES = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "application/pdf": "pdf",
}


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """A generated name (uuid + the extension of the type found in the content); the
    uploaded name is kept only as display text (`original_name`)."""
    return f"evidence/{instance.declaration_id}/{uuid.uuid4().hex}.{EVIDENCE_TYPES[instance.content_type]}"


class Evidence(models.Model):
    """A photo or PDF proving the activity was held (LOGO shown, the event, publicity).

    Written only by `workflow.evidence.evidence_upload` (checked, stored, audited in one
    transaction); read only through `workflow.views.evidence`, which checks that the
    reader may see the declaration. Never served from MEDIA_URL.
    """

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="evidence", verbose_name="申报")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    kind = models.CharField("类别", max_length=16, choices=EvidenceKind.choices)
    channel = models.CharField("宣传渠道", max_length=32, blank=True)
    file = models.FileField("文件", upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    # Shown on the public column (`gongkai/`) once the activity is held; only photos, only by
    # `workflow.publicity.evidence_set_public` (audited). Off by default.
    public = models.BooleanField("公开展示", default=False)

    class Meta:
        verbose_name = "举办证据"
        verbose_name_plural = "举办证据"
        ordering = ["declaration", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.original_name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class AuditEvent(models.Model):
    """One append-only, hash-chained audit row. Written only by `workflow.audit.record`.

    Each declaration's events form one chain (`declaration`, `seq`); events outside any
    declaration form the `global` chain (`declaration` NULL). On PostgreSQL a trigger
    refuses UPDATE, DELETE and TRUNCATE (migration 0002).
    """

    seq = models.PositiveIntegerField("链内序号")
    # No single-column indexes where a composite below starts with the column: every index
    # is written on each of the million inserts, and the composites serve the same lookups.
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name="申报", db_index=False)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="单位", db_index=False)
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="实施方案", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    action = models.CharField("操作", max_length=32)
    from_state = models.CharField("原状态", max_length=16, blank=True)
    to_state = models.CharField("新状态", max_length=16, blank=True)
    reason = models.TextField("理由", blank=True)
    changed = models.JSONField("变更内容", default=dict, blank=True)
    created_at = models.DateTimeField("时间", db_index=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    prev_hash = models.CharField("前一事件哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "seq"], name="audit_chain_position"),
            models.UniqueConstraint(fields=["seq"], condition=Q(declaration__isnull=True), name="audit_global_chain_position"),
            models.UniqueConstraint(fields=["hash"], name="audit_hash_unique"),  # a constraint: no LIKE-pattern twin
        ]
        indexes = [
            models.Index(fields=["unit", "action"], name="audit_unit_action"),
            models.Index(fields=["programme", "action"], name="audit_programme_action"),
            models.Index(fields=["action"], name="audit_action"),  # the audit search by action alone
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {EVENT_LABELS.get(self.action, self.action)}"


class AuditChain(models.Model):
    """Head of a chain that no declaration row carries (today: the `global` chain)."""

    key = models.CharField(max_length=32, primary_key=True)
    seq = models.PositiveIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链"
        verbose_name_plural = "审计链"

    def __str__(self) -> str:
        return f"{self.key}@{self.seq}"


class AuditCheckpoint(models.Model):
    """A periodic record of every chain head that moved since the previous checkpoint.

    The union of all checkpoints is the last known head of every chain, so a chain that
    was removed whole (events and declaration) is still found. Checkpoints chain to each
    other and are append-only like events.
    """

    created_at = models.DateTimeField("时间", default=timezone.now)
    heads = models.JSONField("各链链头", default=dict)  # {"d:<id>" | "global": [seq, hash]}
    chains = models.PositiveIntegerField("链数", default=0)
    events = models.PositiveBigIntegerField("事件数", default=0)
    prev_hash = models.CharField("前一检查点哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)
    # HMAC-SHA256 of `hash` with AUDIT_ANCHOR_KEY, a key kept outside the database
    # (`workflow.trail.anchors`). `hash` covers the heads that moved and the previous checkpoint's
    # hash, so it stands for every chain head known so far. Both are published on the public column.
    signature = models.CharField("签名", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计检查点"
        verbose_name_plural = "审计检查点"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"检查点#{self.pk}（{self.events}条事件）"


class ScheduleVersion(models.Model):
    """A published 活动计划安排表: a snapshot of the whole plan (`workflow.schedule_versions`).

    Publishing makes version 1; every later change (a reschedule, more declarations)
    makes the next version. Each version lists every activity on the schedule or later
    (scheduled, held, summarized, evaluated) and stores its rows, every column of the
    official spreadsheet, when it is published. Versions are never edited.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="schedule_versions", verbose_name="实施方案")
    number = models.PositiveIntegerField("版本号")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发布人")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    reason = models.TextField("调整理由", blank=True)
    entries = models.JSONField("安排", default=list)  # [{"declaration": id, "unit": id, "month": m}]
    rows = models.JSONField("安排表内容", default=list)  # the spreadsheet's rows as published (schedule_versions.ROW_FIELDS)

    class Meta:
        verbose_name = "活动计划安排表"
        verbose_name_plural = "活动计划安排表"
        ordering = ["programme", "-number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="one_schedule_version_number")]

    def __str__(self) -> str:
        return f"{self.programme.name} 第{self.number}版"


class AssessmentRelease(models.Model):
    """One release of a programme's assessment results (第N次发布): a frozen snapshot.

    Written only by `workflow.releases.assessment_release`; never edited (PostgreSQL refuses
    UPDATE and DELETE, migration 0009). What units (pages, API) and the public column see is
    the latest release, never a live computation: a later evaluation changes the next release.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="releases", verbose_name="实施方案")
    number = models.PositiveIntegerField("发布次序")
    released_at = models.DateTimeField("发布时间")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发布人")
    digest = models.CharField("快照摘要（SHA-256）", max_length=64)
    board = models.JSONField("考核结果快照")  # Scoreboard.as_dict(): totals, ranks, points, basis, event ids
    events = models.JSONField("得分依据的审计事件", default=dict)  # {"<id>": {at, action, label, actor, reason}}
    changes = models.JSONField("与上次发布相比的变化", default=list)  # releases.changes_between
    units = models.PositiveIntegerField("单位数", default=0)
    not_evaluated = models.PositiveIntegerField("发布时尚未评估的单位数", default=0)
    audit_event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="+", verbose_name="审计事件")

    class Meta:
        verbose_name = "考核结果发布"
        verbose_name_plural = "考核结果发布"
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="one_release_number")]

    def __str__(self) -> str:
        return f"{self.programme.name} 第{self.number}次发布"


# ------------------------------------------------------------------ the viewflow process

from viewflow.workflow.fields import TaskReferenceField  # noqa: E402
from viewflow.workflow.models import Process  # noqa: E402  (viewflow's tables, proxied)


class DeclarationProcess(Process):
    """The viewflow process of one declaration (`artifact` = the Declaration).

    Who must act next lives in the process's tasks (workflow.flows); the declaration's
    state lives on the Declaration and only moves through workflow.services.
    """

    class Meta:
        proxy = True
        verbose_name = "申报流程"
        verbose_name_plural = "申报流程"
        # No global "view" permission (it would show every unit's processes, STACK.md LEAK);
        # viewflow adds "manage" itself, nobody is granted it (no undo/cancel/revive).
        default_permissions = ("manage",)

    @property
    def declaration(self) -> Declaration:
        return self.artifact


class TaskRow(models.Model):
    """One task of a declaration's process as the inbox lists it: viewflow's task joined to its
    declaration and unit by a database view (migration 0006), read-only.

    The inbox's scoping rule (`workflow.inbox`) then reads plain columns of one relation where
    it tested the declaration with a correlated subquery per task, and a row's unit, theme and
    state come from the same join: less SQL to build, compile and plan, with the same rows.
    Everything that changes a task still goes through viewflow's `Task` and the services.
    """

    id = models.BigIntegerField("任务编号", primary_key=True)
    flow_task = TaskReferenceField("任务")
    status = models.CharField("状态", max_length=50)
    created = models.DateTimeField("创建时间")
    finished = models.DateTimeField("完成时间", null=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, related_name="+",
                              db_constraint=False, verbose_name="办理人")
    owner_permission = models.CharField(max_length=255, null=True)  # noqa: DJ001 (viewflow's nullable column)
    owner_permission_obj_pk = models.CharField(max_length=255, null=True)  # noqa: DJ001  # the unit of a unit task (flows)
    declaration = models.ForeignKey(Declaration, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                    verbose_name="申报")
    unit_id = models.BigIntegerField("单位编号")
    first_submitted_at = models.DateTimeField(null=True)
    unit_name = models.CharField("单位", max_length=100)
    theme = models.CharField("活动主题", max_length=200)
    declaration_state = models.CharField("申报状态", max_length=16)
    due_on = models.DateField("办理期限", null=True)  # TaskDeadline's; None until the task is announced

    class Meta:
        managed = False
        db_table = "workflow_taskrow"
        verbose_name = verbose_name_plural = "待办任务行"
        default_permissions = ()

    def __str__(self) -> str:
        return f"任务#{self.pk}"


class TaskDeadline(models.Model):
    """When one human task of a declaration's process is due (亮灯), written when its people are
    told it opened (`workflow.notify.tasks_opened`): a task with a row has been announced, so
    announcing is done once per task however often it is asked for."""

    task = models.OneToOneField("viewflow.Task", on_delete=models.CASCADE, primary_key=True, related_name="deadline",
                                verbose_name="任务")
    due_on = models.DateField("办理期限")
    announced_at = models.DateTimeField("通知时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "任务办理期限"

    def __str__(self) -> str:
        return f"任务#{self.task_id}：{self.due_on:%Y-%m-%d}"


class Substitution(models.Model):
    """代理: while `person` is away (`starts`–`ends`, dates in Asia/Shanghai, both included), `substitute`,
    who holds the same roles, also sees and acts on the tasks assigned to `person`; what they do is
    recorded as done on `person`'s behalf (`workflow.handover`). Ended early: `ended_at`."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="substitutions",
                               verbose_name="被代理人")
    substitute = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="substituting",
                                   verbose_name="代理人")
    starts = models.DateField("开始日期")
    ends = models.DateField("结束日期（含当日）")
    created_at = models.DateTimeField("设置时间", default=timezone.now)
    ended_at = models.DateTimeField("提前结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "代理设置"
        ordering = ["-starts", "-pk"]
        indexes = [models.Index(fields=["substitute", "starts", "ends"], name="substitution_by_substitute")]
        constraints = [models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="substitution_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.substitute}代{self.person}（{self.starts:%Y-%m-%d}至{self.ends:%Y-%m-%d}）"

    def active_on(self, day: dt.date) -> bool:
        return self.ended_at is None and self.starts <= day <= self.ends


class CopyIn(models.Model):
    """抄送: someone who may already see the declaration is copied in by the unit's leader or the
    office; it shows in their 抄送我的 tab."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="copies", verbose_name="申报")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="copied_in",
                               verbose_name="抄送对象")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="抄送人")
    at = models.DateTimeField("抄送时间", default=timezone.now)
    note = models.CharField("附言", max_length=500, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抄送"
        constraints = [models.UniqueConstraint(fields=["declaration", "person"], name="one_copy_per_person")]
        indexes = [models.Index(fields=["person", "-at"], name="copyin_by_person")]

    def __str__(self) -> str:
        return f"抄送{self.person}：申报#{self.declaration_id}"
class Comment(models.Model):
    """审批意见与讨论: one remark on a declaration (`workflow.discussion`). Seen by whoever may see
    the declaration; an office-only note (内部备注) by the office alone, never by the unit."""

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="comments", verbose_name="申报")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发表人")
    body = models.TextField("内容")
    office_only = models.BooleanField("内部备注（仅区政务公开办可见）", default=False)
    created_at = models.DateTimeField("发表时间", default=timezone.now)
    edited_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "讨论意见"
        verbose_name_plural = "讨论意见"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["declaration", "created_at"], name="comment_thread")]

    def __str__(self) -> str:
        return self.body[:30]
