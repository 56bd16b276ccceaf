"""In Chromium on a phone-width screen: the reviewer filters the declaration list by month, opens
the one found, reads its step bar, and downloads the 申报表 as a PDF behind 打印."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, Person

pytestmark = pytest.mark.browser


def test_filter_by_month_read_the_step_bar_on_a_phone_and_download_the_pdf(live_server, year, chromium):
    w = year
    w.declaration("reviewed", month=5, theme="惠企政策面对面")
    health = w.declaration("submitted", unit=w.other_unit, month=7, theme="家庭医生签约服务")
    reviewer = Person(chromium, live_server.url, w.reviewer.username)
    page = reviewer.page
    violations: list[str] = []  # the site's Content-Security-Policy refuses inline script and style
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    # 1. the list, filtered by month: choosing 7月 submits at once (static/js/site.js), empty fields left out
    reviewer.go("/declarations/")
    assert "惠企政策面对面" in reviewer.text() and "家庭医生签约服务" in reviewer.text()
    page.select_option("#month", "7")
    page.wait_for_url(f"{live_server.url}/declarations/?month=7")
    rows = page.locator("#declarations tbody tr")
    assert rows.count() == 1 and "家庭医生签约服务" in rows.first.inner_text()
    assert page.input_value("#month") == "7"
    assert page.get_attribute("#export", "href") == "/declarations/export.xlsx?month=7"  # the export keeps the filter
    page.screenshot(path=str(ARTIFACTS / "declarations-filtered-phone.png"), full_page=True)

    # 2. the declaration's step bar on a 390 px screen: a list down the page, the current step marked
    rows.first.locator("a").click()
    page.wait_for_url(f"{live_server.url}/declarations/{health.pk}/")
    bar = page.locator("#stepbar")
    assert bar.is_visible()
    steps = bar.locator("li.step")
    assert steps.count() == 7
    tops = [steps.nth(i).bounding_box()["y"] for i in range(7)]
    assert tops == sorted(tops) and len(set(tops)) == 7  # one under the other on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the screen
    current = bar.locator("li[aria-current=step]")
    assert "审核" in current.inner_text() and "轮到：区政务公开办审核人员（审核）" in current.inner_text()
    done = bar.locator("li.step.done")
    assert done.count() == 2 and w.other_leader.first_name in done.nth(1).inner_text()  # who sealed it
    assert not page.locator("#process .chart").is_visible()  # the full chart: one click away
    page.click("#process summary")
    page.locator("#process .chart svg").wait_for(state="visible")
    bar.screenshot(path=str(ARTIFACTS / "step-bar-phone.png"))

    # 3. 打印: the 申报表 as a PDF, with the declaration's Chinese text
    href = page.get_attribute("#print", "href")
    assert href == f"/declarations/{health.pk}/declaration.pdf"
    response = page.request.get(f"{live_server.url}{href}")  # the person's own session
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    (ARTIFACTS / "declaration.pdf").write_bytes(response.body())
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text().replace("\n", "")
    assert "开福区2023年“政务公开主题日”活动主题申报表" in text and "家庭医生签约服务" in text and "开福区卫生健康局" in text
    assert violations == []
    reviewer.close()
