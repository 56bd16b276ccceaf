"""Fixtures for the workflow tests that follow messages."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow import services


@pytest.fixture
def addressed(world):
    """The world's people have e-mail addresses (`<login>@example.com`), so messages go out by mail too."""
    for person in (world.operator, world.leader, world.other_operator, world.other_leader, world.reviewer,
                   world.scheduler, world.assessor):
        person.email = f"{person.username}@example.com"
        person.save(update_fields=["email"])
    return world


@pytest.fixture
def extended(addressed):
    """Both units may still submit today (the 2023 deadline is long past): an office extension."""
    for unit in (addressed.unit, addressed.other_unit):
        services.deadline_extension_grant(programme=addressed.programme, unit=unit, until=dt.date(2099, 12, 31),
                                          reason="测试：允许延期报送", by=addressed.reviewer)
    return addressed
