"""`POST /api/tasks/{id}/release/` (issue 17, item 8): the holder gives a claimed task back to its
queue; 404 for a task one may not see, 403 for someone else's, 409 for one in the queue."""
from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.factories import person
from units.roles import Role
from workflow.models import AuditEvent
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def test_the_api_releases_a_task_and_answers_404_409_and_403_as_documented(world, api):
    declaration = world.declaration("submitted")
    review = process_of(declaration).task_set.get(flow_task__endswith=".review", status=STATUS.NEW)
    assert api(world.reviewer).post(f"/api/tasks/{review.pk}/release/", {}, format="json").status_code == 409
    review.flow_task.activation_class(review).assign(world.reviewer)

    assert api(world.other_operator).post(f"/api/tasks/{review.pk}/release/", {}, format="json").status_code == 404
    assert api(person("reviewer-2", Role.REVIEWER)).post(f"/api/tasks/{review.pk}/release/", {}, format="json").status_code == 403
    assert api(world.reviewer).post("/api/tasks/999999/release/", {}, format="json").status_code == 404
    response = api(world.reviewer).post(f"/api/tasks/{review.pk}/release/", {}, format="json")

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("id", "task", "owner", "declaration")} == {
        "id": review.pk, "task": "review", "owner": None, "declaration": declaration.pk}
    assert AuditEvent.objects.filter(action="release_task", actor=world.reviewer).count() == 1
