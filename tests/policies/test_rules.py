import datetime as dt

from policies.rules import SHANGHAI, check_choice, check_deadline, check_month, check_scores

DUE = dt.date(2023, 4, 3)


def test_deadline_counts_the_whole_due_day_in_shanghai():
    assert check_deadline(dt.datetime(2023, 4, 3, 23, 59, 59, tzinfo=SHANGHAI), due_date=DUE) == []
    # 16:00 UTC on the 3rd is midnight in Shanghai: too late.
    [p] = check_deadline(dt.datetime(2023, 4, 3, 16, 0, tzinfo=dt.UTC), due_date=DUE)
    assert p.code == "deadline_passed" and "2023年4月3日" in p.message and "延期" in p.message


def test_extension_moves_the_deadline_and_expires_too():
    late = dt.datetime(2023, 4, 10, 9, tzinfo=SHANGHAI)
    assert check_deadline(late, due_date=DUE, extended_until=dt.date(2023, 4, 12)) == []
    [p] = check_deadline(late, due_date=DUE, extended_until=dt.date(2023, 4, 8))
    assert "延期至2023年04月08日" in p.message


def test_month_window_april_to_november():
    assert check_month(4, year=2023, first=4, last=11) == []
    assert check_month(11, year=2023, first=4, last=11) == []
    for month in (3, 12):
        [p] = check_month(month, year=2023, first=4, last=11)
        assert p.code == "month_out_of_window" and "2023年4-11月" in p.message and f"{month}月" in p.message


def test_choice_outside_programme_lists_the_allowed_ones():
    forms = [{"code": "forum", "label": "座谈交流"}, {"code": "survey", "label": "问卷调查"}]
    [p] = check_choice("open_day", choices=forms, field="form", label="活动形式", clause="三")
    assert p.field == "form" and "座谈交流、问卷调查" in p.message and "《实施方案》三" in p.message


def test_scores_in_range_only():
    indicators = [{"code": "quality", "label": "活动质量", "kind": "manual", "max": 10}]
    assert check_scores({"quality": 10}, indicators=indicators) == []
    assert [p.code for p in check_scores({"quality": 10.5}, indicators=indicators)] == ["score_out_of_range"]
    assert [p.code for p in check_scores({"quality": -1}, indicators=indicators)] == ["score_out_of_range"]
    assert [p.code for p in check_scores({"quality": "nan"}, indicators=indicators)] == ["score_out_of_range"]
    assert [p.code for p in check_scores({}, indicators=indicators)] == ["score_required"]
    assert [p.code for p in check_scores({"quality": 5, "bogus": 1}, indicators=indicators)] == ["score_unknown"]
