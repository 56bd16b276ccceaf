"""A whole year of one declaration, driven through the real server in Chromium by five
people (operator, leader, reviewer, scheduler, assessor), in Chinese; a person of another
unit gets "not found" on the same URLs. Screenshots go to test-artifacts/."""
from __future__ import annotations

import re

import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, Person
from workflow.models import Declaration, State

pytestmark = pytest.mark.browser


def test_a_year_in_the_browser(live_server, year, chromium, tmp_path):
    base = live_server.url
    w = year
    canonical = w.programme.canonical_banner(w.unit.name)

    # 1. operator drafts; a wrong banner is a Chinese field error showing the canonical banner
    operator = Person(chromium, base, w.operator.username)
    operator.page.click("text=填报本年度申报表")
    page = operator.page
    assert "填报申报表" in page.inner_text("h1") and canonical in page.inner_text("#canonical-banner")
    page.fill("[name=theme]", "惠企政策面对面")
    page.select_option("[name=month]", "5")
    page.select_option("[name=form]", "forum")
    page.select_option("[name=focus_topic]", "business_environment")
    page.fill("[name=description]", "邀请企业代表座谈，解读惠企政策。")
    page.fill("[name=banner]", "开福区教育局2023年校园开放日")
    page.fill("[name=contact_name]", "张三")
    page.fill("[name=contact_phone]", "0731-84390001")
    operator.submit()
    banner_error = page.locator(".field.has-error", has=page.locator("[name=banner]")).inner_text()
    assert "会标" in banner_error
    page.screenshot(path=str(ARTIFACTS / "declaration-form-banner-error.png"), full_page=True)
    assert not Declaration.objects.exists()
    page.fill("[name=banner]", canonical)
    operator.submit()
    assert "已保存并交负责人盖章" in operator.text()
    declaration = Declaration.objects.get(unit=w.unit)
    detail = f"/declarations/{declaration.pk}/"

    # 2. leader claims the seal task and submits
    leader = Person(chromium, base, w.leader.username)
    leader.open_first("/queue/", "盖章报送")
    seal_url = leader.page.url
    leader.page.check("input[name=decision][value=submit]")
    leader.submit()
    assert Declaration.objects.get(pk=declaration.pk).state == State.SUBMITTED

    # 3. reviewer returns with a reason (a missing reason is refused in Chinese first)
    reviewer = Person(chromium, base, w.reviewer.username)
    reviewer.open_first("/queue/", "审核")
    reviewer.page.locator("input[name=confirm]").wait_for(state="hidden")  # asked only once 退回 is chosen (confirm.js)
    reviewer.page.check("input[name=decision][value=return]")
    reviewer.page.check("input[name=confirm]")  # 我已知晓: what a return does
    reviewer.submit()
    assert "请填写退回理由" in reviewer.text()
    reviewer.page.check("input[name=decision][value=return]")
    reviewer.page.check("input[name=confirm]")
    reviewer.page.fill("[name=reason]", "活动简介过于简略，请补充政策名称。")
    reviewer.submit()
    assert Declaration.objects.get(pk=declaration.pk).state == State.DRAFTED

    # 4. operator sees the reason on the revise task and revises
    operator.go("/")
    assert "修改申报表" in operator.text()
    operator.page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)
    operator.open_first("/", "修改申报表")
    assert "活动简介过于简略，请补充政策名称。" in operator.page.inner_text("#return-reason")
    operator.page.fill("[name=description]", "发布《开福区惠企政策十条》，现场解读并答疑。")
    operator.submit()

    # 5. leader submits again; 6. reviewer approves
    leader.open_first("/queue/", "盖章报送")
    leader.page.check("input[name=decision][value=submit]")
    leader.submit()
    reviewer.open_first("/queue/", "审核")
    reviewer.page.check("input[name=decision][value=approve]")
    reviewer.submit()
    assert Declaration.objects.get(pk=declaration.pk).state == State.REVIEWED

    # 7. scheduler schedules
    scheduler = Person(chromium, base, w.scheduler.username)
    scheduler.open_first("/queue/", "排期")
    scheduler.page.select_option("[name=month]", "5")
    scheduler.submit()
    assert Declaration.objects.get(pk=declaration.pk).state == State.SCHEDULED

    # 8. operator records the activity; 9. summarizes
    operator.open_first("/", "登记举办情况")
    p = operator.page
    assert "参与人员（按类别）" in operator.text()
    p.fill("[name=held_on]", "2023-05-18")
    p.fill("[name=place]", "区政务服务中心")
    p.fill("[name=p_citizen]", "20")
    p.fill("[name=p_enterprise]", "5")
    p.fill("[name=banner_used]", canonical)
    p.check("[name=logo_shown]")
    photo = tmp_path / "现场LOGO.png"
    Image.new("RGB", (40, 30), "red").save(photo)
    p.set_input_files("[name=logo_photo]", str(photo))
    p.fill("[name=pub_gov_website_url]", "https://www.kaifu.gov.cn/a")
    p.fill("[name=pub_gov_website_date]", "2023-05-19")
    p.fill("[name=pub_gov_new_media_url]", "https://mp.weixin.qq.com/s/kaifu")
    p.fill("[name=pub_gov_new_media_date]", "2023-05-20")
    p.fill("[name=fact_attendance]", "25")
    operator.submit()
    held = Declaration.objects.get(pk=declaration.pk)
    assert held.state == State.HELD and [e["channel"] for e in held.publicity] == ["gov_website", "gov_new_media"]
    [logo] = held.evidence.all()
    assert logo.kind == "logo_photo" and logo.original_name == "现场LOGO.png" and logo.content_type == "image/png"
    operator.open_first("/", "活动总结")
    operator.page.fill("[name=summary_practice]", "邀请企业代表座谈。")
    operator.page.fill("[name=summary_effect]", "收集建议10条。")
    operator.page.fill("[name=summary_experience]", "政策解读与诉求办理闭环。")
    operator.submit()

    # 10. assessor evaluates
    assessor = Person(chromium, base, w.assessor.username)
    assessor.open_first("/queue/", "评估打分")
    assessor.page.fill("[name=score_quality]", "8")
    assessor.page.fill("[name=comment]", "组织有序，实效明显。")
    assessor.submit()
    assert Declaration.objects.get(pk=declaration.pk).state == State.EVALUATED

    # the detail page: state, history timeline (who, what, reason)
    operator.go(detail)
    assert "已评估" in operator.page.inner_text("#state")
    history = operator.page.inner_text("#history")
    for words in ("填报", "盖章报送", "退回", "活动简介过于简略，请补充政策名称。", "审核通过", "排期", "登记举办", "提交总结", "评估打分"):
        assert words in history, words
    assert w.reviewer.first_name in history
    operator.page.screenshot(path=str(ARTIFACTS / "declaration-detail.png"), full_page=True)
    operator.go("/done/")
    assert "已办" in operator.text() and "惠企政策面对面" in operator.text()

    # another unit's person: "not found" on the same URLs
    stranger = Person(chromium, base, w.other_operator.username)
    for path in (detail, seal_url.replace(base, ""), f"/declarations/{declaration.pk}/evidence/{logo.pk}/"):
        response = stranger.go(path)
        assert response.status == 404 and "未找到" in stranger.text(), path
    stranger.go("/declarations/")
    assert "惠企政策面对面" not in stranger.text()
    assert re.search(r"暂无", stranger.text())

    for person in (operator, leader, reviewer, scheduler, assessor, stranger):
        person.close()
