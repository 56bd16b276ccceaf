"""GET /api/declarations/{id}/history/ and GET /api/audit/ (assessors)."""
from __future__ import annotations

import datetime as dt

from workflow import services
from workflow.models import AuditEvent

COMPARED = ("action", "actor", "from_state", "to_state", "reason", "unit", "programme")


def comparable(event: dict) -> dict:
    return {key: event[key] for key in COMPARED} | {"changed": sorted(event["changed"])}


def test_an_action_through_the_api_is_recorded_exactly_like_one_through_the_service(world, api):
    through_service = world.declaration("submitted")
    through_api = world.declaration("submitted", unit=world.other_unit)
    # same unit for both comparisons: the other unit's leader submitted, the same reviewer acts
    services.declaration_return(declaration=through_service, by=world.reviewer, reason="请补充活动简介")
    response = api(world.reviewer).post(f"/api/declarations/{through_api.pk}/return/", {"reason": "请补充活动简介"}, format="json")
    assert response.status_code == 200

    reviewer = api(world.reviewer)
    by_service = reviewer.get(f"/api/declarations/{through_service.pk}/history/").json()
    by_api = reviewer.get(f"/api/declarations/{through_api.pk}/history/").json()

    assert [e["action"] for e in by_api] == [e["action"] for e in by_service] == ["create", "submit", "return"]
    assert {**comparable(by_api[-1]), "unit": None} == {**comparable(by_service[-1]), "unit": None}
    assert by_api[-1]["actor"] == "reviewer" and by_api[-1]["reason"] == "请补充活动简介"
    assert by_api[-1]["unit"] == "kf-health" and by_service[-1]["unit"] == "kf-edu"
    assert by_api[-1]["changed"] == {"return_count": [0, 1], "return_reason": ["", "请补充活动简介"]}
    assert by_api[-1]["prev_hash"] == by_api[-2]["hash"]  # the API's event continues the chain


def test_history_carries_the_request_id_of_the_api_call(world, api):
    d = world.declaration("submitted")

    api(world.reviewer).post(f"/api/declarations/{d.pk}/approve/", {}, format="json", HTTP_X_REQUEST_ID="req-42")

    history = api(world.leader).get(f"/api/declarations/{d.pk}/history/").json()
    assert history[-1]["action"] == "approve"
    assert history[-1]["request_id"] == "req-42"


def test_history_of_another_units_declaration_is_404(world, api):
    d = world.declaration("submitted")

    response = api(world.other_operator).get(f"/api/declarations/{d.pk}/history/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该申报，或您无权查看。"}


def test_an_assessor_reads_the_whole_audit_trail_latest_first(world, api):
    d = world.declaration("reviewed")

    response = api(world.assessor).get("/api/audit/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == AuditEvent.objects.count()
    actions = [e["action"] for e in body["results"] if e["declaration"] == d.pk]
    assert actions == ["approve", "submit", "create"]
    assert any(e["action"] == "grant_role" and e["declaration"] is None for e in body["results"])


def test_audit_filters(world, api):
    edu = world.declaration("reviewed")
    world.declaration("submitted", unit=world.other_unit)
    client = api(world.assessor)

    def actions(**params):
        return [(e["declaration"], e["action"]) for e in client.get("/api/audit/", params).json()["results"]]

    assert actions(declaration=edu.pk) == [(edu.pk, "approve"), (edu.pk, "submit"), (edu.pk, "create")]
    assert {a for _, a in actions(unit="kf-health")} == {"create", "submit", "grant_role"}
    assert actions(actor="reviewer", action="approve") == [(edu.pk, "approve")]
    today = dt.date.today().isoformat()
    assert len(actions(date_from="2023-03-30", date_to="2023-03-30")) == 2  # the two submissions, dated then
    assert actions(date_from="2099-01-01") == []
    assert len(actions(date_to=today)) == AuditEvent.objects.count()


def test_a_reversed_date_range_is_a_400(world, api):
    response = api(world.assessor).get("/api/audit/", {"date_from": "2023-05-02", "date_to": "2023-05-01"})

    assert response.status_code == 400
    assert response.json() == {"date_to": ["截止日期不能早于起始日期。"]}


def test_only_assessors_read_the_audit_trail(world, api):
    for person in (world.operator, world.leader, world.reviewer, world.scheduler):
        response = api(person).get("/api/audit/")
        assert response.status_code == 403
        assert response.json() == {"detail": "只有考核评估人员可以查看审计日志。"}
    assert api().get("/api/audit/").status_code == 401


def test_the_audit_list_costs_the_same_queries_for_few_and_many_events(world, api, django_assert_num_queries):
    world.declaration("reviewed")
    client = api(world.assessor)
    with django_assert_num_queries(4):
        few = client.get("/api/audit/", {"page_size": 500}).json()["count"]
    world.declaration("evaluated", unit=world.other_unit)
    with django_assert_num_queries(4):
        many = client.get("/api/audit/", {"page_size": 500}).json()["count"]
    assert many == few + 7
