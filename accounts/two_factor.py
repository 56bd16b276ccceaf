"""Two-factor authentication (TOTP through django-otp) for the roles in TWO_FACTOR_ROLES.

After the password, a person whose role requires it confirms the login with the 6-digit
code of an authenticator app: until then every page sends them to the code page (or, the
first time, to the page that binds their app), and the API answers 403. The API token
view asks for the code in the same request (accounts.api).
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.roles import OFFICE_ROLE_PERMISSIONS
from workflow import audit

ADMINISTRATOR = "administrator"  # anyone who may enter /admin/
API_REFUSAL = "需要先完成双因素认证：请在页面上输入验证器应用中的动态验证码。"


def required_for(user) -> bool:
    roles = settings.TWO_FACTOR_ROLES
    if not roles or not user.is_authenticated:
        return False
    if ADMINISTRATOR in roles and (user.is_staff or user.is_superuser):
        return True
    return any(user.has_perm(perm) for role in roles for perm in OFFICE_ROLE_PERMISSIONS.get(role, ()))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def check_code(user, device: TOTPDevice, code: str) -> bool:
    """django-otp's check, throttled per device (each failure doubles the wait)."""
    return verify_token(user, device.persistent_id, code) is not None


def _exempt(path: str) -> bool:
    return path.startswith((
        reverse("accounts:two_factor"), reverse("accounts:two_factor_setup"), reverse("workflow:logout"),
        reverse("admin:logout"), settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
    ))


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware: it knows whether this session's login was confirmed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and required_for(user) and not user.is_verified() and not _exempt(request.path):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": API_REFUSAL}, status=403, json_dumps_params={"ensure_ascii": False})
            target = "accounts:two_factor" if confirmed_device(user) else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def reset(*, user, by) -> int:
    """An administrator clears a person's authenticator (a lost phone): at the next login they bind a
    new one. Audited; returns how many devices were removed."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        audit.record(action="otp_reset", actor=by, changed={"user": user.username, "devices": removed})
    return removed
