"""Reads of programmes and their amendments, for pages, the API and the public column."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from policies.models import Programme, ProgrammeAmendment
from policies.programme_data import FIELD_LABELS, LOCKED_RULES, describe


def current_programme() -> Programme | None:
    """The year the navigation opens: the programme marked current; else the latest one open
    for declarations; else the latest that accepts declarations at all. One query."""
    return (
        Programme.objects.filter(Q(is_current=True) | Q(accepts_declarations=True))
        .order_by("-is_current", "-is_open", "-year", "code")
        .first()
    )


@dataclass(frozen=True)
class AmendmentChange:
    field: str
    label: str
    old: str  # in Chinese, as people read it (programme_data.describe)
    new: str


@dataclass(frozen=True)
class Amendment:
    """One published amendment: everything the programme page and the public column show."""

    pk: int
    programme_code: str
    rule: str
    rule_label: str
    changes: tuple[AmendmentChange, ...]
    reason: str
    effective_on: dt.date
    made_at: dt.datetime
    made_by: str  # the person's name as the office knows it


def programme_amendments(programme: Programme | str) -> list[Amendment]:
    """The amendments of a programme (or of its code), oldest first. One query.

    Safe to show the public: rules, reasons and dates are part of the published programme.
    """
    qs = ProgrammeAmendment.objects.select_related("made_by", "programme").order_by("effective_on", "pk")
    qs = qs.filter(programme__code=programme) if isinstance(programme, str) else qs.filter(programme=programme)
    return [
        Amendment(
            pk=a.pk, programme_code=a.programme.code, rule=a.rule,
            rule_label=LOCKED_RULES[a.rule].label if a.rule in LOCKED_RULES else a.rule,
            changes=tuple(
                AmendmentChange(name, FIELD_LABELS.get(name, name), describe(name, old, _names(a.programme)),
                                describe(name, new, _names(a.programme)))
                for name, (old, new) in a.changes.items()
            ),
            reason=a.reason, effective_on=a.effective_on, made_at=a.made_at,
            made_by=a.made_by.get_full_name() or a.made_by.first_name or a.made_by.username,
        )
        for a in qs
    ]



def _names(programme: Programme) -> dict:
    """What `describe` needs to name coded values (the participant categories)."""
    return {"participant_categories": programme.participant_categories}
