"""Input parsing and output shapes of the JSON API. No rules here: the services check them.

Input serializers only make sure values have the right JSON type and are safe to hand to
a service (no unknown keys, no NUL or lone-surrogate characters anywhere, sizes the
database column can hold). Every rule of the programme — month window, banner, forms,
required fields, reasons, scores — is checked by the service, so the API answers with
the same Chinese messages as the pages.
"""
from __future__ import annotations

from collections.abc import Mapping

from django.core.validators import RegexValidator
from rest_framework import serializers

from policies.models import Programme
from units.models import Unit
from workflow.models import CONTENT_FIELDS, AuditEvent, Declaration, Evidence, EvidenceKind, ScheduleVersion, State

# ------------------------------------------------------------------ input


def _bad_text(value) -> bool:
    return isinstance(value, str) and ("\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value))


def _unsafe(value) -> bool:
    """NUL or a lone surrogate anywhere (keys included): PostgreSQL refuses both in text and JSON."""
    if isinstance(value, Mapping):
        return any(_bad_text(k) or _unsafe(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unsafe(v) for v in value)
    return _bad_text(value)


class StrictSerializer(serializers.Serializer):
    """请求内容：文档未列出的字段一律拒绝（400），空字符（NUL）和无效的Unicode字符也是。"""

    # Unknown keys are refused (400) instead of silently dropped. The docstring is the OpenAPI
    # description of every request body, hence in Chinese.
    unknown_field_message = "不支持该字段。"

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [self.unknown_field_message] for name in unknown})
            unsafe = sorted(name for name, value in data.items() if _unsafe(value))
            if unsafe:
                raise serializers.ValidationError({name: ["不能包含空字符（\\u0000）或无效的Unicode字符。"] for name in unsafe})
        return super().to_internal_value(data)


class TextField(serializers.CharField):
    """Text, and only text: a number or a boolean where text is expected (`{"reason": 0}`) is a
    400, not the text "0" (DRF's CharField would turn it into one)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(**kwargs):
    return TextField(required=False, allow_blank=True, trim_whitespace=False, **kwargs)


# A code or name in a query string or path is printable text: no control character (C0, DEL, C1),
# as `workflow.middleware.ControlCharacterMiddleware` enforces before any view runs.
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*$"


def _query_text(**kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, min_length=1, validators=[RegexValidator(PRINTABLE, "不能包含控制字符。")], **kwargs)


class QuerySerializer(serializers.Serializer):
    """Query parameters: a parameter given empty (`?unit=`) is refused, as the document says
    (DRF would silently treat it as absent)."""

    def to_internal_value(self, data):
        blank = sorted(name for name in self.fields if name in data and data.get(name) == "")
        if blank:
            raise serializers.ValidationError({name: ["该参数不能为空。"] for name in blank})
        return super().to_internal_value(data)


class DeclarationContentSerializer(StrictSerializer):
    """The 申报表 fields. Lengths, month window, form, topic, banner, phone: checked by the service."""

    unknown_field_message = "该项不能在申报表中修改。"  # the service's own message for the same mistake

    theme = _text(help_text="活动主题")
    month = serializers.IntegerField(required=False, allow_null=True, help_text="活动时间（月份）")
    form = _text(help_text="活动形式代码，如 forum")
    focus_topic = _text(help_text="重点主题代码")
    description = _text(help_text="活动简介")
    banner = _text(help_text="会标")
    contact_name = _text(help_text="联系人")
    contact_phone = _text(help_text="联系电话")


class DeclarationCreateSerializer(DeclarationContentSerializer):
    programme = serializers.SlugRelatedField(
        slug_field="code", queryset=Programme.objects.all(), help_text="实施方案代码，如 kaifu-2023",
        error_messages={"does_not_exist": "未找到代码为“{value}”的实施方案。", "invalid": "请填写实施方案代码。"},
    )
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), help_text="填报单位代码",
        error_messages={"does_not_exist": "未找到代码为“{value}”的单位。", "invalid": "请填写单位代码。"},
    )


class EmptySerializer(StrictSerializer):
    pass


class ReasonSerializer(StrictSerializer):
    reason = _text(help_text="理由（可选）")


def _required_reason(label: str) -> TextField:
    """The reason of an action that requires one, refused with the service's own message."""
    message = f"请填写{label}理由。"
    return TextField(required=True, allow_blank=False, trim_whitespace=False, help_text=f"{label}理由（必填）",
                     error_messages={"required": message, "blank": message})


class ReturnSerializer(StrictSerializer):
    reason = _required_reason("退回")


class CancelSerializer(StrictSerializer):
    reason = _required_reason("取消")


class ScheduleSerializer(StrictSerializer):
    month = serializers.IntegerField(required=False, allow_null=True, help_text="安排月份；不填则按申报月份")


class RescheduleSerializer(StrictSerializer):
    month = serializers.IntegerField(required=False, allow_null=True, help_text="新的安排月份")
    reason = _required_reason("调整排期")


class PublicitySerializer(StrictSerializer):
    channel = _text(max_length=32, help_text="宣传渠道代码，如 gov_website")
    url = _text(max_length=1000, help_text="报道链接（http:// 或 https://）")
    date = _text(max_length=32, help_text="发布日期，如 2023-05-19")


class HoldSerializer(StrictSerializer):
    held_on = _text(max_length=32, help_text="实际举办日期，如 2023-05-18")
    place = _text(max_length=200, help_text="举办地点")
    participants = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=1_000_000), required=False,
        help_text="参与人员按类别计数，如 {\"citizen\": 20}",
    )
    banner_used = _text(max_length=200, help_text="实际使用的会标")
    logo_shown = serializers.BooleanField(required=False, default=False, help_text="现场展示了LOGO")
    publicity = serializers.ListField(child=PublicitySerializer(), required=False, max_length=100, help_text="宣传报道")
    form_facts = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000), required=False,
        help_text="活动形式要素，如 {\"attendance\": \"25\"}",
    )


class EvidenceUploadSerializer(StrictSerializer):
    file = serializers.FileField(max_length=1000, help_text="图片（JPEG、PNG、GIF、WebP）或PDF；大小上限见服务器设置 EVIDENCE_MAX_UPLOAD_BYTES")
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, help_text="证据类别")
    channel = _text(max_length=32, help_text="宣传渠道代码（宣传报道截图必填），如 news_media")


class SummarizeSerializer(StrictSerializer):
    summary_practice = _text(max_length=10000, help_text="做法")
    summary_effect = _text(max_length=10000, help_text="成效")
    summary_experience = _text(max_length=10000, help_text="经验")
    nominate = serializers.BooleanField(required=False, default=False, help_text="推荐为典型经验")


class EvaluateSerializer(StrictSerializer):
    scores = serializers.DictField(child=serializers.FloatField(), required=False, help_text="人工评估指标得分")
    comment = _text(max_length=10000, help_text="评估意见")


class AuditFilterSerializer(QuerySerializer):
    unit = _query_text(max_length=64, help_text="单位代码")
    declaration = serializers.IntegerField(required=False, min_value=1, max_value=2**53, help_text="申报编号")
    actor = _query_text(max_length=150, help_text="操作人用户名")
    action = _query_text(max_length=32, help_text="操作，如 approve、export")
    date_from = serializers.DateField(required=False, help_text="起始日期（含），北京时间")
    date_to = serializers.DateField(required=False, help_text="截止日期（含），北京时间")

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["截止日期不能早于起始日期。"]})
        return attrs


class AssessmentFilterSerializer(QuerySerializer):
    unit = _query_text(max_length=64, help_text="单位代码（可选）：只看一个单位")


# ------------------------------------------------------------------ output


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="中文说明")


class DeclarationSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    held_outside_schedule = serializers.BooleanField(read_only=True, help_text="未在安排月份举办（已接受，已标注）")
    summary_late = serializers.BooleanField(read_only=True, help_text="总结逾期（或举办后逾期未总结）")

    class Meta:
        model = Declaration
        fields = [
            "id", "programme", "unit", "unit_name", "state", "state_label", *CONTENT_FIELDS,
            "created_at", "updated_at", "submitted_at", "first_submitted_at", "reviewed_at",
            "return_reason", "return_count", "scheduled_month",
            "held_on", "place", "participants", "banner_used", "logo_shown", "publicity", "form_facts",
            "summary_practice", "summary_effect", "summary_experience", "summarized_at", "nominated", "exemplary",
            "scores", "evaluation_comment", "evaluated_at", "cancel_reason", "held_outside_schedule", "summary_late",
        ]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "kind", "kind_label", "channel", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    declaration = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    programme = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id", "seq", "declaration", "unit", "programme", "actor", "action", "from_state", "to_state",
            "reason", "changed", "created_at", "request_id", "prev_hash", "hash",
        ]
        read_only_fields = fields


class ScheduleEntrySerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="序号")
    declaration = serializers.IntegerField()
    unit = serializers.CharField(help_text="单位代码")
    unit_name = serializers.CharField(help_text="单位")
    theme = serializers.CharField(help_text="活动主题")
    month = serializers.IntegerField(help_text="活动时间（月份）")
    form = serializers.CharField()
    form_label = serializers.CharField(help_text="活动形式")
    description = serializers.CharField(help_text="活动简介")
    contact_name = serializers.CharField(help_text="联系人")
    contact_phone = serializers.CharField(help_text="联系电话")
    state = serializers.ChoiceField(choices=State.choices, help_text="该版本发布时的状态")


class ScheduleVersionSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    title = serializers.CharField(read_only=True)
    rows = ScheduleEntrySerializer(many=True, read_only=True)

    class Meta:
        model = ScheduleVersion
        fields = ["programme", "number", "title", "published_by", "published_at", "reason", "rows"]
        read_only_fields = fields


class TaskFilterSerializer(QuerySerializer):
    box = serializers.ChoiceField(
        choices=[("inbox", "待办"), ("queue", "待领取"), ("done", "已办")], required=False, help_text="默认 inbox（待办）",
    )


class TaskSerializer(serializers.Serializer):
    """One row of the inbox (workflow.inbox annotates every value: no per-row query)."""

    id = serializers.IntegerField()
    task = serializers.SerializerMethodField(help_text="任务节点，如 review、hold")
    title = serializers.SerializerMethodField(help_text="任务名称")
    status = serializers.CharField()
    owner = serializers.CharField(source="owner.username", allow_null=True, help_text="办理人用户名")
    created = serializers.DateTimeField()
    declaration = serializers.IntegerField(source="declaration_id", help_text="申报编号")
    unit_name = serializers.CharField(allow_null=True)
    theme = serializers.CharField(allow_null=True)
    declaration_state = serializers.ChoiceField(choices=State.choices, allow_null=True)
    due_on = serializers.DateField(allow_null=True, help_text="办理期限（亮灯：逾期为红，3天内到期为黄）")

    def get_task(self, task) -> str:
        return task.flow_task.name

    def get_title(self, task) -> str:
        return str(task.flow_task.task_title)
