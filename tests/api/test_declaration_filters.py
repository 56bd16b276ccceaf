"""GET /api/declarations/ takes the list page's filters (workflow.filters), documented in the schema."""
from __future__ import annotations

import pytest
import yaml

from tests.api.test_declarations import _bulk_declarations, ids


def test_keyword_topic_and_sort_work_as_on_the_page(world, api):
    edu = world.declaration("reviewed", month=5, theme="惠企政策面对面", focus_topic="business_environment")
    health = world.declaration("submitted", unit=world.other_unit, month=9, theme="家庭医生签约服务", focus_topic="livelihood",
                               description="走进社区，现场签约。")
    client = api(world.reviewer)

    assert ids(client.get("/api/declarations/", {"q": "签约 社区"})) == {health.pk}
    assert ids(client.get("/api/declarations/", {"focus_topic": "business_environment"})) == {edu.pk}
    assert ids(client.get("/api/declarations/", {"unit": "卫生健康"})) == {health.pk}
    by_month = client.get("/api/declarations/", {"sort": "-month"}).json()["results"]
    assert [row["id"] for row in by_month] == [health.pk, edu.pk]
    by_state = client.get("/api/declarations/", {"sort": "state"}).json()["results"]
    assert [row["state"] for row in by_state] == ["submitted", "reviewed"]  # the lifecycle's order


def test_a_unit_gets_nothing_of_another_unit_through_any_filter(world, api):
    world.declaration("submitted", unit=world.other_unit, theme="家庭医生签约服务")
    client = api(world.operator)

    for query in ({"unit": "kf-health"}, {"unit": "卫生"}, {"q": "家庭医生"}, {"state": "submitted"}, {"sort": "-theme"}):
        response = client.get("/api/declarations/", query)
        assert response.status_code == 200 and response.json()["count"] == 0, query


def test_a_bad_sort_is_a_400_naming_the_parameter(world, api):
    response = api(world.reviewer).get("/api/declarations/", {"sort": "password"})

    assert response.status_code == 400
    assert response.json() == {"sort": ["“password”不是合法选项。"]}


@pytest.mark.parametrize("rows", [10, 300])
def test_filtered_and_sorted_costs_the_same_statements_for_10_and_300_rows(world, api, django_assert_num_queries, rows):
    _bulk_declarations(world, rows)
    client = api(world.reviewer)

    # token+user, the user's global permissions (2), count, page, the page's programmes (each read
    # once, not joined to every row): nothing per row or per filter
    with django_assert_num_queries(5):
        response = client.get("/api/declarations/", {"page_size": 500, "state": "submitted", "month": 5, "form": "forum",
                                                      "q": "主题", "unit": "批量", "sort": "-theme,month"})

    assert response.json()["count"] == rows


def test_the_schema_documents_every_filter(world, api):
    schema = yaml.safe_load(api(world.operator).get("/api/schema/").content)

    parameters = {p["name"]: p for p in schema["paths"]["/api/declarations/"]["get"]["parameters"]}
    assert {"unit", "state", "month", "form", "focus_topic", "q", "sort", "programme", "page", "page_size"} <= set(parameters)
    assert "活动主题和活动简介" in parameters["q"]["description"]
    assert parameters["month"]["schema"]["type"] == "integer"
    assert "-month" in parameters["sort"]["schema"]["items"]["enum"]
    assert "submitted" in parameters["state"]["schema"]["enum"]
