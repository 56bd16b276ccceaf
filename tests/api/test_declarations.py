"""GET/POST /api/declarations/ and GET/PATCH /api/declarations/{id}/."""
from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import UnitFactory, content
from workflow import services
from workflow.errors import RuleViolation
from workflow.models import AuditEvent, Declaration, State


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# ------------------------------------------------------------------ list


def test_a_unit_lists_only_its_own_declarations(world, api):
    mine = world.declaration("drafted")
    theirs = world.declaration("submitted", unit=world.other_unit)

    response = api(world.operator).get("/api/declarations/")

    assert response.status_code == 200
    assert ids(response) == {mine.pk}
    assert theirs.pk not in ids(response)


def test_the_office_lists_submitted_declarations_but_never_a_units_first_draft(world, api):
    draft = world.declaration("drafted")
    submitted = world.declaration("submitted", unit=world.other_unit)

    response = api(world.reviewer).get("/api/declarations/")

    assert ids(response) == {submitted.pk}
    assert draft.pk not in ids(response)


def test_filters_narrow_the_visible_list(world, api):
    edu = world.declaration("reviewed", month=5, form="forum")
    health = world.declaration("submitted", unit=world.other_unit, month=9, form="survey")
    client = api(world.reviewer)

    assert ids(client.get("/api/declarations/", {"unit": "kf-health"})) == {health.pk}
    assert ids(client.get("/api/declarations/", {"state": "reviewed"})) == {edu.pk}
    assert ids(client.get("/api/declarations/", {"month": 9})) == {health.pk}
    assert ids(client.get("/api/declarations/", {"form": "forum"})) == {edu.pk}
    assert ids(client.get("/api/declarations/", {"programme": "kaifu-2023"})) == {edu.pk, health.pk}
    assert ids(client.get("/api/declarations/", {"programme": "changsha-2023"})) == set()


def test_a_filter_cannot_reach_another_units_declarations(world, api):
    world.declaration("submitted", unit=world.other_unit)

    response = api(world.operator).get("/api/declarations/", {"unit": "kf-health"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_bad_filter_value_is_a_400_in_chinese(world, api):
    response = api(world.reviewer).get("/api/declarations/", {"state": "approved", "month": 13})

    assert response.status_code == 400
    assert set(response.json()) == {"state", "month"}
    assert "不是合法选项" in response.json()["state"][0]


def test_the_list_is_paginated(world, api):
    world.declaration("submitted")
    world.declaration("submitted", unit=world.other_unit)

    response = api(world.reviewer).get("/api/declarations/", {"page_size": 1})

    body = response.json()
    assert body["count"] == 2 and len(body["results"]) == 1
    assert body["next"].endswith("page=2&page_size=1")


def _bulk_declarations(world, count: int) -> None:
    """Submitted declarations of `count` extra units, written directly: this test only reads."""
    units = [UnitFactory(code=f"bulk-{n}", name=f"开福区批量测试单位{n}") for n in range(count)]
    now = timezone.now()
    Declaration.objects.bulk_create(
        Declaration(programme=world.programme, unit=unit, created_by=world.operator, theme=f"主题{n}", month=5,
                    form="forum", first_submitted_at=now, submitted_at=now, submitted_by=world.leader)
        for n, unit in enumerate(units)
    )
    Declaration.objects.filter(unit__in=units).update(state=State.SUBMITTED)


@pytest.mark.parametrize("rows", [10, 500])
def test_listing_costs_the_same_number_of_queries_for_10_and_500_rows(world, api, django_assert_num_queries, rows):
    _bulk_declarations(world, rows)
    client = api(world.reviewer)

    # token+user, the user's global permissions (2), count, page, the page's programmes (each read
    # once, not joined to every row): nothing per row
    with django_assert_num_queries(5):
        response = client.get("/api/declarations/", {"page_size": 500})

    assert len(response.json()["results"]) == rows
    assert {row["unit_name"] for row in response.json()["results"]} >= {"开福区批量测试单位0"}


# ------------------------------------------------------------------ create


def test_an_operator_creates_a_draft_for_their_unit(world, api):
    payload = {"programme": "kaifu-2023", "unit": "kf-edu", **content(world.programme, world.unit)}

    response = api(world.operator).post("/api/declarations/", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["unit"], body["theme"]) == ("drafted", "kf-edu", "惠企政策面对面")
    event = AuditEvent.objects.get(declaration_id=body["id"])
    assert (event.action, event.actor) == ("create", world.operator)


def test_nobody_creates_a_declaration_for_another_unit(world, api):
    payload = {"programme": "kaifu-2023", "unit": "kf-health", "theme": "借名申报"}

    response = api(world.operator).post("/api/declarations/", payload, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "只有本单位的填报人或负责人可以填报。"}
    assert not Declaration.objects.filter(unit=world.other_unit).exists()


def test_a_forbidden_banner_is_refused_with_the_same_message_as_the_page(world, api):
    banner = "开福区教育局2023年校园开放日"
    with pytest.raises(RuleViolation) as from_service:  # what the page shows: the service's message
        services.declaration_create(programme=world.programme, unit=world.unit, by=world.operator, data={"banner": banner})

    response = api(world.operator).post(
        "/api/declarations/", {"programme": "kaifu-2023", "unit": "kf-edu", "banner": banner}, format="json",
    )

    assert response.status_code == 400
    assert response.json() == from_service.value.by_field()
    assert response.json()["banner"][0].startswith("会标不得冠以“校园开放日”等名称")
    assert "开福区教育局2023年“政务公开主题日”活动" in response.json()["banner"][0]
    assert not Declaration.objects.exists()


def test_a_second_live_declaration_of_the_same_unit_is_refused(world, api):
    world.declaration("drafted")

    response = api(world.operator).post("/api/declarations/", {"programme": "kaifu-2023", "unit": "kf-edu"}, format="json")

    assert response.status_code == 400
    assert "已有一份有效申报" in response.json()["__all__"][0]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"programme": "kaifu-2023", "unit": "kf-edu", "month": "五月"}, "month"),
        ({"programme": "kaifu-2023", "unit": "kf-edu", "theme": ["列表"]}, "theme"),
        ({"programme": "kaifu-2023", "unit": "kf-edu", "theme": "含\u0000空字符"}, "theme"),
        ({"programme": "kaifu-2023", "unit": "kf-edu", "state": "evaluated"}, "state"),
        ({"programme": "nope", "unit": "kf-edu"}, "programme"),
        ({"unit": "kf-edu"}, "programme"),
    ],
    ids=["month-not-a-number", "theme-a-list", "nul-character", "unknown-field", "unknown-programme", "missing-programme"],
)
def test_bad_input_is_a_400_naming_the_field(world, api, body, field):
    response = api(world.operator).post("/api/declarations/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Declaration.objects.exists()


def test_a_huge_month_is_refused_by_the_window_rule_not_a_crash(world, api):
    body = {"programme": "kaifu-2023", "unit": "kf-edu", "month": 10**30}

    response = api(world.operator).post("/api/declarations/", body, format="json")

    assert response.status_code == 400
    assert "不在此范围内" in response.json()["month"][0]


def test_malformed_json_is_a_400_not_a_crash(world, api):
    response = api(world.operator).post("/api/declarations/", '{"programme": "kaifu-2023",', content_type="application/json")

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_body_that_is_not_an_object_is_a_400(world, api):
    response = api(world.operator).post("/api/declarations/", [1, 2], format="json")

    assert response.status_code == 400
    assert "__all__" in response.json()


# ------------------------------------------------------------------ detail and update


def test_read_one_declaration(world, api):
    d = world.declaration("submitted")

    response = api(world.reviewer).get(f"/api/declarations/{d.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["state_label"]) == (d.pk, "已报送")


def test_another_units_declaration_answers_exactly_like_a_missing_id(world, api):
    d = world.declaration("submitted")
    client = api(world.other_operator)

    hidden, missing = client.get(f"/api/declarations/{d.pk}/"), client.get(f"/api/declarations/{d.pk + 1000}/")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "未找到该申报，或您无权查看。"}


def test_an_operator_edits_the_draft_and_the_audit_lists_the_change(world, api):
    d = world.declaration("drafted")

    response = api(world.operator).patch(f"/api/declarations/{d.pk}/", {"theme": "政策解读进社区", "month": 6}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["theme"], response.json()["month"]) == ("政策解读进社区", 6)
    event = AuditEvent.objects.filter(declaration=d).order_by("seq").last()
    assert event.action == "edit"
    assert event.changed == {"theme": ["惠企政策面对面", "政策解读进社区"], "month": [5, 6]}


def test_a_submitted_declaration_cannot_be_edited(world, api):
    d = world.declaration("submitted")

    response = api(world.operator).patch(f"/api/declarations/{d.pk}/", {"theme": "改主题"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "当前状态为“已报送”，只有草稿可以修改。"}


def test_the_office_may_read_but_not_edit_a_units_declaration(world, api):
    d = world.declaration("submitted")

    response = api(world.reviewer).patch(f"/api/declarations/{d.pk}/", {"theme": "改主题"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "只有本单位的填报人或负责人可以修改。"}
    assert Declaration.objects.get(pk=d.pk).theme == "惠企政策面对面"


def test_patch_refuses_fields_outside_the_declaration_form(world, api):
    d = world.declaration("drafted")

    response = api(world.operator).patch(f"/api/declarations/{d.pk}/", {"state": "evaluated", "return_count": 0}, format="json")

    assert response.status_code == 400
    assert response.json() == {"return_count": ["该项不能在申报表中修改。"], "state": ["该项不能在申报表中修改。"]}
    assert Declaration.objects.get(pk=d.pk).state == State.DRAFTED


def test_a_bad_banner_in_an_edit_gets_the_services_message(world, api):
    d = world.declaration("drafted")
    bad = "开福区卫生健康局2023年“政务公开主题日”活动"
    expected = services.content_problems(world.programme, world.unit, {"banner": bad}, only=["banner"])

    response = api(world.operator).patch(f"/api/declarations/{d.pk}/", {"banner": bad}, format="json")

    assert response.status_code == 400
    assert response.json() == {"banner": [p.message for p in expected]}
    assert "与填报单位“开福区教育局”不一致" in response.json()["banner"][0]


def test_nothing_works_without_credentials(world, api):
    d = world.declaration("drafted")
    anonymous = api()

    for response in (anonymous.get("/api/declarations/"), anonymous.get(f"/api/declarations/{d.pk}/"),
                     anonymous.post(f"/api/declarations/{d.pk}/submit/", {}, format="json")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
