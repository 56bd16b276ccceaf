"""In Chromium on a phone-width screen (issue 21): the reviewer filters the review queue by month,
approves three declarations at once, and returns one with a comment that names the unit's
operator; the operator finds the message behind the bell, the comment and the step bar."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, Person
from tests.factories import unit_with_people
from workflow.models import AuditEvent, Declaration, State

pytestmark = pytest.mark.browser


def test_bulk_approve_then_return_with_a_comment_the_operator_reads(live_server, year, chromium):
    base, w = live_server.url, year
    own = w.declaration("submitted", month=5, theme="惠企政策面对面")
    others = []
    for i, month in ((1, 5), (2, 5), (3, 5), (4, 7)):
        unit, people = unit_with_people(f"kf-b{i}", f"开福区批量局{i}")
        others.append(w.declaration("submitted", unit=unit, people=people, month=month, theme=f"政策解读{i}"))
    may, july = others[:3], others[3]

    reviewer = Person(chromium, base, w.reviewer.username)
    page = reviewer.page
    reviewer.go("/queue/")
    page.click("#to-review-queue")
    page.wait_for_url(f"{base}/review/")
    page.wait_for_load_state("load")  # static/js/site.js: choosing a month submits the filter
    page.select_option("#month", "5")
    page.wait_for_url(f"{base}/review/?month=5")
    assert page.locator(f"#pick-{july.pk}").count() == 0 and page.locator(f"#pick-{own.pk}").count() == 1
    for d in may:
        page.check(f"#pick-{d.pk}")
    page.check("input[name=decision][value=approve]")
    page.check("input[name=confirm]")
    page.click("#bulk-submit")
    page.wait_for_load_state()
    assert "共3项：成功3项，未成功0项。" in reviewer.text()
    page.screenshot(path=str(ARTIFACTS / "bulk-approve-result.png"), full_page=True)
    assert [Declaration.objects.get(pk=d.pk).state for d in may] == [State.REVIEWED] * 3

    reviewer.go(f"/declarations/{own.pk}/")
    page.fill("#id_comment_body", "@edu-op 请在活动简介中写明解读的政策名称。")
    page.click("#comment-form button")
    page.wait_for_load_state()
    assert "意见已发表。" in reviewer.text()
    reviewer.go("/review/?month=5")
    page.check(f"#pick-{own.pk}")
    page.check("input[name=decision][value=return]")
    page.fill("#id_bulk_reason", "请补充活动简介。")
    page.check("input[name=confirm]")
    page.click("#bulk-submit")
    page.wait_for_load_state()
    assert "共1项：成功1项，未成功0项。" in reviewer.text()
    assert Declaration.objects.get(pk=own.pk).state == State.DRAFTED
    assert AuditEvent.objects.filter(declaration=own, action="comment", actor=w.reviewer).count() == 1

    operator = Person(chromium, base, w.operator.username)
    page = operator.page
    assert int(page.inner_text("#bell .badge")) >= 2
    page.click("#bell")
    page.wait_for_url(f"{base}/messages/")
    messages = page.inner_text("#messages")
    assert "申报被退回：《惠企政策面对面》" in messages
    page.locator("#messages a", has_text="在《惠企政策面对面》的讨论中提到了您").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/declarations/{own.pk}/")
    assert "@edu-op 请在活动简介中写明解读的政策名称。" in page.inner_text("#comments")
    bar = page.inner_text("#stepbar")
    assert "退回" in bar and "请补充活动简介。" in bar
    page.screenshot(path=str(ARTIFACTS / "comment-and-step-bar-after-return.png"), full_page=True)
    # The page prints to PDF (Chromium's print, the print stylesheet): the form and the step bar, no navigation.
    printed = PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
    text = "".join(p.extract_text() for p in printed)
    assert "惠企政策面对面" in text and "请补充活动简介。" in text
    assert "活动日历" not in text and "退出登录" not in text  # the navigation is not printed

    for person in (reviewer, operator):
        person.close()
