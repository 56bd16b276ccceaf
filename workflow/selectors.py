"""Reads. One queryset each, joined; no per-row permission checks.

Visibility here is the same rule as `permissions.can_view`, expressed as SQL: a
membership semi-join (user → unit role group → unit) for unit people, plus every
declaration its unit has submitted at least once for office people (never-submitted
drafts stay inside the unit).
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from policies.models import Programme
from units.models import Unit, UnitRoleGroup
from workflow.errors import NotFound
from workflow.models import AuditEvent, Declaration
from workflow.permissions import is_assessor, is_office


def unit_ids_of(user) -> QuerySet:
    """Ids of the units where `user` is operator or leader (a subquery, not a list)."""
    return UnitRoleGroup.objects.filter(group__user=user).values("unit_id")


def units_of(user) -> QuerySet[Unit]:
    if not (user and user.is_authenticated):
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=unit_ids_of(user))


def declarations_visible_to(user, *, programme: Programme | None = None) -> QuerySet[Declaration]:
    if not (user and user.is_authenticated and user.is_active):
        return Declaration.objects.none()
    mine = Q(unit_id__in=unit_ids_of(user))
    if is_office(user):
        condition = mine | Q(first_submitted_at__isnull=False)
    else:
        condition = mine
    if programme is None:
        return Declaration.objects.filter(condition).select_related("unit", "programme")
    # One programme's rows: the caller holds the programme, so its wide row (the policy JSON)
    # is not joined into every declaration (PostgreSQL would sort it along with each row).
    return Declaration.objects.filter(condition, programme=programme).select_related("unit")


def declaration_get(user, pk, *, for_update: bool = False) -> Declaration:
    """The declaration if `user` may see it; NotFound for missing and forbidden alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = declarations_visible_to(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Declaration.DoesNotExist:
        raise NotFound() from None


def history_of(declaration: Declaration) -> QuerySet[AuditEvent]:
    """The declaration's audit events in chain order (the caller already may see it)."""
    return AuditEvent.objects.filter(declaration=declaration).select_related("actor").order_by("seq")


def declaration_history(user, declaration_id) -> QuerySet[AuditEvent]:
    return history_of(declaration_get(user, declaration_id))


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The trail for assessors; nothing for anyone else.

    An assessor sees every event outside declarations and every event of a declaration
    they may see (`declaration_history`'s rule): a unit's never-submitted draft stays
    inside the unit, its events too, until the unit submits it. The whole chain,
    drafts included, is checked by `audit.verify`, which needs no selector.
    """
    if not is_assessor(user):
        return AuditEvent.objects.none()
    visible = (
        Q(declaration__isnull=True)
        | Q(declaration__first_submitted_at__isnull=False)
        | Q(declaration__unit_id__in=unit_ids_of(user))
    )
    return AuditEvent.objects.filter(visible).select_related("actor", "unit", "declaration")
