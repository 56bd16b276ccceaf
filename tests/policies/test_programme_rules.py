"""The programme editor's rules, on plain values (no database): each refusal names its
place and says in Chinese what is wrong; the real Kaifu programme passes."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from policies import programme_data as data
from policies.programme_rules import banner_preview, check_programme, check_ready_to_open

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "programmes-2023.json"


def kaifu_values() -> dict:
    """The Kaifu 2023 programme as the editor's values, straight from the fixture."""
    fields = next(row["fields"] for row in json.loads(FIXTURE.read_text()) if row["fields"]["code"] == "kaifu-2023")
    values = {name: copy.deepcopy(fields.get(name)) for name in data.VALUE_FIELDS if name in fields}
    values["indicators"] = fields["assessment_scheme"]["indicators"]
    values["parent"] = "changsha-2023"
    for name in data.DATE_FIELDS:
        values[name] = dt.date.fromisoformat(fields[name])
    return values


def problems_of(values: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in check_programme(values):
        found.setdefault(problem.field, []).append(problem.message)
    return found


def test_the_kaifu_programme_passes_every_rule_and_may_open():
    assert check_programme(kaifu_values()) == []
    assert check_ready_to_open(kaifu_values()) == []


# ---------------------------------------------------------------- the cases, each with its Chinese message

@pytest.mark.parametrize(("name", "month", "message"), [
    ("window_first_month", 0, "活动起始月份须在1至12月之间，0不是月份。"),
    ("window_last_month", 13, "活动结束月份须在1至12月之间，13不是月份。"),
])
def test_a_window_month_outside_1_to_12_is_refused(name, month, message):
    values = {**kaifu_values(), name: month}
    assert problems_of(values) == {name: [message]}


def test_a_window_that_ends_before_it_starts_is_refused():
    values = {**kaifu_values(), "window_first_month": 9, "window_last_month": 5}
    assert problems_of(values)["window_last_month"] == ["活动结束月份（5月）不能早于起始月份（9月）。"]


def test_a_deadline_after_the_window_starts_is_refused_with_the_latest_allowed_day():
    values = {**kaifu_values(), "declaration_due_date": dt.date(2023, 12, 1)}
    assert problems_of(values) == {"declaration_due_date": [
        "申报截止日期（2023年12月1日）晚于活动开始的2023年4月：各单位须在活动开展前申报，截止日期最迟为2023年4月30日。",
    ]}
    # the notice's own deadline (3 April, activities from April) is fine
    assert problems_of({**kaifu_values(), "declaration_due_date": dt.date(2023, 4, 30)}) == {}


def test_a_deadline_in_another_year_is_refused():
    values = {**kaifu_values(), "declaration_due_date": dt.date(2021, 4, 3)}
    assert problems_of(values) == {"declaration_due_date": ["申报截止日期应在2022年或2023年内。"]}


def test_weights_that_do_not_add_up_to_100_are_refused_with_the_sum():
    values = kaifu_values()
    values["indicators"][0]["weight"] = 5
    assert problems_of(values) == {"indicators": ["各项考核指标的权重合计须为100分，目前合计95分。"]}
    values["indicators"][0]["weight"] = 10.5
    assert problems_of(values) == {"indicators": ["各项考核指标的权重合计须为100分，目前合计100.5分。"]}


def test_an_indicator_without_a_label_is_refused():
    values = kaifu_values()
    values["indicators"][2]["label"] = "  "
    assert problems_of(values) == {"indicators.3.label": ["第3项考核指标：请填写指标名称。"]}


def test_a_form_without_a_label_is_refused():
    values = kaifu_values()
    values["forms"][1]["label"] = ""
    assert problems_of(values) == {"forms.2.label": ["第2项活动形式：请填写名称。"]}


def test_a_fact_without_a_label_is_refused_at_its_place_in_its_form():
    values = kaifu_values()
    values["forms"][3]["facts"][1]["label"] = ""
    assert problems_of(values) == {"forms.4.facts.2.label": ["第4项活动形式（政策发布）的第2个登记事项：请填写名称。"]}


@pytest.mark.parametrize(("name", "field", "message"), [
    ("focus_topics", "focus_topics.2.code", "第2项重点主题：代码“reform_opening”与第1项重复，每项代码须唯一。"),
    ("participant_categories", "participant_categories.6.code", "第6项参与人员类别：代码“citizen”与第5项重复，每项代码须唯一。"),
    ("publicity_channels", "publicity_channels.3.code", "第3项宣传渠道：代码“gov_website”与第2项重复，每项代码须唯一。"),
])
def test_duplicate_codes_in_a_list_are_refused(name, field, message):
    values = kaifu_values()
    position = int(field.split(".")[1]) - 1
    values[name][position]["code"] = values[name][position - 1]["code"]
    assert problems_of(values) == {field: [message]}


def test_duplicate_form_codes_are_refused():
    values = kaifu_values()
    values["forms"][4]["code"] = "forum"
    assert problems_of(values) == {"forms.5.code": ["第5项活动形式：代码“forum”与第3项重复，每项代码须唯一。"]}


def test_the_same_indicator_twice_is_refused():
    values = kaifu_values()
    values["indicators"].append({**values["indicators"][0], "weight": 0})
    assert problems_of(values) == {"indicators.11.code": ["第11项考核指标（按时申报）：与第1项考核指标重复（代码“declared_on_time”）。"]}


def test_a_malformed_item_code_is_refused():
    values = kaifu_values()
    values["focus_topics"][0]["code"] = "改革"
    [message] = problems_of(values)["focus_topics.1.code"]
    assert message.startswith("第1项重点主题：代码“改革”不符合要求")


# ---------------------------------------------------------------- indicators

def test_an_automatic_indicator_must_have_a_rule_and_a_manual_one_a_maximum():
    values = kaifu_values()
    values["indicators"][0]["code"] = "attendance"
    values["indicators"][9].pop("max")
    found = problems_of(values)
    assert found["indicators.1.code"] == ["第1项考核指标（按时申报）：“attendance”没有对应的自动计算规则，请从列表中选择计算依据，或改为评估打分。"]
    assert found["indicators.10.max"] == ["第10项考核指标（活动质量与实效（评估打分））：评估打分须设置满分（大于0，不超过1000）。"]


def test_a_weight_that_is_not_a_number_is_refused_and_the_sum_is_not_claimed():
    values = kaifu_values()
    values["indicators"][0]["weight"] = "十"
    assert problems_of(values) == {"indicators.1.weight": ["第1项考核指标（按时申报）：权重须为0至100之间的数（最多两位小数）。"]}


def test_a_programme_that_accepts_declarations_needs_indicators_but_a_provincial_one_does_not():
    values = {**kaifu_values(), "indicators": []}
    assert problems_of(values) == {"indicators": ["请至少设置一项考核指标（权重合计100分）。"]}
    assert problems_of({**values, "accepts_declarations": False}) == {}


# ---------------------------------------------------------------- the banner rule

def test_a_template_without_the_unit_is_refused():
    values = {**kaifu_values(), "banner_templates": ["{year}年“政务公开主题日”活动"]}
    assert problems_of(values) == {"banner_templates.1": ["第1个会标模板须包含【单位名称】。"]}


def test_an_unknown_placeholder_is_refused_in_the_words_people_type():
    values = {**kaifu_values(), "banner_templates": ["{unit}{year}年{theme}活动"]}
    assert problems_of(values) == {"banner_templates.1": ["第1个会标模板含有无法识别的占位符{theme}：只能使用【单位名称】、【年度】、【其他活动名称】。"]}


def test_a_forbidden_name_made_of_quotes_only_is_refused():
    # it would otherwise match every banner
    values = {**kaifu_values(), "forbidden_banner_names": ["校园开放日", "“ ”"]}
    assert problems_of(values) == {"forbidden_banner_names.2": ["第2个禁用名称：请填写名称（不能只有引号或空格）。"]}


def test_a_canonical_template_that_contains_a_forbidden_name_is_refused():
    values = {**kaifu_values(), "forbidden_banner_names": ["政务公开主题日"]}
    assert problems_of(values) == {"banner_templates.1": ["第1个会标模板本身含有禁用名称“政务公开主题日”，任何单位都无法通过。"]}


def test_the_preview_shows_the_canonical_banner_and_applies_a_changed_forbidden_name():
    values = kaifu_values()
    forbidden = ["校园开放周", *values["forbidden_banner_names"][1:]]
    preview = banner_preview(values["banner_templates"], forbidden, year=2024, unit_name="开福区教育局",
                             trial="开福区教育局2024年校园开放周")
    assert preview.canonical == "开福区教育局2024年“政务公开主题日”活动"
    assert preview.alternatives == ("开福区教育局2024年“政务公开主题日”活动暨××××",)
    assert [p.code for p in preview.trial_problems] == ["banner_forbidden_name"]
    assert "“校园开放周”" in preview.trial_problems[0].message
    ok = banner_preview(values["banner_templates"], forbidden, year=2024, unit_name="开福区教育局", trial=preview.canonical)
    assert ok.trial_passes


def test_the_preview_of_a_broken_rule_says_what_is_wrong_instead_of_a_banner():
    preview = banner_preview(["{year}年活动"], [], year=2024, unit_name="开福区教育局")
    assert preview.canonical == "" and [p.message for p in preview.rule_problems] == ["第1个会标模板须包含【单位名称】。"]


# ---------------------------------------------------------------- basics and contact

def test_basic_facts_and_contact_are_checked():
    values = {**kaifu_values(), "code": "Kaifu 2024", "name": "", "year": 1999, "contact_phone": "12345", "contact_email": "kf@"}
    found = problems_of(values)
    assert found["code"] == ["方案代码只能含小写英文字母、数字和连字符，2至32个字符（如 kaifu-2024）。"]
    assert found["name"] == ["请填写方案名称。"]
    assert found["year"] == ["年度须为2000至2100之间的四位年份。"]
    assert found["contact_phone"] == ["联系电话格式不正确：请填写手机号（11位）或座机号（如0731-84390197）。"]
    assert found["contact_email"] == ["邮箱格式不正确（如 kfzwgk@163.com）。"]


def test_a_code_that_is_a_page_address_is_refused():
    assert problems_of({**kaifu_values(), "code": "new"}) == {"code": ["“new”是系统保留的代码，请换一个（如 kaifu-2024）。"]}


def test_a_programme_that_accepts_no_declarations_cannot_open():
    values = {**kaifu_values(), "accepts_declarations": False}
    assert [p.field for p in check_ready_to_open(values)] == ["accepts_declarations"]
    assert [p.message for p in check_ready_to_open({**kaifu_values(), "declaration_due_date": None})] == ["开放申报前请先设置申报截止日期。"]


# ---------------------------------------------------------------- values: next year, codes, Chinese

def test_next_year_moves_the_year_in_code_and_name_and_every_date_and_blanks_the_document_number():
    new = data.next_year_values(kaifu_values())
    assert (new["code"], new["year"], new["name"]) == ("kaifu-2024", 2024, "开福区2024年“政务公开主题日”活动实施方案")
    assert (new["issued_on"], new["declaration_due_date"]) == (dt.date(2024, 3, 28), dt.date(2024, 4, 3))
    assert new["document_number"] == "" and new["parent"] == "changsha-2023"
    for name in ("forms", "focus_topics", "banner_templates", "forbidden_banner_names", "participant_categories",
                 "publicity_channels", "indicators", "clauses", "contact_name", "window_first_month", "summary_due_days"):
        assert new[name] == kaifu_values()[name], name
    assert check_programme(new) == []


def test_the_29th_of_february_becomes_the_28th_and_a_code_without_a_year_gets_one():
    new = data.next_year_values({**kaifu_values(), "year": 2024, "code": "kaifu", "declaration_due_date": dt.date(2024, 2, 29)})
    assert new["declaration_due_date"] == dt.date(2025, 2, 28) and new["code"] == "kaifu-2025"


def test_blank_codes_are_filled_without_clashing():
    values = kaifu_values()
    values["focus_topics"] += [{"code": "", "label": "数字政府"}, {"code": "topic_1", "label": "法治政府"}, {"label": "基层治理"}]
    values["indicators"].append({"code": "", "kind": "manual", "label": "群众满意度", "weight": 0.0, "max": 5.0})
    filled = data.fill_codes(values)
    assert [t["code"] for t in filled["focus_topics"][-3:]] == ["topic_2", "topic_1", "topic_3"]
    assert filled["indicators"][-1] == {"code": "manual_1", "kind": "manual", "label": "群众满意度", "weight": 0, "max": 5}
    assert values["focus_topics"][-3]["code"] == ""  # the caller's values are not changed


def test_templates_read_with_chinese_placeholders_and_back():
    template = "{unit}{year}年“政务公开主题日”活动暨{other}"
    shown = data.template_for_people(template)
    assert shown == "【单位名称】【年度】年“政务公开主题日”活动暨【其他活动名称】"
    assert data.template_from_people(shown) == template


def test_values_are_described_in_chinese():
    values = kaifu_values()
    assert data.describe("window_first_month", 4) == "4月"
    assert data.describe("declaration_due_date", "2024-04-03") == "2024年4月3日"
    assert data.describe("forbidden_banner_names", ["校园开放日", "司法开放日"]) == "校园开放日、司法开放日"
    assert data.describe("forms", values["forms"][:1], values) == (
        "实地调研（须邀请人大代表、政协委员、专家学者、新闻媒体中至少一类；举办时登记：调研点位（重点项目、基础设施工程或重大活动现场））"
    )
    assert data.describe("indicators", values["indicators"][-1:]) == "活动质量与实效（评估打分）20分（评估打分，满分10）"


def test_each_frozen_rule_group_is_one_section_of_the_editor():
    from policies.editor import SECTIONS

    for group in data.LOCKED_RULES.values():
        sections = [s for s in SECTIONS if s.rule_key == group.key]
        assert len(sections) == 1 and set(sections[0].fields) == set(group.fields), group.key
    edited = [name for section in SECTIONS for name in section.fields]
    assert sorted(edited) == sorted(data.VALUE_FIELDS)  # every value has exactly one place in the editor
