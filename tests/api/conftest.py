"""API test helpers: clients authenticated the way integrators are (a real token header)."""
from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflow import services


@pytest.fixture
def api():
    """`api(user)` → a client sending `Authorization: Token …`; `api()` → anonymous."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def extended(world):
    """Both units may still submit today (the 2023 deadline is long past): an office extension."""
    for unit in (world.unit, world.other_unit):
        services.deadline_extension_grant(
            programme=world.programme, unit=unit, until=dt.date(2099, 12, 31), reason="测试：延期", by=world.reviewer,
        )
    return world
