"""GET /api/programmes/{code}/assessment/: the scoreboard computed from the audit trail."""
from __future__ import annotations

from workflow.releases import assessment_release

URL = "/api/programmes/kaifu-2023/assessment/"


def test_the_assessor_sees_every_unit_with_the_events_behind_each_point(world, api):
    from workflow.models import AuditEvent

    d = world.declaration("evaluated")
    body = api(world.assessor).get(URL).json()
    rows = {row["unit"]["code"]: row for row in body["units"]}
    mine = rows["kf-edu"]
    assert mine["declaration_id"] == d.pk and mine["state"] == "evaluated" and mine["total"] > 0
    quality = next(i for i in mine["indicators"] if i["code"] == "quality")
    assert quality["points"] == 16  # 8 of 10 × weight 20
    evaluate = AuditEvent.objects.get(declaration=d, action="evaluate")
    assert quality["event_ids"] == [evaluate.pk]
    assert rows["kf-health"]["total"] == 0 and rows["kf-health"]["declaration_id"] is None


def test_a_unit_sees_nothing_before_release_then_only_its_own_row(world, api):
    world.declaration("evaluated")
    world.declaration("submitted", unit=world.other_unit)
    before = api(world.operator).get(URL)
    assert before.status_code == 404 and "尚未发布" in before.json()["detail"]

    assessment_release(programme=world.programme, by=world.scheduler)
    after = api(world.operator).get(URL).json()
    assert [row["unit"]["code"] for row in after["units"]] == ["kf-edu"]
    other = api(world.operator).get(URL, {"unit": "kf-health"})
    missing = api(world.operator).get(URL, {"unit": "no-such-unit"})
    assert other.status_code == missing.status_code == 404


def test_an_unknown_programme_is_not_found_and_anonymous_is_401(world, api):
    assert api(world.assessor).get("/api/programmes/nope/assessment/").status_code == 404
    assert api().get(URL).status_code == 401


def test_a_unit_reads_the_latest_release_and_the_office_the_live_scores_beside_it(world, api):
    from workflow import services
    from workflow.models import Declaration

    d = world.declaration("summarized")
    assessment_release(programme=world.programme, by=world.scheduler)
    services.declaration_evaluate(declaration=Declaration.objects.get(pk=d.pk), by=world.assessor, scores={"quality": 9}, comment="好")

    unit = api(world.operator).get(URL).json()
    quality = next(i for i in unit["units"][0]["indicators"] if i["code"] == "quality")
    assert (unit["live"], unit["release"]["number"], quality["points"]) == (False, 1, 0)  # as released, not recomputed
    office = api(world.assessor).get(URL).json()
    live = next(i for i in next(r for r in office["units"] if r["unit"]["code"] == "kf-edu")["indicators"] if i["code"] == "quality")
    assert (office["live"], office["release"]["number"], live["points"]) == (True, 1, 18)
