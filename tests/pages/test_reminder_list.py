"""催报 is about units without a submitted declaration (issue 17, item 7): a unit whose
declaration was withdrawn or returned to a draft is back on the dashboard's list."""
from __future__ import annotations

import pytest

from tests.pages.conftest import login
from workflow import services

pytestmark = pytest.mark.django_db


def _pending(client) -> dict[str, str]:
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return {row["unit"].code: row["state"] for row in response.context["pending"]}


def test_withdrawn_and_returned_declarations_put_their_units_back_on_the_list(client, world):
    edu = world.declaration("submitted")
    health = world.declaration("submitted", unit=world.other_unit)
    login(client, world.reviewer)
    assert "kf-edu" not in _pending(client) and "kf-health" not in _pending(client)

    services.declaration_withdraw(declaration=edu, by=world.leader, reason="补充材料")
    services.declaration_return(declaration=health, by=world.reviewer, reason="请补充活动简介")

    assert _pending(client) == {"kf-edu": "草稿", "kf-health": "草稿"}
    page = client.get("/dashboard/").content.decode()
    assert page.index("开福区教育局") > page.index('id="pending"')


def test_a_reviewed_declaration_keeps_its_unit_off_the_list_and_a_draft_awaiting_the_seal_says_so(client, world):
    world.declaration("reviewed")
    world.declaration("drafted", unit=world.other_unit)  # complete: waiting for the leader's seal
    login(client, world.reviewer)
    assert _pending(client) == {"kf-health": "待盖章"}
