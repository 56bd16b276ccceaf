"""The programme editor's API, for system administrators (issue 22):
`GET/POST /api/programmes/`, `GET/PATCH /api/programmes/{code}/`, and the editor's
actions: copy to a new year, open, close, mark current, amendments.

The same services as the editor pages (`workflow.programme_services`), so the same
validation (`policies.programme_rules`) and the same Chinese messages, per field: a list
item's problem is keyed like `indicators.3.weight` (counted from 1). Serializers here
only check JSON types and sizes.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from policies import programme_data as data
from policies.indicators import AUTO, MANUAL
from policies.models import Programme
from policies.selectors import Amendment, current_programme, programme_amendments
from workflow import programme_services as services
from workflow.api.serializers import StrictSerializer
from workflow.api.views import errors
from workflow.errors import NotFound, PermissionRefused

_CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="实施方案代码，如 kaifu-2023")


def _text(max_length: int, **kwargs):
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **kwargs)


# ------------------------------------------------------------------ shapes

class ItemSerializer(StrictSerializer):
    code = _text(64, help_text="代码（留空则自动生成）")
    label = _text(200, help_text="名称")


class FactSerializer(ItemSerializer):
    type = serializers.ChoiceField(choices=list(data.FACT_TYPES.items()), required=False, help_text="text 文字 / count 人数或数量")


class FormSerializer(ItemSerializer):
    requires_any_participant = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50, help_text="须邀请其中至少一类的参与人员类别代码",
    )
    facts = serializers.ListField(child=FactSerializer(), required=False, max_length=50, help_text="举办时须登记的事项")


class IndicatorSerializer(ItemSerializer):
    code = _text(64, help_text="自动计算指标：计算规则代码（如 declared_on_time）；评估打分指标：自定代码")
    weight = serializers.FloatField(required=False, allow_null=True, help_text="权重（分），各项合计100")
    kind = _text(16, help_text=f"计分方式：{AUTO} 自动计算 / {MANUAL} 评估打分")
    max = serializers.FloatField(required=False, allow_null=True, help_text="评估打分指标的满分")
    clause = _text(50, help_text="条款出处，如 五(二)")


class ProgrammeValuesSerializer(StrictSerializer):
    """A programme's rules. In PATCH only the keys sent change (a list replaces the whole list)."""

    code = _text(64, help_text="方案代码，如 kaifu-2024")
    name = _text(300, help_text="方案名称")
    year = serializers.IntegerField(required=False, help_text="年度")
    issuer = _text(300, help_text="印发机关")
    document_number = _text(200, help_text="文号")
    issued_on = serializers.DateField(required=False, allow_null=True, help_text="印发日期")
    parent = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64, help_text="上级方案代码")
    accepts_declarations = serializers.BooleanField(required=False, help_text="本级单位申报")
    declaration_due_date = serializers.DateField(required=False, allow_null=True, help_text="申报截止日期（含当日）")
    window_first_month = serializers.IntegerField(required=False, allow_null=True, help_text="活动起始月份")
    window_last_month = serializers.IntegerField(required=False, allow_null=True, help_text="活动结束月份")
    themes_per_unit = serializers.IntegerField(required=False, help_text="每单位活动主题数")
    summary_due_days = serializers.IntegerField(required=False, help_text="活动后总结期限（天）")
    forms = serializers.ListField(child=FormSerializer(), required=False, max_length=50, help_text="活动形式")
    focus_topics = serializers.ListField(child=ItemSerializer(), required=False, max_length=100, help_text="重点主题")
    banner_templates = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=300), required=False, max_length=20,
        help_text="会标模板，占位符 {unit} {year} {other}；第1个为规范会标",
    )
    forbidden_banner_names = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=100), required=False, max_length=100, help_text="会标禁用名称",
    )
    participant_categories = serializers.ListField(child=ItemSerializer(), required=False, max_length=100, help_text="参与人员类别")
    publicity_channels = serializers.ListField(child=ItemSerializer(), required=False, max_length=100, help_text="宣传渠道")
    indicators = serializers.ListField(child=IndicatorSerializer(), required=False, max_length=50, help_text="考核指标")
    clauses = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=50), required=False, help_text="条款出处")
    contact_name = _text(100, help_text="联系人")
    contact_phone = _text(100, help_text="联系电话")
    contact_email = _text(300, help_text="邮箱")


class ProgrammeSerializer(ProgrammeValuesSerializer):
    is_open = serializers.BooleanField(read_only=True, help_text="开放申报")
    is_current = serializers.BooleanField(read_only=True, help_text="当前年度（导航默认打开的方案）")
    rules_frozen = serializers.BooleanField(read_only=True, help_text="已有单位报送：年度与活动时间、活动形式、会标规则、考核指标只能通过规则修订调整")
    results_released_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="考核结果发布时间")


class CopySerializer(StrictSerializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="新方案代码（默认把代码中的年份加一）")
    year = serializers.IntegerField(required=False, allow_null=True, help_text="新年度（默认下一年）")


class AmendRequestSerializer(StrictSerializer):
    rule = serializers.ChoiceField(choices=[(g.key, g.label) for g in data.LOCKED_RULES.values()], help_text="修订的规则")
    values = ProgrammeValuesSerializer(help_text="修订后的规则（只含该规则的项目）")
    reason = serializers.CharField(allow_blank=True, max_length=4000, help_text="修订理由（公布）")
    effective_on = serializers.DateField(allow_null=True, help_text="生效日期（不晚于今天）")


class AmendmentChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(help_text="原规定（中文表述）")
    new = serializers.CharField(help_text="修订为（中文表述）")


class AmendmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    programme = serializers.CharField(source="programme_code")
    rule = serializers.CharField()
    rule_label = serializers.CharField()
    changes = AmendmentChangeSerializer(many=True)
    reason = serializers.CharField()
    effective_on = serializers.DateField()
    made_at = serializers.DateTimeField()
    made_by = serializers.CharField()


def _shown(programme: Programme) -> dict:
    current = current_programme()
    return {
        **data.values_of(programme), "is_open": programme.is_open, "is_current": current is not None and current.pk == programme.pk,
        "rules_frozen": services.has_submissions(programme), "results_released_at": programme.results_released_at,
    }


def _validated(serializer_class, payload) -> dict:
    serializer = serializer_class(data=payload)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _values(validated):
    """Serializer output → the plain values the services take (nested OrderedDicts as dicts)."""
    if isinstance(validated, dict):
        return {key: _values(value) for key, value in validated.items()}
    if isinstance(validated, list):
        return [_values(value) for value in validated]
    return validated


def _admin(request, *, add: bool = False) -> None:
    allowed = services.may_add_programmes(request.user) if add else services.may_edit_programmes(request.user)
    if not allowed:
        raise PermissionRefused("只有系统管理员可以设置实施方案。")


def _programme(code: str) -> Programme:
    programme = Programme.objects.select_related("parent").filter(code=code).first()
    if programme is None:
        raise NotFound("未找到该实施方案。")
    return programme


# ------------------------------------------------------------------ endpoints

class ProgrammeListView(GenericAPIView):
    """实施方案列表与新建（系统管理员）。新建的方案不开放申报，须另行开放。"""

    serializer_class = ProgrammeSerializer

    @extend_schema(responses={200: ProgrammeSerializer(many=True), **errors(401, 403, 404)})  # 404: a page past the end
    def get(self, request):
        _admin(request)
        page = self.paginate_queryset(Programme.objects.select_related("parent").order_by("-year", "code"))
        return self.get_paginated_response(ProgrammeSerializer([_shown(p) for p in page], many=True).data)

    @extend_schema(request=ProgrammeValuesSerializer, responses={201: ProgrammeSerializer, **errors(400, 401, 403)})
    def post(self, request):
        _admin(request, add=True)
        values = _values(_validated(ProgrammeValuesSerializer, request.data))
        programme = services.programme_create(values=values, by=request.user)
        return Response(ProgrammeSerializer(_shown(programme)).data, status=status.HTTP_201_CREATED)


class ProgrammeDetailView(APIView):
    """一个实施方案的全部规则；PATCH 修改（已有单位报送后，冻结的规则只能通过规则修订调整，否则 400）。"""

    @extend_schema(parameters=[_CODE], responses={200: ProgrammeSerializer, **errors(401, 403, 404)})
    def get(self, request, code: str):
        _admin(request)
        return Response(ProgrammeSerializer(_shown(_programme(code))).data)

    @extend_schema(parameters=[_CODE], request=ProgrammeValuesSerializer, responses={200: ProgrammeSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, code: str):
        _admin(request)
        programme = _programme(code)
        values = _values(_validated(ProgrammeValuesSerializer, request.data))
        programme = services.programme_update(programme=programme, by=request.user, values=values)
        return Response(ProgrammeSerializer(_shown(programme)).data)


class ProgrammeCopyView(APIView):
    """复制为新一年度：全部规则复制，日期顺延，上级方案不变，不开放申报。"""

    @extend_schema(parameters=[_CODE], request=CopySerializer, responses={201: ProgrammeSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, code: str):
        _admin(request, add=True)
        programme = _programme(code)
        wanted = _validated(CopySerializer, request.data)
        copied = services.programme_copy(programme=programme, by=request.user, code=wanted.get("code") or None, year=wanted.get("year"))
        return Response(ProgrammeSerializer(_shown(copied)).data, status=status.HTTP_201_CREATED)


PROGRAMME_ACTIONS = {
    "open": (services.programme_open, "开放申报（各项规则须完整有效）"),
    "close": (services.programme_close, "停止受理申报"),
    "mark-current": (services.programme_mark_current, "设为当前年度"),
}


def programme_action_view(name: str):
    service, summary = PROGRAMME_ACTIONS[name]

    class ActionView(APIView):
        @extend_schema(operation_id=f"programmes_{name.replace('-', '_')}", summary=summary, parameters=[_CODE],
                       request=None, responses={200: ProgrammeSerializer, **errors(400, 401, 403, 404, 409)})
        def post(self, request, code: str):
            _admin(request)
            programme = service(programme=_programme(code), by=request.user)
            return Response(ProgrammeSerializer(_shown(programme)).data)

    ActionView.__name__ = ActionView.__qualname__ = f"Programme{name.title().replace('-', '')}View"
    ActionView.__doc__ = summary
    return ActionView.as_view()


class ProgrammeAmendmentsView(APIView):
    """规则修订：列表；POST 记录一项修订（理由、生效日期，记入审计日志并在方案页公布）。"""

    @extend_schema(parameters=[_CODE], responses={200: AmendmentSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, code: str):
        _admin(request)
        return Response(AmendmentSerializer(programme_amendments(_programme(code)), many=True).data)

    @extend_schema(parameters=[_CODE], request=AmendRequestSerializer, responses={201: AmendmentSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, code: str):
        _admin(request)
        programme = _programme(code)
        wanted = _validated(AmendRequestSerializer, request.data)
        amendment = services.programme_amend(
            programme=programme, by=request.user, rule=wanted["rule"], values=_values(wanted["values"]),
            reason=wanted["reason"], effective_on=wanted["effective_on"],
        )
        shown: Amendment = next(a for a in programme_amendments(programme) if a.pk == amendment.pk)
        return Response(AmendmentSerializer(shown).data, status=status.HTTP_201_CREATED)
