"""Setting up a year through the programme services (issue 22): copy to next year, edit,
amend, open, close, mark current. Each change is audited; each refusal is Chinese, next
to its field, with nothing saved; rules that decided a submitted declaration only change
by a dated, audited amendment."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies import programme_data as data
from policies.indicators import AUTOMATIC_INDICATORS, RULES
from policies.models import Programme, ProgrammeAmendment
from policies.selectors import current_programme, programme_amendments
from tests.factories import content
from workflow import programme_services as ps
from workflow import services
from workflow.errors import PermissionRefused, RuleViolation, TransitionConflict
from workflow.models import AuditEvent, Declaration
from workflow.trail.verify import verify

TODAY = dt.date(2024, 5, 6)


def stored(programme: Programme) -> dict:
    """What a user would notice changing: the programme's values and flags, and the audit trail's length."""
    fresh = Programme.objects.get(pk=programme.pk)
    return {**data.normalized(data.values_of(fresh)), "open": fresh.is_open, "current": fresh.is_current,
            "events": AuditEvent.objects.count(), "programmes": Programme.objects.count()}


def refused(call, *, field: str, message: str):
    with pytest.raises(RuleViolation) as info:
        call()
    assert message in info.value.by_field().get(field, []), info.value.by_field()


@pytest.fixture
def year_2024(world):
    return ps.programme_copy(programme=world.programme, by=world.administrator)


def test_the_automatic_indicators_the_editor_offers_are_the_ones_the_assessment_computes():
    assert set(AUTOMATIC_INDICATORS) == set(RULES)


# ------------------------------------------------------------------ copy

def test_copying_2023_makes_2024_with_every_rule_dates_moved_and_not_open(world):
    old = world.programme
    new = ps.programme_copy(programme=old, by=world.administrator)
    assert (new.code, new.year, new.name) == ("kaifu-2024", 2024, "开福区2024年“政务公开主题日”活动实施方案")
    assert (new.declaration_due_date, new.issued_on) == (dt.date(2024, 4, 3), dt.date(2024, 3, 28))
    assert new.parent == old.parent and new.document_number == ""
    assert not new.is_open and not new.is_current and new.results_released_at is None
    for name in ("forms", "focus_topics", "banner_templates", "forbidden_banner_names", "participant_categories",
                 "publicity_channels", "assessment_scheme", "clauses", "contact_name", "contact_phone", "summary_due_days"):
        assert getattr(new, name) == getattr(old, name), name
    event = AuditEvent.objects.get(action="copy_programme")
    assert (event.actor, event.programme, event.changed["copied_from"]) == (world.administrator, new, "kaifu-2023")
    assert current_programme() == old  # 2024 is not open: the navigation stays on 2023
    assert verify().ok


def test_copying_twice_into_the_same_year_is_refused_in_chinese(world, year_2024):
    before = Programme.objects.count()
    refused(lambda: ps.programme_copy(programme=world.programme, by=world.administrator),
            field="code", message="已有代码为“kaifu-2024”的实施方案，请换一个代码。")
    assert Programme.objects.count() == before
    for year in (2023, 10**9):
        refused(lambda year=year: ps.programme_copy(programme=world.programme, by=world.administrator, year=year),
                field="year", message="新年度须晚于2023年，且不晚于2100年。")
    later = ps.programme_copy(programme=world.programme, by=world.administrator, code="kaifu-2025", year=2025)
    assert (later.year, later.declaration_due_date) == (2025, dt.date(2025, 4, 3))


@pytest.mark.parametrize("who", ["operator", "leader", "reviewer", "scheduler", "assessor"])
def test_only_an_administrator_sets_up_programmes(world, who):
    before = stored(world.programme)
    person = getattr(world, who)
    for call in (
        lambda: ps.programme_copy(programme=world.programme, by=person),
        lambda: ps.programme_update(programme=world.programme, by=person, values={"contact_name": "某人"}),
        lambda: ps.programme_close(programme=world.programme, by=person),
    ):
        with pytest.raises(PermissionRefused, match="只有系统管理员可以设置实施方案"):
            call()
    assert stored(world.programme) == before


# ------------------------------------------------------------------ edit, and each refusal with nothing saved

def test_an_edit_is_saved_and_audited_with_old_and_new_values(world, year_2024):
    names = ["校园开放周", *year_2024.forbidden_banner_names[1:]]
    ps.programme_update(programme=year_2024, by=world.administrator, values={"forbidden_banner_names": names})
    year_2024.refresh_from_db()
    assert year_2024.forbidden_banner_names[0] == "校园开放周"
    event = AuditEvent.objects.filter(action="edit_programme").get()
    assert event.programme == year_2024 and event.changed == {
        "forbidden_banner_names": [["校园开放日", "司法开放日", "警务开放日", "政务服务开放日"], names],
    }


def test_an_edit_that_changes_nothing_writes_nothing(world):
    before = stored(world.programme)
    ps.programme_update(programme=world.programme, by=world.administrator, values={"contact_name": "余妙"})
    assert stored(world.programme) == before


def _indicators(programme, **change):
    items = [dict(i) for i in programme.assessment_scheme["indicators"]]
    position = change.pop("at")
    items[position].update(change)
    return items


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"window_first_month": 0}, "window_first_month", "活动起始月份须在1至12月之间，0不是月份。"),
    ({"window_last_month": 13}, "window_last_month", "活动结束月份须在1至12月之间，13不是月份。"),
    ({"declaration_due_date": dt.date(2024, 12, 1)}, "declaration_due_date",
     "申报截止日期（2024年12月1日）晚于活动开始的2024年4月：各单位须在活动开展前申报，截止日期最迟为2024年4月30日。"),
    ("weights", "indicators", "各项考核指标的权重合计须为100分，目前合计90分。"),
    ("indicator_label", "indicators.2.label", "第2项考核指标：请填写指标名称。"),
    ("form_label", "forms.3.label", "第3项活动形式：请填写名称。"),
    ("duplicate_topic", "focus_topics.2.code", "第2项重点主题：代码“reform_opening”与第1项重复，每项代码须唯一。"),
])
def test_each_rule_refuses_in_chinese_next_to_its_field_and_saves_nothing(world, year_2024, values, field, message):
    if values == "weights":
        values = {"indicators": _indicators(year_2024, at=0, weight=0)}
    elif values == "indicator_label":
        values = {"indicators": _indicators(year_2024, at=1, label="")}
    elif values == "form_label":
        values = {"forms": [dict(f) for f in year_2024.forms]}
        values["forms"][2]["label"] = ""
    elif values == "duplicate_topic":
        values = {"focus_topics": [dict(t) for t in year_2024.focus_topics]}
        values["focus_topics"][1]["code"] = "reform_opening"
    before = stored(year_2024)
    refused(lambda: ps.programme_update(programme=year_2024, by=world.administrator, values=values), field=field, message=message)
    assert stored(year_2024) == before


def test_a_parent_that_does_not_exist_or_makes_a_loop_is_refused(world, year_2024):
    refused(lambda: ps.programme_update(programme=year_2024, by=world.administrator, values={"parent": "nowhere"}),
            field="parent", message="未找到代码为“nowhere”的上级方案。")
    refused(lambda: ps.programme_update(programme=world.programme.parent, by=world.administrator, values={"parent": "kaifu-2024"}),
            field="parent", message="上级方案不能是本方案或本方案的下级方案。")


def test_a_focus_topic_a_declaration_chose_cannot_be_removed(world):
    world.declaration("drafted")  # chose business_environment
    topics = [t for t in world.programme.focus_topics if t["code"] != "business_environment"]
    refused(lambda: ps.programme_update(programme=world.programme, by=world.administrator, values={"focus_topics": topics}),
            field="focus_topics", message="已有单位的申报选用了重点主题“营商环境”，不能删除（可以修改名称）。")


# ------------------------------------------------------------------ rules don't change under people's feet

def test_once_a_unit_submitted_the_deciding_rules_cannot_be_edited_in_place(world):
    world.declaration("submitted")
    before = stored(world.programme)
    p = world.programme
    for values, field in (
        ({"forbidden_banner_names": ["校园开放周"]}, "forbidden_banner_names"),
        ({"window_last_month": 10}, "window_last_month"),
        ({"indicators": _indicators(p, at=0, label="按时报送")}, "indicators"),
        ({"forms": [{**f, "label": f["label"] + "活动"} for f in p.forms]}, "forms"),
        ({"year": 2024}, "year"),
    ):
        with pytest.raises(RuleViolation) as info:
            ps.programme_update(programme=p, by=world.administrator, values=values)
        [message] = info.value.by_field()[field]
        assert message.startswith("已有单位报送申报") and "请通过“规则修订”提出修改" in message
    assert stored(p) == before
    # what did not decide any declaration is still edited in place
    ps.programme_update(programme=p, by=world.administrator, values={"contact_name": "李四"})
    assert Programme.objects.get(pk=p.pk).contact_name == "李四"


def test_a_withdrawn_declaration_was_still_submitted_under_these_rules(world):
    d = world.declaration("submitted")
    services.declaration_withdraw(declaration=d, by=world.leader, reason="补充材料")
    assert ps.has_submissions(world.programme)


def test_an_amendment_is_dated_audited_applied_and_listed_in_chinese(world):
    world.declaration("submitted")
    p = world.programme
    names = ["校园开放周", *p.forbidden_banner_names[1:]]
    amendment = ps.programme_amend(
        programme=p, by=world.administrator, rule="banner", values={"forbidden_banner_names": names},
        reason="市里通知增加“校园开放周”", effective_on=dt.date(2023, 5, 6), today=dt.date(2023, 5, 6),
    )
    p.refresh_from_db()
    assert p.forbidden_banner_names == names
    assert (amendment.rule, amendment.effective_on, amendment.made_by) == ("banner", dt.date(2023, 5, 6), world.administrator)
    event = AuditEvent.objects.get(action="amend_programme")
    assert event.reason == "市里通知增加“校园开放周”" and event.programme == p
    assert event.changed["forbidden_banner_names"][1] == names and event.changed["amendment"] == amendment.pk
    [shown] = programme_amendments(p)
    assert (shown.rule_label, shown.reason, shown.made_by) == ("会标规则", "市里通知增加“校园开放周”", world.administrator.first_name)
    assert [(c.label, c.old, c.new) for c in shown.changes] == [
        ("会标禁用名称", "校园开放日、司法开放日、警务开放日、政务服务开放日", "校园开放周、司法开放日、警务开放日、政务服务开放日"),
    ]
    assert programme_amendments("kaifu-2023") == [shown]  # the public column reads by code
    # the amended rule applies from now on
    problems = services.content_problems(p, world.other_unit, {"banner": "开福区卫生健康局2023年校园开放周"})
    assert [pr.code for pr in problems] == ["banner_forbidden_name"]
    assert verify().ok


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"reason": " "}, "reason", "请填写修订理由（将与修订一并公布）。"),
    ({"effective_on": None}, "effective_on", "请填写生效日期。"),
    ({"effective_on": dt.date(2024, 5, 7)}, "effective_on", "修订自记录之时起执行，生效日期不能晚于今天（2024年5月6日）。"),
    ({"values": {"contact_name": "李四"}}, "contact_name", "规则修订“会标规则”不包括这一项。"),
    ({"values": {"forbidden_banner_names": ["校园开放日", "司法开放日", "警务开放日", "政务服务开放日"]}}, "__all__",
     "“会标规则”没有任何改动，无需修订。"),
    ({"values": {"banner_templates": ["{year}年活动"]}}, "banner_templates.1", "第1个会标模板须包含【单位名称】。"),
])
def test_an_amendment_without_a_reason_date_or_change_is_refused_and_saves_nothing(world, kwargs, field, message):
    world.declaration("submitted")
    before = stored(world.programme)
    call = {"programme": world.programme, "by": world.administrator, "rule": "banner", "values": {"forbidden_banner_names": ["校园开放周"]},
            "reason": "市里通知", "effective_on": TODAY, "today": TODAY, **kwargs}
    refused(lambda: ps.programme_amend(**call), field=field, message=message)
    assert stored(world.programme) == before and not ProgrammeAmendment.objects.exists()


# ------------------------------------------------------------------ open, close, current

def test_opening_the_new_year_lets_a_unit_declare_under_its_rules(world, year_2024):
    names = ["校园开放周", *year_2024.forbidden_banner_names[1:]]
    ps.programme_update(programme=year_2024, by=world.administrator, values={"forbidden_banner_names": names})
    with pytest.raises(RuleViolation, match="当前不受理申报"):
        services.declaration_create(programme=year_2024, unit=world.unit, by=world.operator, data={})
    year_2024 = ps.programme_open(programme=year_2024, by=world.administrator)
    assert current_programme() == year_2024  # the latest open year, until one is marked current
    with pytest.raises(RuleViolation) as info:
        services.declaration_create(programme=year_2024, unit=world.unit, by=world.operator,
                                    data={"banner": "开福区教育局2024年校园开放周"})
    assert "会标不得冠以“校园开放周”等名称" in info.value.message and "开福区教育局2024年“政务公开主题日”活动" in info.value.message
    d = services.declaration_create(programme=year_2024, unit=world.unit, by=world.operator, data=content(year_2024, world.unit))
    assert d.banner == "开福区教育局2024年“政务公开主题日”活动"
    assert [e.action for e in AuditEvent.objects.filter(programme=year_2024).order_by("pk")] == [
        "copy_programme", "edit_programme", "open_programme", "create",
    ]


def test_open_close_and_current_are_audited_and_a_repeat_is_a_conflict(world, year_2024):
    with pytest.raises(TransitionConflict, match="已在受理申报"):
        ps.programme_open(programme=world.programme, by=world.administrator)
    ps.programme_close(programme=world.programme, by=world.administrator)
    with pytest.raises(TransitionConflict, match="已停止受理申报"):
        ps.programme_close(programme=world.programme, by=world.administrator)
    ps.programme_mark_current(programme=world.programme, by=world.administrator)
    ps.programme_mark_current(programme=year_2024, by=world.administrator)
    assert list(Programme.objects.filter(is_current=True)) == [year_2024] and current_programme() == year_2024
    with pytest.raises(TransitionConflict, match="已是当前年度"):
        ps.programme_mark_current(programme=year_2024, by=world.administrator)
    events = AuditEvent.objects.filter(action__in=["close_programme", "mark_current_programme"]).order_by("pk")
    assert [(e.action, e.programme.code) for e in events] == [
        ("close_programme", "kaifu-2023"), ("mark_current_programme", "kaifu-2023"), ("mark_current_programme", "kaifu-2024"),
    ]
    assert events.last().changed["previous"] == ["kaifu-2023"]


def test_a_programme_that_is_only_a_basis_cannot_open_or_be_current(world):
    province = Programme.objects.get(code="hunan-2023")
    refused(lambda: ps.programme_open(programme=province, by=world.administrator),
            field="accepts_declarations", message="本方案不受理本级单位申报（省、市方案仅作为依据），不能开放申报。")
    with pytest.raises(RuleViolation, match="不能设为当前年度"):
        ps.programme_mark_current(programme=province, by=world.administrator)
    assert not Programme.objects.get(pk=province.pk).is_open


def test_a_new_programme_from_values_starts_closed(world):
    values = {**data.values_of(world.programme), "code": "kaifu-2030", "year": 2030, "issued_on": None,
              "declaration_due_date": dt.date(2030, 4, 3)}
    values["focus_topics"] = values["focus_topics"] + [{"code": "", "label": "数字政府"}]
    created = ps.programme_create(values=values, by=world.administrator)
    assert not created.is_open and created.focus_topics[-1] == {"code": "topic_1", "label": "数字政府"}
    assert AuditEvent.objects.filter(action="create_programme", programme=created).exists()


@pytest.mark.postgres
def test_the_freeze_check_locks_the_declarations_so_no_submit_slips_under_the_old_rules(world):
    """The check reads the declarations with FOR UPDATE: a submit (which locks its row first)
    either committed before, and is seen, or waits until the new rules are in place."""
    world.declaration("drafted")
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(RuleViolation):
            ps.programme_update(programme=world.programme, by=world.administrator,
                                values={"forbidden_banner_names": ["校园开放周"], "contact_phone": "bad"})
        ps.programme_update(programme=world.programme, by=world.administrator, values={"forbidden_banner_names": ["校园开放周"]})
    locks = [q["sql"] for q in queries if 'FROM "workflow_declaration"' in q["sql"] and "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert Declaration.objects.get().programme.forbidden_banner_names == ["校园开放周"]
