"""units: one group per unit and role carries that role's object permissions on that unit only."""
from __future__ import annotations

import pytest
from guardian.shortcuts import get_perms

from tests.factories import UnitFactory, UserFactory
from units.models import UnitRoleGroup
from units.roles import PERM_OPERATE, PERM_SEAL, Role
from units.services import unit_role_group

pytestmark = pytest.mark.django_db


def test_a_leaders_group_seals_and_operates_its_own_unit_and_nothing_else():
    unit, other = UnitFactory(), UnitFactory()
    group = unit_role_group(unit=unit, role=Role.LEADER)
    assert sorted(get_perms(group, unit)) == sorted([PERM_OPERATE, PERM_SEAL])
    assert get_perms(group, other) == []
    person = UserFactory()
    person.groups.add(group)
    assert person.has_perm(f"units.{PERM_SEAL}", unit) and not person.has_perm(f"units.{PERM_SEAL}", other)


def test_an_operators_group_may_not_seal():
    unit = UnitFactory()
    assert get_perms(unit_role_group(unit=unit, role=Role.OPERATOR), unit) == [PERM_OPERATE]


def test_the_group_is_made_once_per_unit_and_role():
    unit = UnitFactory()
    first = unit_role_group(unit=unit, role=Role.OPERATOR)
    assert unit_role_group(unit=unit, role=Role.OPERATOR) == first
    assert unit_role_group(unit=unit, role=Role.LEADER) != first
    assert UnitRoleGroup.objects.filter(unit=unit).count() == 2
