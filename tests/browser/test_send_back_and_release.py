"""In Chromium (issue 17, items 3, 5 and 8): the leader decides with the whole form in view and
sends the draft back with a note the operator reads on the revise page; a reviewer gives a
claimed review back to the queue (退回队列). Screenshots go to test-artifacts/."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, Person
from tests.factories import BEFORE_DEADLINE
from workflow import inbox, services
from workflow.models import AuditEvent, Declaration

pytestmark = pytest.mark.browser


def test_the_leaders_note_reaches_the_operator_and_a_review_goes_back_to_the_queue(live_server, year, chromium):
    base, w = live_server.url, year
    declaration = w.declaration("drafted", description="邀请二十家企业代表座谈，现场解读三项惠企政策。")

    leader = Person(chromium, base, w.leader.username)
    assert leader.page.url == f"{base}/queue/"  # the seal waits in 待领取: that is where the leader lands
    leader.open_first("/queue/", "盖章报送")
    page = leader.page
    assert "邀请二十家企业代表座谈，现场解读三项惠企政策。" in page.inner_text("#declaration-content")
    page.check("input[name=decision][value=back]")
    leader.submit()
    assert "请填写退回填报人理由。" in leader.text()
    page.check("input[name=decision][value=back]")
    page.fill("[name=note]", "联系电话请写全区号，主题再具体些。")
    leader.submit()
    assert not AuditEvent.objects.filter(action="submit").exists()

    operator = Person(chromium, base, w.operator.username)
    operator.open_first("/", "修改申报表")
    assert "联系电话请写全区号，主题再具体些。" in operator.page.inner_text("#send-back-note")
    operator.page.screenshot(path=str(ARTIFACTS / "revise-with-leaders-note.png"), full_page=True)

    services.declaration_hand_over(declaration=declaration, by=w.operator)
    services.declaration_submit(declaration=declaration, by=w.leader, now=BEFORE_DEADLINE)
    reviewer = Person(chromium, base, w.reviewer.username)
    reviewer.open_first("/queue/", "审核")
    assert "邀请二十家企业代表座谈" in reviewer.page.inner_text("#declaration-content")
    reviewer.page.click("#release button")
    reviewer.page.wait_for_load_state()
    assert "任务已退回待领取队列" in reviewer.text()
    assert inbox.queue_for(w.reviewer).filter(declaration=declaration).exists()
    assert AuditEvent.objects.filter(action="release_task", actor=w.reviewer).count() == 1
    assert Declaration.objects.get(pk=declaration.pk).state == "submitted"

    for person in (leader, operator, reviewer):
        person.close()
