"""Released results do not move (issue 17, item 2): a release is a frozen snapshot; units read
the latest release, never a live computation; a later evaluation goes into the next release."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from workflow import services
from workflow.assessment import assess_programme
from workflow.errors import NotFound, PermissionRefused, TransitionConflict
from workflow.models import AssessmentRelease, AuditEvent, Declaration
from workflow.releases import (
    NOT_RELEASED,
    assessment_for,
    assessment_release,
    release_history,
    release_preview,
)
from workflow.trail.verify import verify


@pytest.fixture
def two_units(world):
    """Both units summarized; only 卫生健康局 evaluated (quality 6 of 10) before the first release."""
    edu = world.declaration("summarized")
    health = world.declaration("summarized", unit=world.other_unit)
    health = services.declaration_evaluate(declaration=health, by=world.assessor, scores={"quality": 6}, comment="尚可")
    return edu, health


def total_of(board: dict, code: str):
    return next(row["total"] for row in board["units"] if row["unit"]["code"] == code)


def test_a_later_evaluation_changes_nothing_released_until_the_next_release(world, two_units):
    edu, _health = two_units
    first = assessment_release(programme=world.programme, by=world.scheduler)
    released = assessment_for(world.operator, world.programme)
    assert [row["unit"]["code"] for row in released["units"]] == ["kf-edu"]
    before_total, before_rank = released["units"][0]["total"], released["units"][0]["rank"]
    assert released["release"]["number"] == 1 and released["live"] is False

    # The assessor evaluates 教育局 after the release: 9 of 10 on quality (18 points of 20).
    edu = services.declaration_evaluate(declaration=Declaration.objects.get(pk=edu.pk), by=world.assessor,
                                        scores={"quality": 9}, comment="组织有序")
    live = assess_programme(world.programme)
    after_total = round(before_total + 18, 2)
    assert float(live.unit(world.unit.pk).total) == after_total

    # What the unit sees has not moved: the same total, the same rank, the same release.
    still = assessment_for(world.operator, world.programme)
    assert (still["units"][0]["total"], still["units"][0]["rank"], still["release"]["number"]) == (before_total, before_rank, 1)
    assert AssessmentRelease.objects.get(pk=first.pk).board == first.board

    # The office releases again, explicitly: the second release says who changed and why.
    second = assessment_release(programme=world.programme, by=world.reviewer)
    assert second.number == 2
    evaluate = AuditEvent.objects.get(declaration=edu, action="evaluate")
    [change] = second.changes
    assert (change["unit"], change["before"], change["after"]) == ("kf-edu", before_total, after_total)
    assert change["indicators"] == [{"code": "quality", "label": "活动质量与实效（评估打分）", "before": 0, "after": 18,
                                     "basis": "评估打分9/10", "event_ids": [evaluate.pk]}]
    now = assessment_for(world.operator, world.programme)
    assert (now["units"][0]["total"], now["release"]["number"]) == (after_total, 2)
    history = release_history(world.operator, world.programme)
    assert [(r["number"], [c["unit"] for c in r["changes"]]) for r in history] == [(1, []), (2, ["kf-edu"])]
    assert [c["unit"] for c in release_history(world.other_operator, world.programme)[1]["changes"]] == []


def test_a_release_freezes_totals_ranks_points_basis_events_and_digest(world, two_units):
    board = assess_programme(world.programme)
    release = assessment_release(programme=world.programme, by=world.scheduler)
    assert release.board == board.as_dict() and release.digest == board.digest()
    assert (release.units, release.not_evaluated) == (2, 1)
    behind = {pk for row in board.units for item in row.indicators for pk in item.event_ids}
    assert {int(pk) for pk in release.events} == behind
    approve = AuditEvent.objects.get(unit=world.unit, action="approve")
    assert release.events[str(approve.pk)]["label"] == "审核通过" and release.events[str(approve.pk)]["actor"]
    event = release.audit_event
    assert (event.action, event.declaration_id, event.actor_id) == ("release_results", None, world.scheduler.pk)
    assert event.changed["number"] == 1 and event.changed["digest"] == release.digest
    assert event.changed["totals"] == {row.unit_code: f"{row.total:.2f}" for row in board.units}
    world.programme.refresh_from_db()
    assert world.programme.results_released_at == release.released_at
    assert verify().ok


def test_the_preview_says_how_many_units_are_not_yet_evaluated(world, two_units):
    preview = release_preview(programme=world.programme, by=world.reviewer)
    assert (preview.number, preview.units, preview.not_evaluated, preview.not_declared, preview.changes) == (1, 2, 1, 0, [])
    with pytest.raises(PermissionRefused):
        release_preview(programme=world.programme, by=world.assessor)


def test_releasing_again_without_a_change_makes_nothing_new(world, two_units):
    first = assessment_release(programme=world.programme, by=world.scheduler)
    again = assessment_release(programme=world.programme, by=world.reviewer, expected_digest=first.digest)
    assert again.pk == first.pk and AssessmentRelease.objects.count() == 1
    assert AuditEvent.objects.filter(action="release_results").count() == 1
    assert release_preview(programme=world.programme, by=world.reviewer).unchanged


def test_scores_that_changed_after_the_confirmation_are_not_released(world, two_units):
    edu, _ = two_units
    confirmed = release_preview(programme=world.programme, by=world.scheduler).digest
    services.declaration_evaluate(declaration=Declaration.objects.get(pk=edu.pk), by=world.assessor, scores={"quality": 5}, comment="一般")
    with pytest.raises(TransitionConflict) as refused:
        assessment_release(programme=world.programme, by=world.scheduler, expected_digest=confirmed)
    assert "请重新核对" in refused.value.message
    assert not AssessmentRelease.objects.exists()


def test_only_the_office_releases_and_units_see_only_their_own_release(world, two_units):
    with pytest.raises(NotFound) as before:
        assessment_for(world.operator, world.programme)
    assert before.value.message == NOT_RELEASED
    for who in (world.leader, world.assessor, world.administrator):
        with pytest.raises(PermissionRefused):
            assessment_release(programme=world.programme, by=who)
    assessment_release(programme=world.programme, by=world.scheduler)
    assert assessment_for(world.leader, world.programme, unit=world.unit)["units"] == assessment_for(world.operator, world.programme)["units"]
    for who, unit in ((world.operator, world.other_unit), (world.other_leader, world.unit.pk), (world.operator, "x")):
        with pytest.raises(NotFound):
            assessment_for(who, world.programme, unit=unit)
    office = assessment_for(world.assessor, world.programme)
    assert office["live"] is True and office["release"]["number"] == 1 and len(office["units"]) == 2
    with pytest.raises(NotFound):
        assessment_for(world.administrator, world.programme)  # manages users, not scores


@pytest.mark.postgres
def test_postgres_refuses_to_edit_or_delete_a_release(world, two_units):
    release = assessment_release(programme=world.programme, by=world.scheduler)
    for statement in ("UPDATE workflow_assessmentrelease SET digest = 'x' WHERE id = %s",
                      "DELETE FROM workflow_assessmentrelease WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [release.pk])
    assert AssessmentRelease.objects.get(pk=release.pk).digest == release.digest
