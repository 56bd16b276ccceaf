"""The performance assessment: computed from the audit trail, every point traceable (issue 6)."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies.models import Programme
from policies.rules import SHANGHAI
from tests.factories import BEFORE_DEADLINE, SUMMARY, UnitFactory, content, evidence, person
from units.models import UnitKind
from units.roles import Role
from workflow import services
from workflow.assessment import assess_programme, indicator_scores_for
from workflow.models import AuditEvent, Declaration
from workflow.roles import role_grant

ALL_CATEGORIES = {"npc_deputy": 2, "cppcc_member": 1, "expert": 3, "media": 4, "citizen": 30, "enterprise": 6}
ALL_CHANNELS = [
    {"channel": "news_media", "url": "https://news.example.cn/1", "date": "2023-05-19"},
    {"channel": "gov_website", "url": "https://www.kaifu.gov.cn/a", "date": "2023-05-19"},
    {"channel": "gov_new_media", "url": "https://mp.weixin.qq.com/s/x", "date": "2023-05-20"},
]


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


class Year:
    """A scripted year: each unit's declaration walked through the services with known events."""

    def __init__(self, world):
        self.w = world
        self.people = {world.unit.pk: (world.operator, world.leader), world.other_unit.pk: (world.other_operator, world.other_leader)}

    def unit(self, code: str, name: str, kind=UnitKind.DEPARTMENT):
        unit = UnitFactory(code=code, name=name, short_name="", kind=kind)
        self.people[unit.pk] = (person(f"{code}-op", Role.OPERATOR, unit), person(f"{code}-lead", Role.LEADER, unit))
        return unit

    def declare(self, unit, *, returned: bool = False, submit_at=BEFORE_DEADLINE, **data) -> Declaration:
        op, lead = self.people[unit.pk]
        d = services.declaration_create(programme=self.w.programme, unit=unit, by=op, data=content(self.w.programme, unit, **data))
        d = services.declaration_submit(declaration=d, by=lead, now=submit_at)
        if returned:
            d = services.declaration_return(declaration=d, by=self.w.reviewer, reason="活动简介过于简单，请补充。")
            d = services.declaration_update(declaration=d, by=op, data={"description": "邀请企业代表座谈，逐条解读惠企政策并现场答疑。"})
            d = services.declaration_submit(declaration=d, by=lead, now=submit_at)
        return services.declaration_approve(declaration=d, by=self.w.reviewer)

    def schedule(self) -> None:
        services.schedule_publish(programme=self.w.programme, by=self.w.scheduler)

    def hold(self, d: Declaration, **overrides) -> Declaration:
        op, _ = self.people[d.unit_id]
        d = Declaration.objects.get(pk=d.pk)
        return services.declaration_hold(declaration=d, by=op, evidence=evidence(self.w.programme, d.unit, **overrides))

    def summarize(self, d: Declaration, when: dt.datetime) -> Declaration:
        op, _ = self.people[d.unit_id]
        return services.declaration_summarize(declaration=d, by=op, summary=SUMMARY, now=when)

    def evaluate(self, d: Declaration, quality) -> Declaration:
        return services.declaration_evaluate(declaration=d, by=self.w.assessor, scores={"quality": quality}, comment="组织有序")


@pytest.fixture
def year(world):
    """Five units, each with a known story:

    教育局 — everything right, all channels and categories, exemplary, quality 9/10;
    卫生健康局 — returned once, held in June though scheduled in May, one channel,
      two categories, summary late, quality 6/10;
    文化旅游体育局 — declared within a granted extension, approved, scheduled, not held yet;
    市场监管局 — a draft never submitted; 四方坪街道 — never declared.
    """
    y = Year(world)
    y.culture = y.unit("kf-culture", "开福区文化旅游体育局")
    y.market = y.unit("kf-market", "开福区市场监督管理局")
    y.street = UnitFactory(code="kf-sifangping", name="开福区四方坪街道", short_name="", kind=UnitKind.SUBDISTRICT)

    y.edu = y.declare(world.unit)
    y.health = y.declare(world.other_unit, returned=True)
    services.deadline_extension_grant(programme=world.programme, unit=y.culture, until=dt.date(2023, 4, 10), reason="单位主要负责人调整", by=world.reviewer)
    y.cult = y.declare(y.culture, submit_at=at(2023, 4, 8, 9), month=9)
    services.declaration_create(programme=world.programme, unit=y.market, by=y.people[y.market.pk][0], data=content(world.programme, y.market))
    y.schedule()

    y.edu = y.hold(y.edu, held_on="2023-05-18", participants=ALL_CATEGORIES, publicity=ALL_CHANNELS)
    y.edu = y.summarize(y.edu, at(2023, 5, 25, 16))
    y.edu = services.declaration_mark_exemplary(declaration=y.edu, by=world.scheduler)
    y.edu = y.evaluate(y.edu, 9)

    y.health = y.hold(
        y.health, held_on="2023-06-02", participants={"citizen": 20, "enterprise": 5},
        banner_used="开福区卫生健康局2023年“政务公开主题日”活动暨健康义诊进社区",
    )
    y.health = y.summarize(y.health, at(2023, 6, 30, 10))  # due 2023-06-17: late
    y.health = y.evaluate(y.health, 6)
    return y


def points(row) -> dict[str, Decimal]:
    return {item.code: item.points for item in row.indicators}


def actions(ids) -> list[str]:
    return sorted(AuditEvent.objects.filter(pk__in=ids).values_list("action", flat=True))


# ------------------------------------------------------------------ known year, known scores

def test_a_scripted_year_gives_known_scores_and_ranks(year, programme):
    board = assess_programme(programme)

    assert board.problems == () and board.max_total == 100
    assert [(row.rank, row.unit_name, row.total) for row in board.units] == [
        (1, "开福区教育局", Decimal("98.00")),
        (2, "开福区卫生健康局", Decimal("45.33")),
        (3, "开福区文化旅游体育局", Decimal("20.00")),
        (4, "开福区市场监督管理局", Decimal("0")),  # ties share the rank, by unit code
        (4, "开福区四方坪街道", Decimal("0")),
    ]
    edu, health, culture = board.unit(year.edu.unit_id), board.unit(year.health.unit_id), board.unit(year.culture.pk)
    assert points(edu) == {
        "declared_on_time": 10, "approved_without_return": 10, "held_in_scheduled_month": 10, "banner_compliant": 10,
        "logo_shown": 5, "publicity_channels": 15, "participant_breadth": 10, "summary_on_time": 5, "exemplary": 5,
        "quality": 18,
    }
    assert points(health) == {
        "declared_on_time": 10, "approved_without_return": 0, "held_in_scheduled_month": 0, "banner_compliant": 10,
        "logo_shown": 5, "publicity_channels": 5, "participant_breadth": Decimal("3.33"), "summary_on_time": 0,
        "exemplary": 0, "quality": 12,
    }
    assert points(culture) == {**dict.fromkeys(points(edu), 0), "declared_on_time": 10, "approved_without_return": 10}
    assert health.indicator("held_in_scheduled_month").basis == "计划5月举办，实际举办日期2023-06-02"
    assert health.indicator("participant_breadth").basis == "2/6类人员参与：市民群众、企业"
    assert culture.indicator("declared_on_time").basis.endswith("在批准的延期2023-04-10之前")


def test_units_that_never_declared_or_never_submitted_score_zero_without_showing_the_draft(year, programme):
    board = assess_programme(programme)
    for unit in (year.market, year.street):
        row = board.unit(unit.pk)
        assert (row.total, row.declaration_id, row.state, row.state_label) == (0, None, "", "未申报")
        assert all(item.event_ids == () and item.basis == "未申报" for item in row.indicators)


def test_a_returned_then_approved_declaration_loses_exactly_the_approved_without_return_points(world, programme):
    y = Year(world)
    clean, returned = y.declare(world.unit), y.declare(world.other_unit, returned=True)
    board = assess_programme(programme)
    a, b = board.unit(clean.unit_id), board.unit(returned.unit_id)

    assert a.total - b.total == Decimal("10")  # the weight of 一次审核通过
    assert {code for code in points(a) if points(a)[code] != points(b)[code]} == {"approved_without_return"}
    lost = b.indicator("approved_without_return")
    assert lost.basis == "审核通过前被退回1次"
    assert actions(lost.event_ids) == ["approve", "return"]


def test_a_declaration_returned_twice_names_both_returns(world, programme):
    y = Year(world)
    unit = y.unit("kf-twice", "开福区两次退回局")
    op, lead = y.people[unit.pk]
    twice = services.declaration_create(programme=programme, unit=unit, by=op, data=content(programme, unit))
    for reason in ("请补充活动简介。", "请补充联系人。"):
        twice = services.declaration_submit(declaration=twice, by=lead, now=BEFORE_DEADLINE)
        twice = services.declaration_return(declaration=twice, by=world.reviewer, reason=reason)
    twice = services.declaration_submit(declaration=twice, by=lead, now=BEFORE_DEADLINE)
    twice = services.declaration_approve(declaration=twice, by=world.reviewer)

    lost = assess_programme(programme).unit(unit.pk).indicator("approved_without_return")
    returns = list(AuditEvent.objects.filter(declaration=twice, action="return").order_by("id").values_list("id", flat=True))
    approve = AuditEvent.objects.get(declaration=twice, action="approve").pk
    assert (lost.points, lost.basis) == (0, "审核通过前被退回2次")
    assert lost.event_ids == tuple(sorted((approve, *returns))) and len(returns) == 2


def test_a_resubmitted_declaration_is_on_time_by_its_first_submit_event(world, programme):
    y = Year(world)
    op, lead = y.people[world.unit.pk]
    d = services.declaration_create(programme=programme, unit=world.unit, by=op, data=content(programme, world.unit))
    d = services.declaration_submit(declaration=d, by=lead, now=at(2023, 3, 20, 9, 30))
    d = services.declaration_return(declaration=d, by=world.reviewer, reason="请补充活动简介。")
    d = services.declaration_submit(declaration=d, by=lead, now=at(2023, 4, 1, 15, 0))
    first, again = AuditEvent.objects.filter(declaration=d, action="submit").order_by("seq")

    on_time = assess_programme(programme).unit(world.unit.pk).indicator("declared_on_time")
    assert (on_time.points, on_time.event_ids) == (10, (first.pk,)) and again.pk > first.pk
    assert on_time.basis == "首次报送于2023-03-20 09:30，截止日期2023-04-03"  # Beijing time of the first submit


def test_an_exemplary_mark_withdrawn_and_given_again_cites_the_last_mark(world, programme):
    y = Year(world)
    d = y.declare(world.unit)
    y.schedule()
    d = y.summarize(y.hold(d), at(2023, 5, 25, 16))
    for exemplary in (True, False, True):
        d = services.declaration_mark_exemplary(declaration=d, by=world.scheduler, exemplary=exemplary)
    marks = list(AuditEvent.objects.filter(declaration=d, action="mark_exemplary").order_by("seq").values_list("pk", flat=True))

    cell = assess_programme(programme).unit(world.unit.pk).indicator("exemplary")
    assert len(marks) == 3 and (cell.points, cell.event_ids, cell.basis) == (5, (marks[-1],), "被认定为典型经验")


def test_a_rescheduled_activity_held_in_its_new_month_scores_on_the_reschedule_event(world, programme):
    y = Year(world)
    moved, kept = y.declare(world.unit), y.declare(world.other_unit)
    y.schedule()  # both in May (the declared month)
    moved = services.declaration_reschedule(declaration=Declaration.objects.get(pk=moved.pk), by=world.scheduler,
                                            month=6, reason="与区人大视察活动时间冲突")
    moved = y.hold(moved, held_on="2023-06-08")
    kept = y.hold(kept, held_on="2023-06-08")  # not moved: June is outside its month
    board = assess_programme(programme)

    on_time = board.unit(moved.unit_id).indicator("held_in_scheduled_month")
    late = board.unit(kept.unit_id).indicator("held_in_scheduled_month")
    assert (on_time.points, on_time.basis) == (10, "计划6月举办，实际举办日期2023-06-08")
    assert actions(on_time.event_ids) == ["hold", "reschedule"]  # the reschedule, not the first schedule
    assert (late.points, late.basis) == (0, "计划5月举办，实际举办日期2023-06-08")
    assert actions(late.event_ids) == ["hold", "schedule"]


def test_a_late_summary_loses_exactly_the_summary_on_time_points(world, programme):
    y = Year(world)
    on_time, late = y.declare(world.unit), y.declare(world.other_unit)
    y.schedule()
    on_time, late = y.hold(on_time), y.hold(late)  # both held 2023-05-18; due 2023-06-02
    y.summarize(on_time, at(2023, 6, 2, 23, 59))  # the last day still counts
    y.summarize(late, at(2023, 6, 3, 0, 1))
    board = assess_programme(programme)
    a, b = board.unit(on_time.unit_id), board.unit(late.unit_id)

    assert a.total - b.total == Decimal("5")
    assert {code for code in points(a) if points(a)[code] != points(b)[code]} == {"summary_on_time"}
    assert b.indicator("summary_on_time").basis == "2023-05-18举办，2023-06-03总结（期限2023-06-02）"
    assert actions(b.indicator("summary_on_time").event_ids) == ["hold", "summarize"]


# ------------------------------------------------------------------ traceable, deterministic, data-driven

def test_every_point_stands_on_existing_events_of_that_unit(year, programme):
    board = assess_programme(programme)
    expected_actions = {
        "declared_on_time": {"submit", "grant_extension"}, "approved_without_return": {"approve", "return"},
        "held_in_scheduled_month": {"schedule", "reschedule", "hold"}, "banner_compliant": {"hold"},
        "logo_shown": {"hold"}, "publicity_channels": {"hold"}, "participant_breadth": {"hold"},
        "summary_on_time": {"hold", "summarize"}, "exemplary": {"mark_exemplary"}, "quality": {"evaluate"},
    }
    for row in board.units:
        for item in row.indicators:
            if item.points:
                assert item.event_ids, (row.unit_name, item.code)
            events = list(AuditEvent.objects.filter(pk__in=item.event_ids).values("unit_id", "action"))
            assert len(events) == len(item.event_ids)
            assert {e["unit_id"] for e in events} <= {row.unit_id}
            assert {e["action"] for e in events} <= expected_actions[item.code]
    culture = board.unit(year.culture.pk).indicator("declared_on_time")
    assert actions(culture.event_ids) == ["grant_extension", "submit"]


def test_recomputing_gives_identical_results(year, programme, tmp_path):
    first = assess_programme(programme)
    call_command("assess", programme.code, json=str(tmp_path / "a.json"), stdout=io.StringIO())  # an export event meanwhile
    second = assess_programme(Programme.objects.get(pk=programme.pk))
    assert second == first and second.digest() == first.digest()
    assert indicator_scores_for(year.edu) == first.unit(year.edu.unit_id).indicators


def test_changing_a_weight_changes_the_scores_exactly_as_the_weights_say(year, programme):
    before = {row.unit_id: row.total for row in assess_programme(programme).units}
    scheme = copy.deepcopy(programme.assessment_scheme)
    for indicator in scheme["indicators"]:
        if indicator["code"] == "quality":
            indicator["weight"] = 30
        if indicator["code"] == "publicity_channels":
            indicator["weight"] = 12
    programme.assessment_scheme = scheme
    programme.save(update_fields=["assessment_scheme"])
    board = assess_programme(programme)

    assert board.max_total == 107
    after = {row.unit_id: row.total for row in board.units}
    # 教育局: quality 9/10 of 30 (+9), all channels of 12 (−3); 卫生健康局: 6/10 of 30 (+6), 1/3 of 12 (−1)
    assert after[year.edu.unit_id] - before[year.edu.unit_id] == Decimal("6")
    assert after[year.health.unit_id] - before[year.health.unit_id] == Decimal("5")
    assert after[year.culture.pk] == before[year.culture.pk]


def test_an_unknown_indicator_in_the_scheme_is_reported_not_crashed_on(year, programme):
    programme.assessment_scheme = {"indicators": [
        *programme.assessment_scheme["indicators"],
        {"code": "media_coverage_2024", "label": "媒体报道量", "weight": 10, "kind": "auto"},
    ]}
    board = assess_programme(programme)
    assert board.problems == ("考核指标“媒体报道量”（media_coverage_2024）没有对应的计算规则，未计分。",)
    assert board.max_total == 100
    edu = board.unit(year.edu.unit_id)
    assert edu.total == Decimal("98.00") and edu.indicator("media_coverage_2024").points == 0


# ------------------------------------------------------------------ fixed query count

def test_the_scoreboard_costs_the_same_queries_for_2_and_for_20_units(world, programme, django_assert_num_queries):
    y = Year(world)
    leader = person("many-lead", Role.LEADER, world.unit)

    def add_units(start: int, stop: int) -> None:
        for i in range(start, stop):
            unit = UnitFactory(code=f"kf-q{i:02d}", name=f"开福区测试单位{i:02d}", short_name="")
            role_grant(user=leader, role=Role.LEADER, unit=unit, by=world.administrator)
            y.people[unit.pk] = (leader, leader)
            d = y.declare(unit, returned=(i % 3 == 0))
            if i % 2 == 0:
                services.schedule_publish(programme=programme, by=world.scheduler, months={d.pk: 5})
                y.hold(d)

    add_units(0, 2)
    with CaptureQueriesContext(connection) as two:
        small = assess_programme(programme)
    add_units(2, 20)
    with django_assert_num_queries(len(two.captured_queries)):
        large = assess_programme(programme)

    assert len(two.captured_queries) == 4  # units with their extensions, declarations, events by action, return ids
    assert (len(small.units), len(large.units)) == (2 + 2, 20 + 2)  # plus the world's two units, not declared
    assert [large.unit(row.unit_id).total for row in small.units] == [row.total for row in small.units]
    # kf-q00, held, returned once: 10 on time + 10 month + 10 banner + 5 LOGO + 1/3 of 15 + 2/6 of 10
    assert large.unit(small.units[0].unit_id).total == Decimal("43.33")


# ------------------------------------------------------------------ manage.py assess

def test_assess_prints_a_chinese_table_and_stays_read_only(year, programme):
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("assess", "kaifu-2023", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    assert "满分100分，共5个单位" in lines[0]
    assert lines[2].split()[:5] == ["排名", "单位", "状态", "总分", "按时申报(10)"]
    assert "活动质量与实效（评估打分）(20)" in lines[2]
    assert lines[4].split() == ["1", "开福区教育局", "已评估", "98", "10", "10", "10", "10", "5", "15", "10", "5", "5", "18"]
    assert lines[5].split()[:4] == ["2", "开福区卫生健康局", "已评估", "45.33"]
    assert lines[8].split()[:4] == ["4", "开福区四方坪街道", "未申报", "0"]
    assert AuditEvent.objects.count() == events


def test_assess_json_writes_points_and_event_ids_and_audits_the_export(year, programme, tmp_path, world):
    target = tmp_path / "kaifu.json"
    call_command("assess", "kaifu-2023", json=str(target), by="assessor", stdout=io.StringIO())
    data = json.loads(target.read_text(encoding="utf-8"))

    assert data["programme"]["code"] == "kaifu-2023" and data["max_total"] == 100
    top = data["units"][0]
    assert (top["rank"], top["unit"]["code"], top["total"]) == (1, "kf-edu", 98)
    quality = next(i for i in top["indicators"] if i["code"] == "quality")
    assert (quality["points"], quality["fraction"], actions(quality["event_ids"])) == (18, 0.9, ["evaluate"])
    assert data["units"][1]["total"] == 45.33

    export = AuditEvent.objects.get(action="export")
    assert (export.declaration_id, export.programme_id, export.actor_id) == (None, programme.pk, world.assessor.pk)
    assert export.changed["target"] == str(target) and export.changed["units"] == 5
    assert export.changed["digest"] == assess_programme(programme).digest()


def test_assess_json_to_stdout_is_pure_json(year, programme):
    out = io.StringIO()
    call_command("assess", "kaifu-2023", json="-", stdout=out)
    data = json.loads(out.getvalue())
    assert [u["unit"]["code"] for u in data["units"]] == ["kf-edu", "kf-health", "kf-culture", "kf-market", "kf-sifangping"]
    assert AuditEvent.objects.filter(action="export", changed__target="stdout").count() == 1


def test_assess_unknown_programme_names_the_known_codes(programme):
    with pytest.raises(CommandError, match="未找到实施方案“kaifu-2099”。可用的方案代码：changsha-2023、hunan-2023、kaifu-2023"):
        call_command("assess", "kaifu-2099")
