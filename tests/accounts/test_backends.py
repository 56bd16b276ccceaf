"""The permission backend (accounts.backends): what Django's ModelBackend answers, in one statement."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import ModelBackendOneQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


def test_it_answers_as_modelbackend_for_direct_group_super_and_inactive_people():
    review, schedule = (Permission.objects.get(codename=c) for c in ("review_declaration", "schedule_declaration"))
    office = Group.objects.create(name="测试：排期")
    office.permissions.add(schedule)
    direct, grouped, both, nobody = (UserFactory() for _ in range(4))
    direct.user_permissions.add(review)
    grouped.groups.add(office)
    both.user_permissions.add(review)
    both.groups.add(office)
    boss = UserFactory(is_superuser=True)
    gone = UserFactory(is_active=False)
    gone.user_permissions.add(review)
    for person in (direct, grouped, both, nobody, boss, gone):
        assert ModelBackendOneQuery().get_all_permissions(fresh(person)) == ModelBackend().get_all_permissions(fresh(person))
    assert ModelBackendOneQuery().get_all_permissions(fresh(both)) == {"workflow.review_declaration", "workflow.schedule_declaration"}
    assert fresh(grouped).has_perm("workflow.schedule_declaration") and not fresh(grouped).has_perm("workflow.review_declaration")
    assert not fresh(nobody).has_perm("workflow.review_declaration") and not fresh(gone).has_perm("workflow.review_declaration")


def test_a_persons_permissions_cost_one_statement_then_none():
    person = UserFactory()
    person.user_permissions.add(Permission.objects.get(codename="review_declaration"))
    person = fresh(person)
    with CaptureQueriesContext(connection) as queries:
        assert person.has_perm("workflow.review_declaration")
        assert not person.has_perm("workflow.evaluate_declaration")
    assert len(queries.captured_queries) == 1
