"""The programme pages (issue 22): the editor in Chinese forms (no JSON), its refusals next
to their fields with nothing saved, the banner preview, frozen rules and the amendment,
copy, open/close/current with a confirmation; and who may do what."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms

from policies.models import Programme, ProgrammeAmendment
from tests.pages.conftest import login
from workflow import programme_services as ps
from workflow.models import AuditEvent

EDIT = "/programmes/kaifu-2023/edit/"


def post_data(editor, **changes) -> dict:
    """What the browser would post from the editor as rendered (every section's fields and
    row lists, as shown), with `changes` (input name → value; None removes the input)."""
    data: dict = {}
    for section in editor.editable():
        forms_ = [section.form] if hasattr(section, "form") else []
        for part in getattr(section, "lists", []):
            for field in part.formset.management_form:
                data[field.html_name] = field.value()
            forms_ += part.formset.forms
        for form in forms_:
            for field in form:
                value = field.value()
                if isinstance(field.field, forms.BooleanField):
                    if value:
                        data[field.html_name] = "on"
                elif value not in (None, ""):
                    data[field.html_name] = value.isoformat() if isinstance(value, dt.date) else value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def opened(client, url=EDIT):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["editor"]


def snapshot(code="kaifu-2023") -> tuple:
    row = Programme.objects.values().get(code=code)
    return row, AuditEvent.objects.count(), Programme.objects.count()


def section_html(html: str, key: str) -> str:
    start = html.index(f'id="section-{key}"')
    end = html.find('<fieldset class="card section"', start + 1)
    return html[start:end if end > 0 else None]


# ------------------------------------------------------------------ reading the editor

def test_the_editor_shows_every_rule_as_chinese_fields_never_json(world, client):
    login(client, world.administrator)
    html = client.get(EDIT).content.decode()
    for title in ("基本信息", "年度、申报截止与活动时间", "活动形式与举办时须登记的事项", "重点主题", "会标", "参与人员类别",
                  "宣传渠道", "考核指标", "条款出处", "区政务公开办联系人"):
        assert f"<legend>{title}</legend>" in html
    assert 'value="【单位名称】【年度】年“政务公开主题日”活动"' in html  # templates in people's words
    assert 'name="forbidden_banner_names-0-name" value="校园开放日"' in html
    assert "自动计算：按时申报" in html and 'name="indicators-9-max" value="10"' in html
    assert "<textarea" not in html and '{"code"' not in html and "&quot;code&quot;" not in html
    assert "开福区教育局的规范会标" in html or "规范会标" in html


def test_a_unit_or_office_person_reads_the_programme_but_may_not_edit_it(world, client):
    login(client, world.operator)
    page = client.get("/programmes/kaifu-2023/")
    assert page.status_code == 200 and "会标禁用名称" in page.content.decode()
    assert EDIT not in page.content.decode()
    for person in (world.operator, world.reviewer, world.scheduler):
        login(client, person)
        for url in (EDIT, "/programmes/kaifu-2023/copy/", "/programmes/kaifu-2023/open/", "/programmes/new/",
                    "/programmes/kaifu-2023/amend/banner/", "/programmes/banner-preview/?template=x"):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "只有系统管理员可以设置实施方案" in response.content.decode()
        response = client.post(EDIT, {"contact_name": "某人"})
        assert response.status_code == 403
    assert Programme.objects.get(code="kaifu-2023").contact_name == "余妙"


def test_a_programme_that_does_not_exist_is_404(world, client):
    login(client, world.administrator)
    assert client.get("/programmes/kaifu-1999/edit/").status_code == 404
    assert client.get("/programmes/kaifu-2023/amend/contact/").status_code == 404


# ------------------------------------------------------------------ saving

def test_adding_an_indicator_and_rebalancing_the_weights_saves_and_audits(world, client):
    login(client, world.administrator)
    editor = opened(client)
    data = post_data(editor, **{
        "indicators-9-weight": "15",
        "indicators-10-label": "群众满意度", "indicators-10-basis": "manual", "indicators-10-weight": "5",
        "indicators-10-max": "5", "indicators-10-clause": "二",
        "forbidden_banner_names-0-name": "校园开放周",
    })
    response = client.post(EDIT, data)
    assert response.status_code == 302 and response["Location"] == "/programmes/kaifu-2023/"
    programme = Programme.objects.get(code="kaifu-2023")
    indicators = programme.assessment_scheme["indicators"]
    assert indicators[-1] == {"code": "manual_1", "kind": "manual", "max": 5, "label": "群众满意度", "weight": 5, "clause": "二"}
    assert indicators[-2]["weight"] == 15 and sum(i["weight"] for i in indicators) == 100
    assert programme.forbidden_banner_names[0] == "校园开放周"
    event = AuditEvent.objects.get(action="edit_programme")
    assert set(event.changed) == {"indicators", "forbidden_banner_names"} and event.actor == world.administrator
    assert "已保存实施方案" in client.get(response["Location"]).content.decode()


def test_weights_that_do_not_add_up_are_refused_in_the_indicators_section_and_nothing_is_saved(world, client):
    login(client, world.administrator)
    editor = opened(client)
    before = snapshot()
    response = client.post(EDIT, post_data(editor, **{"indicators-0-weight": "5", "contact_name": "李四"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "各项考核指标的权重合计须为100分，目前合计95分。" in section_html(html, "indicators")
    assert '<output id="weights-total" class="off">95</output>' in html  # the posted sum, not the saved one
    assert "未保存：请按提示修改标红的项目。" in html
    assert snapshot() == before


@pytest.mark.parametrize(("change", "section", "message"), [
    ({"window_first_month": "9", "window_last_month": "5"}, "window", "活动结束月份（5月）不能早于起始月份（9月）。"),
    ({"declaration_due_date": "2023-12-01"}, "window", "申报截止日期（2023年12月1日）晚于活动开始的2023年4月"),
    ({"indicators-1-label": ""}, "indicators", "第2项考核指标：请填写指标名称。"),
    ({"forms-2-label": ""}, "forms", "第3项活动形式：请填写名称。"),
    ({"focus_topics-1-code": "reform_opening"}, "focus_topics", "第2项重点主题：代码“reform_opening”与第1项重复，每项代码须唯一。"),
    ({"banner_templates-0-template": "【年度】年“政务公开主题日”活动"}, "banner", "第1个会标模板须包含【单位名称】。"),
    ({"facts-1-label": ""}, "forms", "第2项活动形式（现场观摩）的第1个登记事项：请填写名称。"),
    ({"facts-6-label": "参会企业数", "facts-6-code": "firms"}, "forms", "请选择该事项所属的活动形式"),
])
def test_each_refusal_is_shown_in_its_section_and_nothing_is_saved(world, client, change, section, message):
    login(client, world.administrator)
    editor = opened(client)
    before = snapshot()
    response = client.post(EDIT, post_data(editor, **change))
    assert response.status_code == 200
    assert message in section_html(response.content.decode(), section)
    assert snapshot() == before


def test_the_preview_button_shows_the_banner_for_the_sample_unit_without_saving(world, client):
    login(client, world.administrator)
    editor = opened(client)
    before = snapshot()
    data = post_data(editor, **{
        "_preview": "1", "forbidden_banner_names-0-name": "校园开放周", "preview-unit": "开福区卫生健康局",
        "preview-trial": "开福区卫生健康局2023年校园开放周", "year": "2024",
    })
    html = client.post(EDIT, data).content.decode()
    assert '开福区卫生健康局的规范会标：<span class="canonical" id="preview-canonical">开福区卫生健康局2024年“政务公开主题日”活动</span>' in html
    preview = html[html.index('id="banner-preview-result"'):]
    assert "会标不得冠以“校园开放周”等名称" in preview
    assert snapshot() == before


def test_the_live_preview_answers_in_json_as_people_type(world, client):
    login(client, world.administrator)
    response = client.get("/programmes/banner-preview/", {
        "template": ["【单位名称】【年度】年“政务公开主题日”活动", "【单位名称】【年度】年“政务公开主题日”活动暨【其他活动名称】"],
        "forbidden": ["校园开放周"], "unit": "开福区教育局", "year": "2024", "trial": "开福区教育局2024年“政务公开主题日”活动",
    })
    assert response.json() == {
        "unit": "开福区教育局", "canonical": "开福区教育局2024年“政务公开主题日”活动",
        "alternatives": ["开福区教育局2024年“政务公开主题日”活动暨××××"], "rule_problems": [],
        "trial": "开福区教育局2024年“政务公开主题日”活动", "trial_passes": True, "trial_problems": [],
    }
    broken = client.get("/programmes/banner-preview/", {"template": "{year}年", "year": "x"}).json()
    assert broken["rule_problems"] == ["第1个会标模板须包含【单位名称】。"] and broken["canonical"] == ""


def test_the_editor_page_loads_its_script_from_a_static_file_only(world, client):
    login(client, world.administrator)
    html = client.get(EDIT).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert '<script src="/static/js/programme-editor.js" defer>' in scripts
    assert all(re.fullmatch(r'<script src="/static/js/[\w.-]+\.js" defer>', tag) for tag in scripts), scripts
    assert "onclick=" not in html and "style=" not in html


# ------------------------------------------------------------------ frozen rules and amendments

def test_after_a_submission_the_deciding_rules_are_read_only_and_an_amendment_is_offered(world, client):
    world.declaration("submitted")
    login(client, world.administrator)
    response = client.get(EDIT)
    html = response.content.decode()
    banner = section_html(html, "banner")
    assert 'name="forbidden_banner_names-0-name"' not in banner and "校园开放日、司法开放日" in banner
    assert "已有1个单位报送申报，“会标规则”已按此决定了各单位的申报，不能直接修改" in banner
    assert 'href="/programmes/kaifu-2023/amend/banner/"' in banner
    for key in ("window", "forms", "indicators"):
        assert "提交规则修订" in section_html(html, key)
    assert 'name="contact_name"' in html  # the rest is still edited in place
    # a forged banner field is ignored; the contact is saved
    data = post_data(response.context["editor"], contact_name="李四", **{"forbidden_banner_names-0-name": "校园开放周",
                                                                            "forbidden_banner_names-TOTAL_FORMS": "1"})
    assert client.post(EDIT, data).status_code == 302
    programme = Programme.objects.get(code="kaifu-2023")
    assert programme.contact_name == "李四" and programme.forbidden_banner_names[0] == "校园开放日"


def test_an_amendment_is_recorded_and_shown_on_the_programme_page(world, client):
    world.declaration("submitted")
    login(client, world.administrator)
    url = "/programmes/kaifu-2023/amend/banner/"
    editor = opened(client, url)
    assert [s.key for s in editor.sections] == ["banner"]
    data = post_data(editor, **{"forbidden_banner_names-4-name": "校园开放周", "reason": "市政务公开办补充通知",
                                "effective_on": dt.date.today().isoformat()})
    response = client.post(url, data)
    assert response.status_code == 302
    amendment = ProgrammeAmendment.objects.get()
    assert amendment.changes["forbidden_banner_names"][1][-1] == "校园开放周"
    assert AuditEvent.objects.filter(action="amend_programme", reason="市政务公开办补充通知").count() == 1
    login(client, world.operator)  # units read it too
    page = client.get("/programmes/kaifu-2023/").content.decode()
    amendments = page[page.index('id="amendments"'):]
    assert "会标规则" in amendments and "市政务公开办补充通知" in amendments
    assert "校园开放日、司法开放日、警务开放日、政务服务开放日、校园开放周" in amendments


def test_an_amendment_without_a_reason_is_refused_next_to_the_reason(world, client):
    world.declaration("submitted")
    login(client, world.administrator)
    url = "/programmes/kaifu-2023/amend/banner/"
    before = snapshot()
    data = post_data(opened(client, url), **{"forbidden_banner_names-4-name": "校园开放周", "reason": "",
                                             "effective_on": dt.date.today().isoformat()})
    html = client.post(url, data).content.decode()
    reason = html[html.index('id="section-amendment"'):]
    assert "请填写修订理由（将与修订一并公布）。" in reason
    assert snapshot() == before and not ProgrammeAmendment.objects.exists()


# ------------------------------------------------------------------ copy, open, close, current

def test_copy_to_the_next_year_then_open_and_mark_current_with_confirmations(world, client):
    login(client, world.administrator)
    page = client.get("/programmes/kaifu-2023/copy/").content.decode()
    assert 'value="kaifu-2024"' in page and "不会开放申报" in page
    response = client.post("/programmes/kaifu-2023/copy/", {"code": "kaifu-2024", "year": "2024"})
    assert response["Location"] == "/programmes/kaifu-2024/edit/"
    new = Programme.objects.get(code="kaifu-2024")
    assert not new.is_open and new.forms == world.programme.forms

    confirm = client.get("/programmes/kaifu-2024/open/").content.decode()
    assert "确认开放申报" in confirm and "申报截止日期2024年4月3日已过" in confirm
    assert not Programme.objects.get(code="kaifu-2024").is_open  # a GET changes nothing
    assert client.post("/programmes/kaifu-2024/open/")["Location"] == "/programmes/kaifu-2024/"
    assert client.post("/programmes/kaifu-2024/current/")["Location"] == "/programmes/kaifu-2024/"
    new.refresh_from_db()
    assert new.is_open and new.is_current
    assert client.get("/programme/")["Location"] == "/programmes/kaifu-2024/"
    assert list(AuditEvent.objects.filter(programme=new).values_list("action", flat=True).order_by("pk")) == [
        "copy_programme", "open_programme", "mark_current_programme",
    ]
    page = client.get("/programmes/kaifu-2024/").content.decode()
    assert "当前年度" in page and "受理申报中" in page


def test_closing_asks_first_then_stops_new_declarations_and_is_audited(world, client):
    login(client, world.administrator)
    confirm = client.get("/programmes/kaifu-2023/close/").content.decode()
    assert "确认停止受理" in confirm and "停止后，各单位不能再新建申报；已有的申报照常进行。" in confirm
    assert Programme.objects.get(code="kaifu-2023").is_open  # a GET changes nothing
    assert client.post("/programmes/kaifu-2023/close/")["Location"] == "/programmes/kaifu-2023/"
    assert not Programme.objects.get(code="kaifu-2023").is_open
    assert AuditEvent.objects.filter(programme=world.programme, action="close_programme").count() == 1


def test_opening_a_programme_that_cannot_open_says_why(world, client):
    login(client, world.administrator)
    response = client.post("/programmes/hunan-2023/open/")
    assert response.status_code == 200
    assert "本方案不受理本级单位申报（省、市方案仅作为依据），不能开放申报。" in response.content.decode()
    assert not Programme.objects.get(code="hunan-2023").is_open


def test_a_new_programme_from_the_blank_editor(world, client):
    login(client, world.administrator)
    editor = opened(client, "/programmes/new/")
    data = post_data(editor, **{
        "name": "开福区2030年“政务公开主题日”活动实施方案", "code": "kaifu-2030", "issuer": "开福区政务公开办",
        "year": "2030", "declaration_due_date": "2030-04-03", "window_first_month": "4", "window_last_month": "11",
        "forms-0-label": "座谈交流", "focus_topics-0-label": "营商环境", "participant_categories-0-label": "市民群众",
        "publicity_channels-0-label": "政府网站活动专栏",
        "banner_templates-0-template": "【单位名称】【年度】年“政务公开主题日”活动",
        "indicators-0-label": "按时申报", "indicators-0-basis": "declared_on_time", "indicators-0-weight": "100",
    })
    response = client.post("/programmes/new/", data)
    assert response.status_code == 302, response.context["editor"].errors
    created = Programme.objects.get(code="kaifu-2030")
    assert created.forms == [{"code": "form_1", "label": "座谈交流", "requires_any_participant": [], "facts": []}]
    assert not created.is_open and AuditEvent.objects.filter(action="create_programme").exists()


# ------------------------------------------------------------------ the admin

def test_the_admin_sends_programmes_to_the_editor(world, client):
    login(client, world.administrator)
    programme = world.programme
    assert client.get(f"/admin/policies/programme/{programme.pk}/change/")["Location"] == EDIT
    assert client.get("/admin/policies/programme/add/")["Location"] == "/programmes/new/"
    listing = client.get("/admin/policies/programme/").content.decode()
    assert "在编辑器中打开" in listing and EDIT in listing


def test_the_programme_list_marks_the_current_year(world, client):
    ps.programme_copy(programme=world.programme, by=world.administrator)
    login(client, world.operator)
    html = client.get("/programmes/").content.decode()
    assert "kaifu-2024" in html and "未开放申报" in html and "当前年度" in html
    assert "复制为新一年度" not in html


def test_the_office_sets_the_reminder_rules_in_chinese_and_a_bad_one_is_refused_next_to_it(world, client):
    login(client, world.administrator)
    editor = opened(client)
    assert "提醒与办理时限（催报、催办）" in section_html(client.get(EDIT).content.decode(), "reminders")
    response = client.post(EDIT, post_data(editor, declaration_reminder_days="10、5、1", task_reminder_working_days="2"))
    assert response.status_code == 302
    world.programme.refresh_from_db()
    assert (world.programme.declaration_reminder_days, world.programme.task_reminder_working_days) == ([10, 5, 1], 2)
    before = snapshot()
    response = client.post(EDIT, post_data(opened(client), declaration_reminder_days="下周"))
    assert "催报天数须为1至90之间的整数" in section_html(response.content.decode(), "reminders")
    assert snapshot() == before  # nothing saved
