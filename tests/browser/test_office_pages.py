"""The office's own pages in Chromium, in Chinese, on a phone-width screen: the scheduler
publishes the schedule, the assessor follows a point from the scoreboard to the audit events
behind it, the reviewer cancels a declaration. Screenshots go to test-artifacts/."""
from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.browser.conftest import ARTIFACTS, Person
from workflow import inbox, services
from workflow.models import AuditEvent, Declaration, State
from workflow.process import process_of

pytestmark = pytest.mark.browser


def test_the_scheduler_publishes_the_schedule(live_server, year, chromium):
    w = year
    edu = w.declaration("reviewed", month=5)
    health = w.declaration("reviewed", unit=w.other_unit, month=5, theme="家庭医生签约服务")

    scheduler = Person(chromium, live_server.url, w.scheduler.username)
    page = scheduler.page
    page.click("nav >> text=排期")
    assert page.inner_text("h1") == f"排期 · {w.programme.name}"
    assert "家庭医生签约服务" in page.inner_text(f"#row-{health.pk}")
    assert "5月安排了2项活动" in page.inner_text("#warnings")  # both at their declared month
    page.select_option(f"#row-{edu.pk} select", "6")
    page.check("#publish input[name=confirm]")  # what publishing does, ticked first
    page.click("#publish button.primary")
    page.wait_for_load_state()

    assert "已发布第1版活动计划安排表。" in scheduler.text()
    assert "已排期" in page.inner_text(f"#placed-{edu.pk}") and "6月" in page.inner_text(f"#placed-{edu.pk}")
    assert "已排期" in page.inner_text(f"#placed-{health.pk}") and "5月" in page.inner_text(f"#placed-{health.pk}")
    assert "第1版" in page.inner_text("#versions")
    page.screenshot(path=str(ARTIFACTS / "schedule-published.png"), full_page=True)
    assert {d.pk: (d.state, d.scheduled_month) for d in Declaration.objects.all()} == {
        edu.pk: (State.SCHEDULED, 6), health.pk: (State.SCHEDULED, 5),
    }
    assert not inbox.queue_for(w.scheduler).exists()  # every schedule task completed
    assert [t.flow_task.name for t in inbox.tasks_for(w.operator)] == ["hold"]
    scheduler.close()


def test_the_assessor_follows_a_point_from_the_scoreboard_to_its_audit_events(live_server, year, chromium):
    w = year
    edu = w.declaration("summarized")
    services.declaration_evaluate(declaration=Declaration.objects.get(pk=edu.pk), by=w.assessor,
                                  scores={"quality": 8}, comment="组织有序")
    health = w.declaration("returned", unit=w.other_unit)
    health = services.declaration_submit(declaration=health, by=w.other_leader)
    services.declaration_approve(declaration=health, by=w.reviewer)

    assessor = Person(chromium, live_server.url, w.assessor.username)
    page = assessor.page
    page.click("nav >> text=考核得分")
    board = page.inner_text("#scoreboard")
    assert w.unit.name in board and w.other_unit.name in board
    page.screenshot(path=str(ARTIFACTS / "scoreboard.png"), full_page=True)
    page.click(f"#scoreboard tr[data-unit='{w.other_unit.code}'] >> text={w.other_unit.name}")
    assert page.inner_text("h1") == f"{w.other_unit.name} · 考核得分明细"
    point = page.locator("#breakdown tr[data-indicator=approved_without_return]")
    assert "退回" in point.inner_text()  # the event behind the lost point, inline

    point.locator("a.trace").click()
    page.wait_for_url("**/audit/?ids=*")
    assert page.inner_text("h1") == "审计日志" and page.locator("#only-ids").count() == 1
    rows = page.locator("#events tr[data-event]")
    listed = sorted(int(pk) for pk in rows.evaluate_all("rows => rows.map(r => r.dataset.event)"))
    expected = AuditEvent.objects.filter(declaration=health, action__in=["return", "approve"]).values_list("pk", flat=True)
    assert listed == sorted(expected)
    events = page.inner_text("main")
    assert "退回" in events and "审核通过" in events and "请补充活动简介。" in events
    page.screenshot(path=str(ARTIFACTS / "audit-events-of-a-point.png"), full_page=True)
    assessor.close()


def test_the_reviewer_cancels_a_declaration_on_its_page(live_server, year, chromium):
    w = year
    declaration = w.declaration("submitted")

    reviewer = Person(chromium, live_server.url, w.reviewer.username)
    page = reviewer.page
    reviewer.go(f"/declarations/{declaration.pk}/")
    assert sorted(page.locator("svg text.edge-label").all_text_contents()) == sorted(["报送", "退回填报人", "通过", "退回"])
    page.click("#cancel button")  # no reason: the browser asks for it, nothing is posted
    assert page.evaluate("document.querySelector('#id_cancel_reason').validity.valueMissing")
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED

    page.fill("#id_cancel_reason", "单位职能调整，本年度不再举办")
    page.click("#cancel button")  # not yet ticked what will happen: the browser asks for it, nothing is posted
    assert page.evaluate("document.querySelector('#cancel input[name=confirm]').validity.valueMissing")
    assert "取消不可撤回" in page.inner_text("#cancel")
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED
    page.check("#cancel input[name=confirm]")
    page.click("#cancel button")
    page.wait_for_load_state()

    assert "申报已取消，流程已结束。" in reviewer.text()
    assert page.inner_text("#state") == "已取消"
    assert "单位职能调整，本年度不再举办" in page.inner_text("#history")
    assert page.locator("#cancel").count() == 0
    page.screenshot(path=str(ARTIFACTS / "declaration-cancelled.png"), full_page=True)
    cancelled = Declaration.objects.get(pk=declaration.pk)
    assert cancelled.state == State.CANCELLED and cancelled.cancel_reason == "单位职能调整，本年度不再举办"
    assert AuditEvent.objects.filter(declaration=declaration, action="cancel", actor=w.reviewer).count() == 1
    assert process_of(declaration).status == STATUS.CANCELED and not inbox.queue_for(w.reviewer).exists()
    reviewer.close()
