"""The API of 审批意见与讨论 and of the bulk actions (issue 21): the same services as the pages
(`workflow.discussion`, `workflow.bulk`).

What the caller may not see is 404, like a missing id — checked before the body is read, so a
caller learns nothing from a 400 about a declaration they may not see.
"""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from workflow import bulk, discussion
from workflow.actions import Action
from workflow.api.serializers import StrictSerializer, TextField
from workflow.api.views import errors
from workflow.errors import NotFound
from workflow.models import Comment
from workflow.permissions import authorize
from workflow.selectors import declaration_get

BODY_REQUIRED = "请填写意见内容。"


def _body(**kwargs) -> TextField:
    return TextField(trim_whitespace=False, help_text=f"意见内容（必填，不超过{discussion.MAX_LENGTH}字；可用 @登录名 或 @姓名 提醒他人）",
                     error_messages={"required": BODY_REQUIRED, "blank": BODY_REQUIRED}, **kwargs)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", help_text="发表人登录名")
    author_name = serializers.SerializerMethodField(help_text="发表人姓名")
    editable_until = serializers.SerializerMethodField(help_text="可修改的截止时间（发表后5分钟）")

    class Meta:
        model = Comment
        fields = ["id", "declaration", "author", "author_name", "body", "office_only", "created_at", "edited_at", "editable_until"]

    def get_author_name(self, comment) -> str:
        return discussion.author_name(comment.author)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_editable_until(self, comment) -> str:
        return serializers.DateTimeField().to_representation(comment.created_at + discussion.EDIT_WINDOW)


class PostedSerializer(CommentSerializer):
    not_notified = serializers.SerializerMethodField(help_text="@ 了但未通知的名字（查无此人，或其无权查看这条意见）")
    notice = serializers.SerializerMethodField(help_text="给发表人的说明（全部已通知时为空）")

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "not_notified", "notice"]

    def get_not_notified(self, comment) -> list[str]:
        return self.context["posted"].not_notified

    def get_notice(self, comment) -> str:
        return self.context["posted"].notice


class CommentCreateSerializer(StrictSerializer):
    body = _body()
    office_only = serializers.BooleanField(required=False, default=False, help_text="内部备注：仅区政务公开办可见（只有区政务公开办人员可以发表）")


class CommentEditSerializer(StrictSerializer):
    body = _body()


def _posted(posted: discussion.Posted, code: int = status.HTTP_200_OK) -> Response:
    return Response(PostedSerializer(posted.comment, context={"posted": posted}).data, status=code)


class CommentListView(APIView):
    """审批意见与讨论：一份申报的意见（按时间先后），与申报页面上相同；单位人员看不到内部备注。发表意见。"""

    @extend_schema(responses={200: CommentSerializer(many=True), **errors(401, 404)})
    def get(self, request, pk: int):
        return Response(CommentSerializer(discussion.comments_of(request.user, pk), many=True).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: PostedSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, pk: int):
        declaration = declaration_get(request.user, pk)
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        posted = discussion.comment_post(declaration=declaration, by=request.user, **serializer.validated_data)
        return _posted(posted, status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    """修改自己发表的意见（发表后5分钟内）；修改记入审计日志，新 @ 到的人员收到消息。"""

    @extend_schema(request=CommentEditSerializer, responses={200: PostedSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, pk: int, comment_pk: int):
        declaration = declaration_get(request.user, pk)
        comment = discussion.comments_visible_to(request.user, declaration).filter(pk=comment_pk).first()
        if comment is None:
            raise NotFound(discussion.NOT_FOUND)
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _posted(discussion.comment_edit(comment=comment, by=request.user, body=serializer.validated_data["body"]))


# ------------------------------------------------------------------ in bulk

IDS_MESSAGES = {
    "not_a_list": "请以列表形式提供要处理的申报编号（ids）。", "empty": "请至少选择一项申报。",
    "max_length": f"一次最多处理{bulk.LIMIT}项申报，请分批操作。", "required": "请提供要处理的申报编号（ids）。",
}


def _ids():
    return serializers.ListField(
        child=serializers.IntegerField(error_messages={"invalid": "申报编号须为整数。"}), allow_empty=False,
        max_length=bulk.LIMIT, error_messages=IDS_MESSAGES, help_text=f"申报编号，最多{bulk.LIMIT}个",
    )


class BulkApproveSerializer(StrictSerializer):
    ids = _ids()


class BulkReturnSerializer(StrictSerializer):
    ids = _ids()
    reason = TextField(required=True, allow_blank=False, trim_whitespace=False, help_text="退回理由（必填，所选各项使用同一理由）",
                       error_messages={"required": "请填写退回理由。", "blank": "请填写退回理由。"})


class OutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="申报编号")
    ok = serializers.BooleanField(help_text="是否办理成功")
    result = serializers.CharField(source="message", help_text="“成功”，或未办理的原因（看不到的申报与不存在的申报答复相同）")


class BulkResultSerializer(serializers.Serializer):
    results = OutcomeSerializer(many=True)
    summary = serializers.CharField()


class BulkView(APIView):
    action: Action
    payload: type[serializers.Serializer]

    def post(self, request):
        authorize(request.user, self.action)  # 403 before anything else for who may not review
        serializer = self.payload(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcomes = bulk.review(by=request.user, action=self.action, **serializer.validated_data)
        return Response({"results": OutcomeSerializer(outcomes, many=True).data, "summary": bulk.summary(outcomes)})


class BulkApproveView(BulkView):
    """批量审核通过：逐项经与单项相同的审核服务办理，各自一个事务；某一项不能办理不影响其他项，答复列出每一项的结果。"""

    action, payload = Action.APPROVE, BulkApproveSerializer

    @extend_schema(request=BulkApproveSerializer, responses={200: BulkResultSerializer, **errors(400, 401, 403)})
    def post(self, request):
        return super().post(request)


class BulkReturnView(BulkView):
    """批量退回（同一理由）：逐项经与单项相同的退回服务办理，各自一个事务；答复列出每一项的结果。"""

    action, payload = Action.RETURN, BulkReturnSerializer

    @extend_schema(request=BulkReturnSerializer, responses={200: BulkResultSerializer, **errors(400, 401, 403)})
    def post(self, request):
        return super().post(request)
