"""The row every action starts from (`workflow.locking`): the same declaration, programme and unit
as the ORM reads, its process, whether the actor substitutes today, in one statement."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policies.models import Programme
from tests.factories import person
from units.models import Unit
from units.roles import Role
from workflow import locking
from workflow.errors import NotFound
from workflow.models import Declaration, Substitution
from workflow.process import process_of

pytestmark = pytest.mark.django_db


def values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.mark.parametrize("state", ["drafted", "submitted", "held"])
def test_the_locked_row_is_what_the_orm_reads(world, state):
    made = world.declaration(state)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = locking.declaration_for_update(made.pk, by=world.reviewer)
        programme, unit = locked.programme, locked.unit  # read with the row: no statement of their own
    assert len(queries.captured_queries) == 1
    expected = Declaration.objects.get(pk=made.pk)
    assert values(locked) == values(expected)  # dates, times and the holding's JSON as the ORM converts them
    assert values(programme) == values(Programme.objects.get(pk=made.programme_id))
    assert values(unit) == values(Unit.objects.get(pk=made.unit_id))
    assert locked.process_pk == process_of(made).pk
    assert locked.by_substitutes is False
    assert locked.state == state and not locked._state.adding


def test_the_latest_process_and_none_without_one(world):
    made = world.declaration("submitted")
    first = process_of(made)
    with transaction.atomic():
        assert locking.declaration_for_update(made).process_pk == first.pk
    first.__class__.objects.filter(pk=first.pk).delete()
    with transaction.atomic():
        assert locking.declaration_for_update(made).process_pk is None


def test_whether_the_actor_substitutes_for_someone_today(world):
    today = timezone.localdate()
    op2 = person("edu-op2", Role.OPERATOR, world.unit)
    made = world.declaration("drafted")

    def substitutes(by) -> bool:
        with transaction.atomic():
            return locking.declaration_for_update(made.pk, by=by).by_substitutes

    assert substitutes(op2) is False
    Substitution.objects.create(person=world.operator, substitute=op2, starts=today - dt.timedelta(days=9),
                                ends=today - dt.timedelta(days=1))
    assert substitutes(op2) is False  # a range that has passed
    current = Substitution.objects.create(person=world.operator, substitute=op2, starts=today, ends=today)
    assert substitutes(op2) is True and substitutes(world.operator) is False
    op2.is_active = False
    op2.save(update_fields=["is_active"])
    assert substitutes(op2) is False  # an inactive person substitutes for nobody
    op2.is_active = True
    op2.save(update_fields=["is_active"])
    current.ended_at = timezone.now()
    current.save(update_fields=["ended_at"])
    assert substitutes(op2) is False  # ended early
    with transaction.atomic():
        assert not hasattr(locking.declaration_for_update(made.pk), "by_substitutes")  # no actor given: not read


@pytest.mark.parametrize("garbage", [10**9, "abc", None, "1; DROP TABLE workflow_declaration"])
def test_what_does_not_exist_is_not_found(world, garbage):
    with transaction.atomic(), pytest.raises(NotFound):
        locking.declaration_for_update(garbage, by=world.reviewer)
