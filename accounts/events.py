"""Every login, logout, failed login and lockout is an audit event (on the global chain).

Django's auth signals are the one place every way in passes through (the login page, the
admin's login, the API token view, which sends `user_logged_in` itself), so the events are
written here rather than in each view. A failure is recorded without an actor (the person
named may not be the one trying) and with the login name as typed.
"""
from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from accounts import sessions
from accounts.lockout import client_ip
from workflow import audit

LOGIN, LOGOUT, LOGIN_FAILED, LOCKOUT = "login", "logout", "login_failed", "lockout"
OTP_VERIFIED, OTP_FAILED, OTP_ENROLLED, TOKEN_REVOKED = "otp_verified", "otp_failed", "otp_enrolled", "token_revoked"
# Their Chinese labels are in workflow.permissions.EVENT_LABELS with every other action's.


def channel(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "page"


def record(action: str, *, request, actor=None, reason: str = "", **changed) -> None:
    where = {"ip": client_ip(request) if request is not None else None, "channel": channel(request)}
    with transaction.atomic():
        audit.record(action=action, actor=actor, reason=reason, changed={**where, **changed})


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(LOGIN, request=request, actor=user)
    if hasattr(request, "session"):
        sessions.mark_renewed(request.session)  # saved with the login: no renewal for a minute


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(LOGOUT, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # axes flags a request it refused because of an existing lockout before this signal, and
    # counts no failure for it (axes_failures_since_start stays None).
    refused = bool(getattr(request, "axes_locked_out", False)) and getattr(request, "axes_failures_since_start", None) is None
    record(LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))[:150],
           reason="已锁定，拒绝登录" if refused else "用户名或密码不正确")
    request._audit_failure_recorded = True
    pending = getattr(request, "_audit_lockout_pending", None)
    if pending:
        record(LOCKOUT, request=request, **pending)


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    """axes sends this inside its own failure receiver, which may run before ours: the lockout
    is written after this attempt's failure either way."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return  # an attempt during an existing lockout: recorded as a refused failure
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    lockout = {"username": str(username or "")[:150], "reason": f"连续登录失败 {failures} 次，锁定 {minutes} 分钟"}
    if getattr(request, "_audit_failure_recorded", False):
        record(LOCKOUT, request=request, **lockout)
    else:
        request._audit_lockout_pending = lockout
