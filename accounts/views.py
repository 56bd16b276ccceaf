"""The person's own account: password, second factor, API token."""
from __future__ import annotations

import base64

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from accounts import events, tokens, two_factor

WRONG_CODE = "动态验证码不正确或已过期，请输入验证器应用中当前显示的 6 位数字。"
THROTTLED = "尝试过于频繁，请稍等片刻再输入新的动态验证码。"


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="动态验证码", regex=r"^\s*\d{6}\s*$", max_length=12,
        error_messages={"required": "请输入 6 位动态验证码。", "invalid": "动态验证码是 6 位数字。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("workflow:inbox")


@login_required
def account(request):
    token = tokens.token_of(request.user)
    return render(request, "accounts/account.html", {
        "token": token, "token_expires": tokens.expires_at(token) if token else None,
        "token_expired": bool(token and tokens.is_expired(token)),
        "two_factor_required": two_factor.required_for(request.user),
        "device": two_factor.confirmed_device(request.user),
    })


@login_required
@require_POST
def token_revoke(request):
    if tokens.revoke(request.user, request=request):
        messages.success(request, "API 令牌已撤销：使用它的程序须重新获取令牌。")
    else:
        messages.info(request, "您没有有效的 API 令牌。")
    return redirect("accounts:account")


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


@never_cache
@login_required
def verify(request):
    """The second step of a login: the code from the person's authenticator app."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:two_factor_setup')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", THROTTLED)
        elif two_factor.check_code(request.user, device, form.cleaned_data["code"].strip()):
            otp_login(request, device)
            events.record(events.OTP_VERIFIED, request=request, actor=request.user)
            return redirect(_next(request))
        else:
            events.record(events.OTP_FAILED, request=request, actor=request.user)
            form.add_error("code", WRONG_CODE)
    return render(request, "accounts/two_factor.html", {"form": form, "next": _next(request)})


def _pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="验证器应用", confirmed=False)


@never_cache
@login_required
def setup(request):
    """Bind an authenticator app: scan the code (or type the key), then confirm with a code."""
    if two_factor.confirmed_device(request.user):
        return redirect(f"{reverse('accounts:two_factor')}?{request.GET.urlencode()}")
    device = _pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("code", THROTTLED)
        elif device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            events.record(events.OTP_ENROLLED, request=request, actor=request.user)
            messages.success(request, "验证器应用已绑定：以后每次登录都须输入其中的动态验证码。")
            return redirect(_next(request))
        else:
            form.add_error("code", WRONG_CODE)
    key = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "next": _next(request), "key": " ".join(key[i:i + 4] for i in range(0, len(key), 4)),
    })


@never_cache
@login_required
def setup_qr(request):
    """The QR code of the device being bound, as an SVG image (the page shows it with <img>)."""
    if two_factor.confirmed_device(request.user):
        return HttpResponse(status=404)
    response = HttpResponse(content_type="image/svg+xml")
    write_qrcode_image(_pending_device(request.user).config_url, response)
    return response
