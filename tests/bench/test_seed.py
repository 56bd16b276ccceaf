"""The benchmark's bulk seed leaves data the product accepts as its own (toy scale, PostgreSQL COPY)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from bench import seed
from policies.models import Programme
from workflow import assessment, inbox
from workflow.models import AuditEvent
from workflow.selectors import declarations_visible_to
from workflow.trail.verify import verify

pytestmark = pytest.mark.postgres


@pytest.fixture
def seeded(db):
    seed.seed(3, log=lambda _message: None)
    return get_user_model().objects


def test_seeded_audit_chains_pass_verify_audit(seeded):
    result = verify()
    assert result.ok, result.message
    assert result.events == AuditEvent.objects.count() > 3 * 100 * 5
    assert seed.seeded(3)


def test_seeded_people_see_their_units_queue_and_list_through_the_product(seeded):
    small, reviewer = seeded.get(username="bench-lead-small"), seeded.get(username="bench-reviewer")
    current = Programme.objects.get(code=seed.CURRENT)
    # Leader of one unit: that unit's drafted declaration waits for the seal; nothing of the others.
    assert [t.unit_name for t in inbox.queue_for(small)] == ["基准单位0000"]
    assert list(declarations_visible_to(small, programme=current).values_list("unit__code", flat=True)) == ["bench-u0000"]
    # The reviewer's queue: the submitted declarations of the current programme.
    assert inbox.queue_for(reviewer).count() == 2
    assert declarations_visible_to(reviewer, programme=current).count() == 3


def test_seeded_programme_is_assessed_from_its_events(seeded):
    board = assessment.assess_programme(Programme.objects.get(code="bench-p00"))
    assert len(board.units) == 3
    assert all(row.state == "evaluated" and row.total > 0 for row in board.units)
