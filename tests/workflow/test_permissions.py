"""workflow.permissions.unit_perms: the unit permissions guardian would give, read in one statement."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.core import ObjectPermissionChecker

from tests.factories import UserFactory, person, unit_with_people
from units.roles import PERM_OPERATE, PERM_SEAL, Role
from workflow.permissions import has_unit_perm, unit_perms

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no permissions kept from before


def test_unit_perms_are_guardians_group_object_permissions_for_each_kind_of_person():
    unit, (operator, leader) = unit_with_people("perm-a", "开福区测试甲局")
    other, (other_operator, _other_leader) = unit_with_people("perm-b", "开福区测试乙局")
    reviewer = person("perm-reviewer", Role.REVIEWER)
    boss = UserFactory(is_superuser=True)
    gone = person("perm-gone", Role.LEADER, unit)
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    for someone in (operator, leader, other_operator, reviewer, boss, gone):
        for target in (unit, other):
            guardian = set(ObjectPermissionChecker(fresh(someone)).get_group_perms(target))
            assert unit_perms(fresh(someone), target) == guardian, (someone.username, target.code)
    assert unit_perms(fresh(leader), unit) == {PERM_OPERATE, PERM_SEAL}
    assert unit_perms(fresh(operator), unit) == {PERM_OPERATE}
    assert unit_perms(fresh(other_operator), unit) == frozenset()
    assert unit_perms(fresh(boss), unit) == frozenset()  # superuser status is not a unit role
    assert unit_perms(fresh(gone), unit) == frozenset()  # an inactive leader holds nothing


def test_a_unit_permission_costs_one_statement_per_unit_then_none():
    unit, (operator, _leader) = unit_with_people("perm-c", "开福区测试丙局")
    someone = fresh(operator)
    with CaptureQueriesContext(connection) as queries:
        assert has_unit_perm(someone, PERM_OPERATE, unit)
        assert not has_unit_perm(someone, PERM_SEAL, unit)
    assert len(queries) == 1


def test_an_inactive_person_holds_no_unit_permission():
    unit, (operator, _leader) = unit_with_people("perm-d", "开福区测试丁局")
    get_user_model().objects.filter(pk=operator.pk).update(is_active=False)
    assert not has_unit_perm(fresh(operator), PERM_OPERATE, unit)
