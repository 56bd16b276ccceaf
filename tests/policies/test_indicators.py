"""The indicator rules over plain facts: no database, no workflow (policies.indicators)."""
from __future__ import annotations

import datetime as dt
from collections import namedtuple
from decimal import Decimal
from fractions import Fraction

from policies import indicators
from policies.indicators import Context, Facts, Indicator
from policies.models import Programme
from policies.rules import SHANGHAI

UnitRow = namedtuple("UnitRow", "id code name short_name extension_until extension_event_id")
UNIT = UnitRow(1, "kf-edu", "开福区教育局", "区教育局", None, None)
PROGRAMME = Programme(
    year=2023, declaration_due_date=dt.date(2023, 4, 3), summary_due_days=15,
    publicity_channels=[{"code": "news_media", "label": "新闻媒体"}, {"code": "gov_website", "label": "政府网站"}],
    participant_categories=[{"code": "citizen", "label": "市民群众"}, {"code": "expert", "label": "专家学者"},
                            {"code": "media", "label": "新闻媒体"}, {"code": "enterprise", "label": "企业"}],
    banner_templates=["{unit}{year}年“政务公开主题日”活动"], forbidden_banner_names=["校园开放日"],
)


def context(code: str, **indicator) -> Context:
    item = Indicator(code=code, label=code, weight=Decimal("10"), kind=indicator.get("kind", "auto"), max=indicator.get("max"))
    return Context(programme=PROGRAMME, indicator=item, banner_rule=PROGRAMME.banner_rule)


def held(**declaration) -> Facts:
    row = {"held_on": dt.date(2023, 5, 18), "scheduled_month": 5, "banner_used": "开福区教育局2023年“政务公开主题日”活动",
           "logo_shown": True, "publicity": [], "participants": {}, "summarized_at": None, "exemplary": False, "scores": {}}
    return Facts(unit=UNIT, declaration={**row, **declaration}, events={"hold_id": 7, "schedule_id": 5})


def test_on_time_before_the_end_of_the_due_day_in_beijing_time_and_late_after_it():
    on_time = Facts(UNIT, {"held_on": None}, {"first_submit_at": dt.datetime(2023, 4, 3, 23, 59, tzinfo=SHANGHAI), "first_submit_id": 3})
    late = Facts(UNIT, {"held_on": None}, {"first_submit_at": dt.datetime(2023, 4, 4, 0, 1, tzinfo=SHANGHAI), "first_submit_id": 3})
    assert indicators.declared_on_time(on_time, context("declared_on_time"))[:2] == (Fraction(1), (3,))
    fraction, event_ids, basis = indicators.declared_on_time(late, context("declared_on_time"))
    assert fraction == 0 and event_ids == (3,) and "晚于截止日期2023-04-03" in basis


def test_an_extension_makes_a_late_submission_on_time_and_names_the_extension_event():
    unit = UNIT._replace(extension_until=dt.date(2023, 4, 10), extension_event_id=2)
    facts = Facts(unit, {"held_on": None}, {"first_submit_at": dt.datetime(2023, 4, 8, 9, tzinfo=SHANGHAI), "first_submit_id": 3})
    assert indicators.declared_on_time(facts, context("declared_on_time"))[:2] == (Fraction(1), (3, 2))


def test_a_return_before_approval_costs_the_indicator_and_names_both_events():
    facts = Facts(UNIT, {"held_on": None}, {"approve_id": 9, "return_ids": "4,6"})
    fraction, event_ids, basis = indicators.approved_without_return(facts, context("approved_without_return"))
    assert fraction == 0 and event_ids == (4, 6, 9) and basis == "审核通过前被退回2次"


def test_publicity_and_participants_earn_their_share_of_the_programmes_lists():
    facts = held(publicity=[{"channel": "news_media"}], participants={"citizen": 20, "expert": 0, "media": 2})
    assert indicators.publicity_channels(facts, context("publicity_channels"))[0] == Fraction(1, 2)
    assert indicators.participant_breadth(facts, context("participant_breadth"))[0] == Fraction(2, 4)


def test_a_forbidden_banner_and_a_missing_logo_score_nothing():
    facts = held(banner_used="开福区教育局校园开放日", logo_shown=False)
    assert indicators.banner_compliant(facts, context("banner_compliant"))[0] == 0
    assert indicators.logo_shown(facts, context("logo_shown"))[:2] == (Fraction(0), (7,))


def test_held_outside_the_scheduled_month_and_a_late_summary():
    facts = held(held_on=dt.date(2023, 6, 2), summarized_at=dt.datetime(2023, 6, 30, 9, tzinfo=SHANGHAI))
    facts.events["summarize_id"] = 8
    assert indicators.held_in_scheduled_month(facts, context("held_in_scheduled_month"))[0] == 0
    fraction, event_ids, basis = indicators.summary_on_time(facts, context("summary_on_time"))
    assert fraction == 0 and event_ids == (7, 8) and "期限2023-06-17" in basis


def test_a_manual_score_is_its_share_of_the_indicators_full_marks():
    facts = held(scores={"quality": 7.5})
    facts.events["evaluate_id"] = 11
    outcome = indicators.manual_score(facts, context("quality", kind="manual", max=Decimal("10")))
    assert outcome == (Fraction(3, 4), (11,), "评估打分7.5/10")
    assert indicators.points(Decimal("20"), outcome[0]) == Decimal("15.00")


def test_the_scheme_reports_what_it_cannot_score_instead_of_failing():
    programme = Programme(year=2023, assessment_scheme={"indicators": [
        {"code": "declared_on_time", "label": "按时申报", "weight": 10},
        {"code": "no_such_rule", "label": "未知", "weight": 5},
        {"code": "quality", "label": "质量", "weight": 20, "kind": "manual"},
        {"code": "declared_on_time", "label": "重复", "weight": 1},
    ]})
    found, problems = indicators.scheme_indicators(programme)
    assert [(i.code, i.known) for i in found] == [("declared_on_time", True), ("no_such_rule", False), ("quality", False)]
    assert len(problems) == 3 and any("重复" in p for p in problems) and any("满分" in p for p in problems)
