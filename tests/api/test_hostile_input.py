"""Hostile input (issue 17, items 9 and 11): bounded JSON, no control character from the URL,
text that is really text, and one answer for "does not exist" and "you may not see it"."""
from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import UnitFactory
from workflow import services
from workflow.models import Declaration
from workflow.releases import assessment_release

pytestmark = pytest.mark.django_db


def _deep(levels: int) -> str:
    return '{"username": ' + "[" * levels + "]" * levels + ', "password": "x"}'


def test_deeply_nested_json_is_a_400_before_it_is_parsed(world):
    client = APIClient()
    for levels in (400, 100_000):
        response = client.post("/api/auth/token/", _deep(levels), content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "JSON嵌套超过20层，不予处理。"}
    # brackets inside a string are text, not nesting
    body = '{"username": "' + "[" * 400 + '", "password": "x"}'
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"username": ["请确保这个字段不能超过 150 个字符。"]}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_json_body_over_the_size_limit_is_refused_before_it_is_parsed(world):
    body = '{"username": "' + "a" * 20_000 + '", "password": "x"}'
    response = APIClient().post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 413  # ops.errors: the same answer as an oversized upload
    assert response.json() == {"detail": "提交的内容过大或字段过多，已拒绝；请缩减后重试（上传证据请逐个文件提交）。"}


def test_nul_in_a_path_is_a_404_and_in_a_query_a_400_never_a_500(world, api):
    client = api(world.reviewer)
    for path in ("/api/programmes/%00/schedule/", "/api/programmes/%00/assessment/", "/api/programmes/a%01b/schedule.xlsx"):
        response = client.get(path)
        assert response.status_code == 404 and response.json() == {"detail": "未找到。"}, path
    for query in ({"unit": "\x00"}, {"programme": "kaifu\x00"}, {"form": "\x1b[31m"}):
        response = client.get("/api/declarations/", query)
        assert response.status_code == 400 and response.json() == {"detail": "请求参数含有控制字符，无法处理。"}, query
    response = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "\x00"})
    assert response.status_code == 400


def test_nul_in_a_page_url_is_a_404_page_and_in_a_query_a_400(client, world):
    client.force_login(world.reviewer)
    assert client.get("/programmes/kaifu-2023/assessment/units/%00/").status_code == 404
    assert client.get("/declarations/", {"state": "drafted\x00"}).status_code == 400
    assert client.get("/audit/", {"actor": "\x07"}).status_code == 400


def test_a_number_where_text_is_expected_is_a_400_not_the_text_0(extended, api):
    d = extended.declaration("submitted")
    response = api(extended.reviewer).post(f"/api/declarations/{d.pk}/return/", {"reason": 0}, format="json")
    assert response.status_code == 400 and response.json() == {"reason": ["不是有效的字符串。"]}
    assert Declaration.objects.get(pk=d.pk).state == "submitted"
    draft = extended.declaration("drafted", unit=extended.other_unit)
    response = api(extended.other_operator).patch(f"/api/declarations/{draft.pk}/", {"theme": 12345}, format="json")
    assert response.status_code == 400 and response.json() == {"theme": ["不是有效的字符串。"]}
    response = APIClient().post("/api/auth/token/", {"username": 1, "password": True}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"username", "password"}


@pytest.mark.parametrize("theme, message", [
    ("惠企\x07政策", "活动主题含有无法显示的控制字符，请删除后重新填写。"),
    ("\u200b\u200b\u200b", "活动主题只有空白或不可见字符，请填写实际内容。"),
    ("\ufeff\u2060\u3000", "活动主题只有空白或不可见字符，请填写实际内容。"),
])
def test_control_and_invisible_only_text_in_the_form_is_refused_in_chinese(world, api, theme, message):
    draft = world.declaration("drafted")
    response = api(world.operator).patch(f"/api/declarations/{draft.pk}/", {"theme": theme}, format="json")
    assert response.status_code == 400 and response.json() == {"theme": [message]}
    assert Declaration.objects.get(pk=draft.pk).theme == "惠企政策面对面"
    # the same rule on the pages' path (the create page, the revise page: one service)
    with pytest.raises(services.RuleViolation) as refused:
        services.declaration_create(programme=world.programme, unit=world.other_unit, by=world.other_operator,
                                    data={"theme": theme})
    assert refused.value.by_field() == {"theme": [message]}


def test_line_breaks_stay_allowed_in_the_description(world, api):
    draft = world.declaration("drafted")
    response = api(world.operator).patch(f"/api/declarations/{draft.pk}/", {"description": "第一段\r\n第二段\t缩进"}, format="json")
    assert response.status_code == 200


def test_another_units_code_and_an_unknown_code_answer_the_same_body(world, api, programme):
    UnitFactory(code="kf-third", name="开福区第三局")
    assessment_release(programme=programme, by=world.reviewer)
    client = api(world.operator)
    own = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "kf-edu"})
    assert own.status_code == 200
    other = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "kf-health"})
    third = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "kf-third"})
    missing = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "no-such-unit"})
    assert other.status_code == third.status_code == missing.status_code == 404
    assert other.content == third.content == missing.content


def test_before_the_release_another_units_code_and_an_unknown_code_still_answer_alike(world, api):
    client = api(world.operator)
    other = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "kf-health"})
    missing = client.get("/api/programmes/kaifu-2023/assessment/", {"unit": "no-such-unit"})
    assert other.status_code == missing.status_code == 404 and other.content == missing.content


def test_an_empty_unit_parameter_is_refused_as_the_document_says(world, api):
    response = api(world.reviewer).get("/api/programmes/kaifu-2023/assessment/", {"unit": ""})
    assert response.status_code == 400 and response.json() == {"unit": ["该参数不能为空。"]}


@pytest.mark.parametrize("query", [{"page_size": "abc"}, {"page_size": "0"}, {"page_size": "501"}, {"page": "x"}, {"page": ""}])
def test_page_and_page_size_are_whole_numbers_in_range_or_a_400(world, api, query):
    response = api(world.reviewer).get("/api/declarations/", query)
    assert response.status_code == 400
