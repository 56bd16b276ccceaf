"""Next year without JSON, in Chromium (issue 22): the administrator copies the 2023
programme into 2024, changes a forbidden banner name (the live preview follows as they
type), adds an indicator and rebalances the weights, opens the year and marks it current;
a unit operator then declares in 2024 and meets the new banner rule."""
from __future__ import annotations

import pytest

from policies.models import Programme
from tests.browser.conftest import ARTIFACTS, Person
from workflow.models import AuditEvent, Declaration

pytestmark = pytest.mark.browser


def test_the_office_sets_up_2024_from_2023_and_a_unit_declares_under_it(live_server, year, chromium):
    base, w = live_server.url, year

    # 1. the administrator opens this year's programme from the navigation and copies it
    admin = Person(chromium, base, w.administrator.username)
    page = admin.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("header.top >> text=实施方案")
    assert "开福区2023年“政务公开主题日”活动实施方案" in page.inner_text("h1")
    page.click("a.button:has-text('复制为新一年度')")
    assert page.input_value("[name=code]") == "kaifu-2024"
    page.click("button:has-text('复制为新一年度')")
    page.wait_for_url(f"{base}/programmes/kaifu-2024/edit/")
    assert "已复制为2024年度" in page.inner_text("main")

    # 2. a forbidden name changes; the preview follows without a reload
    page.fill("[name=forbidden_banner_names-0-name]", "校园开放周")
    page.select_option("[name=preview-unit]", label="开福区教育局")
    page.fill("[name=preview-trial]", "开福区教育局2024年校园开放周")
    trial = page.locator("#preview-trial")
    trial.wait_for()
    assert "会标不得冠以“校园开放周”等名称" in trial.inner_text()
    assert page.inner_text("#preview-canonical") == "开福区教育局2024年“政务公开主题日”活动"
    assert page.url == f"{base}/programmes/kaifu-2024/edit/"  # no reload: the typed name is still there
    assert page.input_value("[name=forbidden_banner_names-0-name]") == "校园开放周"

    # 3. a new indicator, and the weights rebalanced (the total follows as typed)
    page.fill("[name=indicators-10-label]", "群众满意度")
    page.select_option("[name=indicators-10-basis]", "manual")
    page.fill("[name=indicators-10-weight]", "5")
    page.fill("[name=indicators-10-max]", "5")
    assert page.inner_text("#weights-total") == "105"
    page.fill("[name=indicators-9-weight]", "15")
    assert page.inner_text("#weights-total") == "100"
    page.screenshot(path=str(ARTIFACTS / "programme-editor.png"), full_page=True)
    page.click("button[name=_save]")
    page.wait_for_url(f"{base}/programmes/kaifu-2024/")
    assert "已保存实施方案" in page.inner_text("main")

    # 4. open the year and make it current, each after a confirmation
    page.click("a.button:has-text('开放申报')")
    assert "确认开放申报" in page.inner_text("main")
    page.click("button:has-text('确认开放申报')")
    page.wait_for_url(f"{base}/programmes/kaifu-2024/")
    page.click("a.button:has-text('设为当前年度')")
    page.click("button:has-text('确认设为当前年度')")
    page.wait_for_url(f"{base}/programmes/kaifu-2024/")
    text = page.inner_text("main")
    assert "已设为当前年度" in text and "受理申报中" in text and "校园开放周" in text
    programme = Programme.objects.get(code="kaifu-2024")
    assert programme.is_open and programme.is_current and programme.forbidden_banner_names[0] == "校园开放周"
    indicators = programme.assessment_scheme["indicators"]
    assert indicators[-1]["label"] == "群众满意度" and sum(i["weight"] for i in indicators) == 100
    assert list(AuditEvent.objects.filter(programme=programme).values_list("action", flat=True).order_by("pk")) == [
        "copy_programme", "edit_programme", "open_programme", "mark_current_programme",
    ]

    # 5. an operator declares in 2024: the new forbidden name is refused, the 2024 banner passes
    operator = Person(chromium, base, w.operator.username)
    form = operator.page
    form.click("text=填报本年度申报表")
    assert "开福区2024年“政务公开主题日”活动实施方案" in form.inner_text("main")
    assert form.inner_text("#canonical-banner") == "开福区教育局2024年“政务公开主题日”活动"
    form.fill("[name=theme]", "惠企政策面对面")
    form.select_option("[name=month]", "5")
    form.select_option("[name=form]", "forum")
    form.select_option("[name=focus_topic]", "business_environment")
    form.fill("[name=description]", "邀请企业代表座谈，解读惠企政策。")
    form.fill("[name=banner]", "开福区教育局2024年校园开放周")
    form.fill("[name=contact_name]", "张三")
    form.fill("[name=contact_phone]", "0731-84390001")
    operator.submit()
    banner_error = form.locator(".field.has-error", has=form.locator("[name=banner]")).inner_text()
    assert "会标不得冠以“校园开放周”等名称" in banner_error and "开福区教育局2024年“政务公开主题日”活动" in banner_error
    form.screenshot(path=str(ARTIFACTS / "declaration-2024-banner-rule.png"), full_page=True)
    assert not Declaration.objects.exists()
    form.fill("[name=banner]", "开福区教育局2024年“政务公开主题日”活动")
    operator.submit()
    assert "已保存并交负责人盖章" in operator.text()
    declaration = Declaration.objects.get(unit=w.unit)
    assert declaration.programme == programme and declaration.banner == "开福区教育局2024年“政务公开主题日”活动"
    admin.close()
    operator.close()
