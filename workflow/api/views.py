"""The JSON API of DESIGN §8. Each view parses input, calls one selector or service, answers.

Order of refusals is the one of `workflow.permissions`: what the caller may not see is
404 (exactly like a missing id), what they see but may not do is 403, a transition the
state does not allow (or that someone else just made) is 409, and input the programme's
rules refuse is 400 with the service's per-field Chinese messages
(`workflow.api.exceptions`).
"""
from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from units.models import Unit
from workflow import exports, handover, inbox, selectors, services
from workflow.actions import TRANSITIONS, Action
from workflow.api import schema  # noqa: F401  (registers the document's extensions)
from workflow.api import serializers as s
from workflow.errors import NotFound, PermissionRefused
from workflow.evidence import Upload
from workflow.filters import DeclarationFilter
from workflow.models import Substitution
from workflow.permissions import authorize, is_assessor
from workflow.releases import UNIT_NOT_FOUND, assessment_for

# ------------------------------------------------------------------ documented errors

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="输入有误或被规则拒绝：`{字段: [中文说明]}`，非字段错误在 `__all__`"),
    401: OpenApiResponse(s.ErrorSerializer, description="未提供或无效的认证信息"),
    403: OpenApiResponse(s.ErrorSerializer, description="可以查看但无权执行此操作"),
    404: OpenApiResponse(s.ErrorSerializer, description="不存在，或无权查看（两者答复相同）"),
    409: OpenApiResponse(s.ErrorSerializer, description="当前状态不允许此操作，或已被他人抢先处理"),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


@csrf_exempt  # a POST to an unknown path is a JSON 404, not the HTML CSRF page
def api_not_found(request, *args, **kwargs):
    """Any /api/ path that matches no endpoint: JSON 404, never the HTML page."""
    return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _payload(request, pk: int, action: Action, serializer_class) -> dict:
    """The typed input of an action on declaration `pk`. The service checks who may see (404) and
    do (403) it; only when the input is malformed is that checked here first, so that a caller
    who may not see the declaration learns nothing from a 400."""
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        authorize(request.user, action, selectors.declaration_get(request.user, pk))
        raise serializers.ValidationError(serializer.errors)
    return serializer.validated_data



# ------------------------------------------------------------------ declarations


class DeclarationListView(GenericAPIView):
    """申报列表（只列出调用者可以查看的申报）与新建申报（草稿）。

    筛选与排序与页面上的申报列表相同（`workflow.filters`）：单位、状态、月份、活动形式、重点主题、
    关键词（`q`），`sort` 按列排序；筛选只在调用者可以查看的申报中进行。
    """

    serializer_class = s.DeclarationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DeclarationFilter

    def get_queryset(self):
        # The programme of a page's rows in one statement of its own, each read once, rather than
        # joined to every row: its wide row (the policy JSON) was sorted along and decoded per row.
        rows = selectors.declarations_visible_to(self.request.user).select_related(None).select_related("unit")
        return rows.prefetch_related("programme").order_by("programme_id", "unit__code", "pk")

    # The text filters as the server enforces them (no control characters: 400 before any filter runs).
    @extend_schema(parameters=[
        OpenApiParameter(name, {"type": "string", "pattern": s.PRINTABLE, "maxLength": DeclarationFilter.base_filters[name].extra["max_length"]},
                         description=str(DeclarationFilter.base_filters[name].extra.get("help_text", "")))
        for name in ("programme", "unit", "form", "focus_topic", "q")
    ], responses={200: s.DeclarationSerializer(many=True), **errors(400, 401, 404)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.DeclarationCreateSerializer, responses={201: s.DeclarationSerializer, **errors(400, 401, 403)})
    def post(self, request):
        data = dict(_validated(s.DeclarationCreateSerializer, request.data))
        programme, unit = data.pop("programme"), data.pop("unit")
        declaration = services.declaration_create(programme=programme, unit=unit, by=request.user, data=data)
        return Response(s.DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


class DeclarationDetailView(APIView):
    """一份申报；草稿状态下可修改申报表内容（只限申报表字段）。"""

    @extend_schema(responses={200: s.DeclarationSerializer, **errors(401, 404)})
    def get(self, request, pk: int):
        return Response(s.DeclarationSerializer(selectors.declaration_get(request.user, pk)).data)

    @extend_schema(request=s.DeclarationContentSerializer, responses={200: s.DeclarationSerializer, **errors(400, 401, 403, 404, 409)})
    def patch(self, request, pk: int):
        data = _payload(request, pk, Action.EDIT, s.DeclarationContentSerializer)
        declaration = services.declaration_update(declaration=pk, by=request.user, data=data)
        return Response(s.DeclarationSerializer(declaration).data)


class DeclarationHistoryView(APIView):
    """一份申报的审计事件（按链内序号），与页面上的历史记录相同。"""

    @extend_schema(responses={200: s.AuditEventSerializer(many=True), **errors(401, 404)})
    def get(self, request, pk: int):
        events = selectors.declaration_history(request.user, pk)
        return Response(s.AuditEventSerializer(events, many=True).data)


class DeclarationEvidenceView(GenericAPIView):
    """一份申报的举办证据（照片、PDF）：查看列表；本单位在已排期或已举办（提交总结前）时上传（multipart/form-data）。

    文件本身只在页面上经权限检查后提供（`/declarations/{id}/evidence/{evidence_id}/`），从不作为静态文件公开。
    """

    serializer_class = s.EvidenceSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None

    @extend_schema(responses={200: s.EvidenceSerializer(many=True), **errors(401, 404)})
    def get(self, request, pk: int):
        declaration = selectors.declaration_get(request.user, pk)
        return Response(s.EvidenceSerializer(selectors.evidence_of(declaration), many=True).data)

    @extend_schema(request=s.EvidenceUploadSerializer, responses={201: s.EvidenceSerializer, **errors(400, 401, 403, 404, 409)})
    def post(self, request, pk: int):
        data = _payload(request, pk, Action.UPLOAD_EVIDENCE, s.EvidenceUploadSerializer)
        [evidence] = services.evidence_upload(
            declaration=pk, by=request.user,
            uploads=[Upload(file=data["file"], kind=data["kind"], channel=data.get("channel", ""))],
        )
        return Response(s.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------ transitions (DESIGN §4)


def _summary(data: dict) -> dict:
    return {"summary": {name: data.get(name, "") for name in services.SUMMARY_FIELDS}, "nominate": data.get("nominate", False)}


# What each transition of `workflow.actions` takes: its input's types (the service checks the
# rules), and how that input becomes the service's keyword arguments.
PAYLOADS: dict[Action, tuple[type[serializers.Serializer], Callable[[dict], dict]]] = {
    Action.SUBMIT: (s.EmptySerializer, dict),
    Action.WITHDRAW: (s.ReasonSerializer, dict),
    Action.RETURN: (s.ReturnSerializer, dict),
    Action.APPROVE: (s.EmptySerializer, dict),
    Action.SCHEDULE: (s.ScheduleSerializer, dict),
    Action.RESCHEDULE: (s.RescheduleSerializer, dict),
    Action.HOLD: (s.HoldSerializer, lambda v: {"evidence": dict(v)}),
    Action.SUMMARIZE: (s.SummarizeSerializer, _summary),
    Action.EVALUATE: (s.EvaluateSerializer, lambda v: {"scores": dict(v.get("scores", {})), "comment": v.get("comment", "")}),
    Action.CANCEL: (s.CancelSerializer, dict),
}


class TransitionView(APIView):
    """POST /api/declarations/{id}/{transition}/: the transition's service, which answers every refusal."""

    action: Action

    def post(self, request, pk: int):
        payload, arguments = PAYLOADS[self.action]
        data = _payload(request, pk, self.action, payload)
        declaration = services.SERVICE_OF[self.action](declaration=pk, by=request.user, **arguments(data))
        return Response(s.DeclarationSerializer(declaration).data)


def transition_view(action: Action):
    spec = TRANSITIONS[action]
    summary = f"{spec.label}（{spec.change}）"

    def post(self, request, pk: int):
        return TransitionView.post(self, request, pk)

    documented = extend_schema(
        operation_id=f"declarations_{action.value}", summary=summary, request=PAYLOADS[action][0],
        responses={200: s.DeclarationSerializer, **errors(400, 401, 403, 404, 409)},
    )(post)
    view = type(f"{action.value.title()}TransitionView", (TransitionView,), {
        "action": action, "__doc__": summary, "post": documented,
    })
    return view.as_view()


# ------------------------------------------------------------------ inbox and audit


class TaskListView(GenericAPIView):
    """我的任务：`box=inbox` 待办（默认）、`queue` 待领取、`done` 已办。"""

    serializer_class = s.TaskSerializer

    @extend_schema(parameters=[s.TaskFilterSerializer], responses={200: s.TaskSerializer(many=True), **errors(400, 401, 404)})
    def get(self, request):
        box = _validated(s.TaskFilterSerializer, request.query_params).get("box", "inbox")
        # the pages' inbox (issue 4): the API lists the same tasks
        qs = {"inbox": inbox.tasks_for, "queue": inbox.queue_for, "done": inbox.done_by}[box](request.user)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TaskReleaseView(APIView):
    """退回队列：把自己已领取、尚未办理的任务退回待领取队列，由有权办理的其他人员领取（记入审计日志）。"""

    @extend_schema(request=s.EmptySerializer, responses={200: s.TaskSerializer, **errors(400, 401, 403, 404, 409)})
    def post(self, request, pk: int):
        _validated(s.EmptySerializer, request.data)
        released = services.task_release(task=pk, by=request.user)
        return Response(s.TaskSerializer(inbox.task_row(released)).data)


class TaskTransferSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=150, help_text="接收人的用户名（或编号）：同一单位同一角色，或区政务公开办同一岗位")
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, help_text="转办理由（必填）")


class TaskTransferView(APIView):
    """转办：正在办理任务的人（或区政务公开办审核人员，对任何未办结的任务）把任务交给有同样职责的同事，须填写理由
    （记入审计日志，对方收到消息）。"""

    @extend_schema(request=TaskTransferSerializer, responses={200: s.TaskSerializer, **errors(400, 401, 403, 404, 409)})
    def post(self, request, pk: int):
        data = TaskTransferSerializer(data=request.data)
        if not data.is_valid():
            handover.transferable(request.user, pk)  # who may not see or hold it learns that first
            raise serializers.ValidationError(data.errors)
        moved = handover.task_transfer(task=pk, to=data.validated_data["to"], by=request.user,
                                       reason=data.validated_data.get("reason", ""))
        return Response(s.TaskSerializer(inbox.task_row(moved)).data)


class CopyInSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=150, help_text="抄送对象的用户名（或编号）：须本来就能查看这份申报")
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, help_text="附言")


class CopyInResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    declaration = serializers.IntegerField(source="declaration_id")
    person = serializers.CharField(source="person.username")
    by = serializers.CharField(source="by.username")
    at = serializers.DateTimeField()
    note = serializers.CharField()


class DeclarationCopyInView(APIView):
    """抄送：单位负责人或区政务公开办审核人员把申报抄送给本来就能查看它的人（本单位同事或区政务公开办人员）。"""

    @extend_schema(request=CopyInSerializer, responses={201: CopyInResultSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, pk: int):
        data = CopyInSerializer(data=request.data)
        if not data.is_valid():
            declaration = selectors.declaration_get(request.user, pk)
            if not handover.may_copy_in(request.user, declaration):
                raise PermissionRefused("只有本单位负责人或区政务公开办审核人员可以抄送。")
            raise serializers.ValidationError(data.errors)
        made = handover.copy_in(declaration=pk, to=data.validated_data["to"], by=request.user,
                                note=data.validated_data.get("note", ""))
        return Response(CopyInResultSerializer(made).data, status=status.HTTP_201_CREATED)


class SubstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    person = serializers.CharField(source="person.username", read_only=True)
    substitute = serializers.CharField(max_length=150, help_text="代理人的用户名（或编号）：须与您担任相同的角色")
    starts = serializers.DateField(help_text="开始日期")
    ends = serializers.DateField(help_text="结束日期（含当日）")
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="提前结束的时间")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["substitute"] = instance.substitute.username
        return data


class SubstitutionListView(APIView):
    """代理：我设置的代理人（GET），新增一个（POST）。期间我的待办也出现在代理人的待办中，代理人办理的事项记为代我办理。"""

    @extend_schema(responses={200: SubstitutionSerializer(many=True), **errors(401)})
    def get(self, request):
        rows = Substitution.objects.filter(person=request.user).select_related("person", "substitute")[:100]
        return Response(SubstitutionSerializer(rows, many=True).data)

    @extend_schema(request=SubstitutionSerializer, responses={201: SubstitutionSerializer, **errors(400, 401)})
    def post(self, request):
        data = _validated(SubstitutionSerializer, request.data)
        made = handover.substitute_name(person=request.user, substitute=data["substitute"], starts=data["starts"], ends=data["ends"])
        return Response(SubstitutionSerializer(made).data, status=status.HTTP_201_CREATED)


class SubstitutionEndView(APIView):
    """提前结束一项代理（只限本人设置的）。"""

    @extend_schema(request=s.EmptySerializer, responses={200: SubstitutionSerializer, **errors(401, 404, 409)})
    def post(self, request, pk: int):
        return Response(SubstitutionSerializer(handover.substitute_end(substitution=pk, by=request.user)).data)


class AuditListView(GenericAPIView):
    """完整审计日志（仅考核评估人员），最后记录的在前。"""

    serializer_class = s.AuditEventSerializer

    @extend_schema(parameters=[s.AuditFilterSerializer], responses={200: s.AuditEventSerializer(many=True), **errors(400, 401, 403, 404)})
    def get(self, request):
        if not is_assessor(request.user):
            raise PermissionRefused("只有考核评估人员可以查看审计日志。")
        filters = _validated(s.AuditFilterSerializer, request.query_params)
        page = self.paginate_queryset(selectors.audit_search(request.user, **filters))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# ------------------------------------------------------------------ schedule


class XlsxRenderer(JSONRenderer):
    """Lets a client ask for the spreadsheet by `Accept`; error bodies stay JSON."""

    media_type = exports.XLSX
    format = "xlsx"


_CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="实施方案代码，如 kaifu-2023", pattern=s.PRINTABLE)


class ScheduleView(APIView):
    """最新发布的活动计划安排表（区政务公开办各角色及各单位可查看）。"""

    @extend_schema(parameters=[_CODE], responses={200: s.ScheduleVersionSerializer, **errors(401, 404)})
    def get(self, request, code: str):
        version = exports.published_version(request.user, code)
        return Response(s.ScheduleVersionSerializer(version).data)


class ScheduleXlsxView(APIView):
    """活动计划安排表（Excel，官方列）。每次导出记入审计日志。"""

    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(
        parameters=[_CODE],
        responses={(200, exports.XLSX): OpenApiTypes.BINARY, **errors(401, 404)},
    )
    def get(self, request, code: str):
        version = exports.published_version(request.user, code)
        with transaction.atomic():
            content = exports.export_xlsx(version, by=request.user)
        response = HttpResponse(content, content_type=exports.XLSX)
        response["Content-Disposition"] = f'attachment; filename="{exports.schedule_filename(version)}"'
        return response


class AssessmentView(APIView):
    """绩效考核得分（由审计日志计算）：区政务公开办与考核人员看全部单位的实时得分（live=true，release 为最近一次发布）；
    各单位只看本单位在最近一次发布中的得分（live=false，release 为该次发布），发布前为 404。

    `?unit=<单位代码>` 只看一个单位。每项得分附有其依据的审计事件编号（event_ids）。
    """

    @extend_schema(
        parameters=[_CODE, s.AssessmentFilterSerializer],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 401, 404)},
    )
    def get(self, request, code: str):
        filters = _validated(s.AssessmentFilterSerializer, request.query_params)
        programme = selectors.programme_accepting(code)
        if programme is None:
            raise NotFound("未找到该实施方案的考核结果，或您无权查看。")
        unit = None
        if "unit" in filters:
            # An unknown code answers exactly like another unit's: nobody learns which codes exist.
            unit = Unit.objects.filter(code=filters["unit"]).values_list("pk", flat=True).first()
            if unit is None:
                raise NotFound(UNIT_NOT_FOUND)
        return Response(assessment_for(request.user, programme, unit))

