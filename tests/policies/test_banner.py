import pytest

from policies.rules import BannerRule, check_banner, normalize_banner

RULE = BannerRule(
    templates=["{unit}{year}年“政务公开主题日”活动", "{unit}{year}年“政务公开主题日”活动暨{other}"],
    forbidden=["校园开放日", "司法开放日", "警务开放日", "政务服务开放日"],
)
UNIT = "开福区教育局"


def problems(text, **kw):
    return check_banner(text, unit_name=UNIT, year=2023, rule=RULE, **kw)


@pytest.mark.parametrize("text", [
    "开福区教育局2023年“政务公开主题日”活动",
    "开福区教育局2023年\"政务公开主题日\"活动",
    "开福区教育局 2023 年「政务公开主题日」活动",
    "开福区教育局2023年“政务公开主题日”活动暨教育惠民政策宣讲",
    "　开福区教育局2023年政务公开主题日活动　",
])
def test_canonical_banner_in_any_quote_style_passes(text):
    assert problems(text) == []


@pytest.mark.parametrize("name", ["校园开放日", "司法开放日", "警务开放日", "政务服务开放日"])
def test_forbidden_name_anywhere_is_refused_and_named(name):
    for text in (f"开福区教育局2023年“政务公开主题日”活动暨{name}", f"{name}活动", f"开福区教育局“{name}”"):
        found = problems(text)
        assert [p.code for p in found] == ["banner_forbidden_name"]
        assert f"不得冠以“{name}”" in found[0].message
        assert "《实施方案》五(二)" in found[0].message
        assert "开福区教育局2023年“政务公开主题日”活动" in found[0].message


def test_forbidden_name_with_spaces_and_quotes_inside_is_still_found():
    assert [p.code for p in problems("开福区教育局2023年“政务公开主题日”活动暨 校园 “开放日”")] == ["banner_forbidden_name"]


def test_wrong_unit_names_both_units_and_shows_canonical():
    [p] = problems("开福区卫生健康局2023年“政务公开主题日”活动")
    assert p.code == "banner_wrong_unit"
    assert "开福区卫生健康局" in p.message and "开福区教育局" in p.message
    assert "规范会标为：开福区教育局2023年“政务公开主题日”活动" in p.message


def test_wrong_year_is_refused():
    [p] = problems("开福区教育局2022年“政务公开主题日”活动")
    assert p.code == "banner_wrong_year" and "2022年" in p.message and "2023年" in p.message


def test_other_wording_is_refused_with_both_allowed_forms():
    [p] = problems("教育局政务公开开放活动")
    assert p.code == "banner_wrong_form"
    assert "开福区教育局2023年“政务公开主题日”活动暨××××" in p.message


def test_empty_after_ji_is_refused():
    assert [p.code for p in problems("开福区教育局2023年“政务公开主题日”活动暨")] == ["banner_other_missing"]


def test_short_name_accepted_when_given_as_alias():
    assert problems("区教育局2023年“政务公开主题日”活动", unit_aliases=["区教育局"]) == []


def test_normalize_drops_quotes_and_all_spaces():
    assert normalize_banner(" “政务 公开”「主题日」\u3000") == "政务公开主题日"
