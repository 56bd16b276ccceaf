"""POST /api/auth/token/ (a token for a login name and password, plus the second factor's
code where the person's role requires it) and DELETE /api/auth/token/ (revoke one's own)."""
from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import events, tokens, two_factor
from workflow.api.serializers import ErrorSerializer, StrictSerializer


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, help_text="用户名")
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.RegexField(r"^\d{6}$", required=False, help_text="动态验证码（须双因素认证的角色必填）",
                                 error_messages={"invalid": "动态验证码是 6 位数字。"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="过期时间；之后须重新获取")


def _refuse(field: str, message: str):
    raise serializers.ValidationError({field: [message]})


class TokenView(APIView):
    """用户名和密码（及须双因素认证的角色的动态验证码）换取令牌；之后的请求带 `Authorization: Token <令牌>`。

    令牌在签发后 API_TOKEN_DAYS 天（默认 7 天）过期；`DELETE` 撤销自己的令牌。
    同一登录名或同一地址 15 分钟内失败 5 次后锁定 15 分钟（429）。
    """

    def _revoking(self) -> bool:  # the schema generator asks without a request
        return getattr(getattr(self, "request", None), "method", "") == "DELETE"

    def get_authenticators(self):  # POST is the login itself: no credentials, no CSRF
        return super().get_authenticators() if self._revoking() else []

    def get_permissions(self):
        return [IsAuthenticated()] if self._revoking() else [AllowAny()]

    @extend_schema(request=TokenRequestSerializer, auth=[], responses={
        200: TokenSerializer,
        400: OpenApiResponse(description="用户名或密码不正确，或缺少、错误的动态验证码：`{字段: [中文说明]}`"),
        429: OpenApiResponse(ErrorSerializer, description="登录失败次数过多，已锁定"),
    })
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            _refuse("__all__", "用户名或密码不正确。")
        if two_factor.required_for(user):
            device = two_factor.confirmed_device(user)
            if device is None:
                _refuse("otp", "您的角色须使用双因素认证：请先登录页面绑定验证器应用，再获取令牌。")
            if not data.get("otp"):
                _refuse("otp", "请填写验证器应用中当前显示的 6 位动态验证码。")
            if not two_factor.check_code(user, device, data["otp"]):
                events.record(events.OTP_FAILED, request=request._request, actor=user)
                _refuse("otp", "动态验证码不正确或已过期。")
        user_logged_in.send(sender=type(user), request=request._request, user=user)  # audited like every login
        token = tokens.issue(user)
        return Response({"token": token.key, "expires_at": tokens.expires_at(token)})

    @extend_schema(request=None, responses={204: None, 401: OpenApiResponse(ErrorSerializer, description="未认证")})
    def delete(self, request):
        tokens.revoke(request.user, request=request._request)
        return Response(status=204)
