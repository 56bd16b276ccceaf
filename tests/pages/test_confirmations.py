"""Sure before it's final: return, publish, release and the admin's bulk actions say what will
happen and do nothing until the person confirms; the pages need no inline script for it."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import admin_user
from tests.pages.conftest import login
from workflow import inbox
from workflow.models import AuditEvent, Declaration, ScheduleVersion, State

pytestmark = pytest.mark.django_db


def review_task(client, reviewer, declaration):
    """The reviewer's review task of `declaration`, claimed."""
    row = inbox.queue_for(reviewer).get(declaration=declaration)
    client.post(f"/tasks/{row.pk}/", {"claim": "1"})
    return row.pk


def test_a_return_is_not_made_until_the_reviewer_ticks_what_it_does(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    task = review_task(client, world.reviewer, declaration)
    page = client.get(f"/tasks/{task}/").content.decode()
    assert 'data-confirm-when="decision=return"' in page and "我已知晓：退回后申报回到本单位草稿" in page
    assert '<script src="/static/js/confirm.js" defer></script>' in page

    response = client.post(f"/tasks/{task}/", {"decision": "return", "reason": "请补充活动简介。"})

    assert response.status_code == 200 and "退回前请先勾选“我已知晓”，确认退回的后果。" in response.content.decode()
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
    assert not AuditEvent.objects.filter(action="return").exists()
    client.post(f"/tasks/{task}/", {"decision": "return", "reason": "请补充活动简介。", "confirm": "yes"})
    assert Declaration.objects.get(pk=declaration.pk).state == State.DRAFTED


def test_an_approval_asks_nothing_more(client, world):
    declaration = world.declaration("submitted")
    login(client, world.reviewer)
    task = review_task(client, world.reviewer, declaration)

    assert client.post(f"/tasks/{task}/", {"decision": "approve"}).status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).state == State.REVIEWED


def test_publishing_waits_for_the_confirmation_and_says_what_it_does(client, world):
    edu = world.declaration("reviewed")
    login(client, world.scheduler)
    page = client.get("/programmes/kaifu-2023/schedule/").content.decode()
    publish = page[page.index('id="publish"'):page.index("</form>", page.index('id="publish"'))]
    assert '<input type="checkbox" name="confirm" value="yes" required>' in publish
    assert "生成新一版活动计划安排表，各单位即可看到" in publish

    response = client.post("/programmes/kaifu-2023/schedule/publish/", {f"month_{edu.pk}": "6"})

    assert response.status_code == 200 and "请先勾选“我已知晓”，确认后再提交" in response.content.decode()
    assert Declaration.objects.get(pk=edu.pk).state == State.REVIEWED and not ScheduleVersion.objects.exists()


def test_releasing_the_results_waits_for_the_confirmation(client, world):
    world.declaration("evaluated")
    login(client, world.reviewer)
    assert "发布考核结果…" in client.get("/programmes/kaifu-2023/assessment/").content.decode()  # to the confirmation page
    page = client.get("/programmes/kaifu-2023/assessment/release/").content.decode()
    assert 'name="confirm"' in page and "未评估" in page

    response = client.post("/programmes/kaifu-2023/assessment/release/", follow=True)

    assert "请先勾选" in response.content.decode()
    world.programme.refresh_from_db()
    assert world.programme.results_released_at is None and not AuditEvent.objects.filter(action="release_results").exists()
    login(client, world.operator)  # who may not release learns that, box or not
    assert client.post("/programmes/kaifu-2023/assessment/release/").status_code == 403


def test_the_admins_bulk_approval_lists_what_it_will_do_and_one_refusal_spares_the_others(client, world):
    first = world.declaration("submitted")
    second = world.declaration("reviewed", unit=world.other_unit)  # already reviewed: refused
    client.force_login(admin_user())
    changelist = reverse("admin:workflow_declaration_changelist")
    chosen = {"action": "approve", "_selected_action": [first.pk, second.pk], "index": 0}

    ask = client.post(changelist, chosen)

    page = ask.content.decode()
    assert "将审核通过以下2份申报。审核通过后，这些申报进入待排期" in page and "确认审核通过这2份申报" in page
    assert world.unit.name in page and world.other_unit.name in page
    assert Declaration.objects.get(pk=first.pk).state == State.SUBMITTED
    done = client.post(changelist, {**chosen, "_confirm": "1"}, follow=True).content.decode()
    assert "已审核通过1份申报" in done and "未能审核通过" in done
    assert Declaration.objects.get(pk=first.pk).state == State.REVIEWED


def test_the_admins_bulk_cancel_says_it_cannot_be_taken_back(client, world):
    declaration = world.declaration("submitted")
    client.force_login(admin_user())

    page = client.post(reverse("admin:workflow_declaration_changelist"),
                       {"action": "cancel", "_selected_action": [declaration.pk], "index": 0}).content.decode()

    assert "取消不可撤回" in page and 'name="reason"' in page
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED


def test_the_pages_with_confirmations_carry_no_inline_script_or_style(client, world):
    """Ready for a strict Content-Security-Policy: scripts only as files, no style="", no javascript: URLs."""
    submitted = world.declaration("submitted")
    reviewed = world.declaration("reviewed", unit=world.other_unit)
    login(client, world.reviewer)
    task = review_task(client, world.reviewer, submitted)
    pages = [f"/declarations/{reviewed.pk}/", f"/tasks/{task}/", "/declarations/?state=reviewed", "/dashboard/",
             "/programmes/kaifu-2023/assessment/"]
    client.force_login(world.scheduler)
    pages_as_scheduler = ["/programmes/kaifu-2023/schedule/"]
    for who, urls in ((world.reviewer, pages), (world.scheduler, pages_as_scheduler)):
        client.force_login(who)
        for url in urls:
            page = client.get(url).content.decode()
            main = page[page.index("<main>"):]
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
            assert ' style="' not in main and "javascript:" not in main and not re.search(r" on[a-z]+=\"", main), url
