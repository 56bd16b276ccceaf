"""What django-axes needs from us: the client's address and the Chinese lockout answer."""
from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The address failures are counted for. Behind a trusted proxy (TRUSTED_PROXY=1) it is
    the X-Real-IP the proxy sets (docs/deploy.md); otherwise the peer itself: a header a
    client sends directly is never believed."""
    if settings.TRUSTED_PROXY:
        real = request.META.get("HTTP_X_REAL_IP", "").strip()
        if real:
            return real
    return request.META.get("REMOTE_ADDR")


def message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (f"登录失败次数过多，该登录名或该地址已被锁定 {minutes} 分钟，请稍后再试。"
            "如需立即解锁，请联系系统管理员。")


def lockout_response(request, original_response=None, credentials=None):
    """429 with the Chinese message: JSON under /api/, a page elsewhere (login page, admin)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message()}, status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "accounts/locked_out.html", {"message": message()}, status=429)
