"""API tokens that expire API_TOKEN_DAYS after they were issued, and that a person revokes.

DRF's own token model (one token per person) stays the store: the project already uses it,
and a second token library would be two libraries for one job. Expiry is the token's
`created` time plus the configured days; an expired token is refused (401) and replaced by
a new one at the next `POST /api/auth/token/`.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts import events

EXPIRED = "令牌已过期，请重新获取（POST /api/auth/token/）。"


def expires_at(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(days=settings.API_TOKEN_DAYS)


def is_expired(token: Token) -> bool:
    return timezone.now() >= expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            raise AuthenticationFailed(EXPIRED)
        return user, token


def issue(user) -> Token:
    """The person's token: the current one while it is valid, else a new one."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and is_expired(token):
            token.delete()
            token = None
        return token or Token.objects.create(user=user)


def token_of(user) -> Token | None:
    return Token.objects.filter(user=user).first()


def revoke(user, *, request) -> bool:
    """Delete the person's token (audited). False when they had none."""
    with transaction.atomic():
        deleted, _ = Token.objects.filter(user=user).delete()
        if deleted:
            events.record(events.TOKEN_REVOKED, request=request, actor=user)
    return bool(deleted)
