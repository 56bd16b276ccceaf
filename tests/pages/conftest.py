"""Fixtures for the page tests: the World of tests.factories (each declaration moves its own process)."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow import services


@pytest.fixture(autouse=True)
def extensions(request):
    """The programme's deadline (2023-04-03) is past: the office granted both units an extension."""
    if "world" not in request.fixturenames:
        return
    world = request.getfixturevalue("world")
    for unit in (world.unit, world.other_unit):
        services.deadline_extension_grant(
            programme=world.programme, unit=unit, until=dt.date(2099, 12, 31), reason="测试：允许延期报送", by=world.reviewer,
        )


def login(client, user):
    client.force_login(user)
    return client
