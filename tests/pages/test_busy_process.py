"""A step on a declaration whose process someone else is completing right now (PostgreSQL).

viewflow locks the process row (SELECT … FOR UPDATE NOWAIT, a few retries). When it stays
busy the user is told so in Chinese, like any conflict, and nothing is saved — never a 500.
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.pages.conftest import login
from workflow.models import AuditEvent, Declaration, DeclarationProcess, ScheduleVersion, State
from workflow.process import process_of

pytestmark = [pytest.mark.postgres]

BUSY = "其他人正在办理这份申报，请稍后刷新页面再试。"


@pytest.fixture
def someone_holds(audit_flushable):
    """`with someone_holds(declaration):` another connection keeps its process row locked."""

    class Holding:
        def __init__(self, declaration):
            self.pk = process_of(declaration).pk
            self.locked, self.release = threading.Event(), threading.Event()
            self.thread = threading.Thread(target=self.hold)

        def hold(self):
            try:
                with transaction.atomic():
                    DeclarationProcess.objects.select_for_update().get(pk=self.pk)
                    self.locked.set()
                    self.release.wait(60)
            finally:
                connection.close()

        def __enter__(self):
            self.thread.start()
            assert self.locked.wait(10)

        def __exit__(self, *exc):
            self.release.set()
            self.thread.join(60)

    return Holding


def test_publishing_while_another_person_holds_the_process_is_a_chinese_conflict(client, world, someone_holds):
    edu = world.declaration("reviewed", month=5)
    login(client, world.scheduler)

    with someone_holds(edu):
        response = client.post("/programmes/kaifu-2023/schedule/publish/", {"confirm": "yes", f"month_{edu.pk}": "6"}, follow=True)

    assert response.status_code == 200
    assert BUSY in response.content.decode()
    assert Declaration.objects.get(pk=edu.pk).state == State.REVIEWED
    assert not AuditEvent.objects.filter(action="schedule").exists()
    assert not ScheduleVersion.objects.exists()


def test_the_api_answers_409_while_another_person_holds_the_process(client, world, someone_holds):
    submitted = world.declaration("submitted")
    client.force_login(world.reviewer)

    with someone_holds(submitted):
        response = client.post(f"/api/declarations/{submitted.pk}/approve/", {}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["detail"] == BUSY
    assert Declaration.objects.get(pk=submitted.pk).state == State.SUBMITTED
    assert not AuditEvent.objects.filter(action="approve").exists()
