"""Ten reviewers press 'approve' through the API at the same moment (PostgreSQL, real connections)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import World, kaifu_programme, person
from units.roles import Role
from workflow.models import AuditEvent, Declaration, State

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def live_world(audit_flushable):
    return World.build(kaifu_programme())


def test_ten_simultaneous_api_approvals_give_one_200_and_nine_409(live_world):
    d = live_world.declaration("submitted")
    reviewers = [live_world.reviewer, *(person(f"reviewer-{n}", Role.REVIEWER) for n in range(9))]
    tokens = [Token.objects.create(user=r).key for r in reviewers]
    barrier = threading.Barrier(len(tokens))
    responses: list = [None] * len(tokens)

    def press_approve(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        try:
            barrier.wait()
            responses[index] = client.post(f"/api/declarations/{d.pk}/approve/", {}, format="json")
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=press_approve, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, [(r.status_code, r.json()) for r in responses]
    assert all(any(words in r.json()["detail"] for words in ("已被他人处理", "不能审核通过", "其他人正在办理")) for r in responses if r.status_code == 409)
    assert Declaration.objects.get(pk=d.pk).state == State.REVIEWED
    approvals = AuditEvent.objects.filter(declaration=d, action="approve")
    assert approvals.count() == 1
    assert Declaration.objects.get(pk=d.pk).reviewed_by == approvals.get().actor
