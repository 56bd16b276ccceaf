"""What every section of the programme editor does (see docs/programme-editor.md).

A section owns some keys of the programme's values (`programme_data`): it builds its
form or row formsets from them, gives them back from the posted data (`contribute`), and
shows each problem of `programme_rules` next to the field it is about (`attach`). A
section whose keys are one of the frozen rule groups (`rule_key`) turns read-only once a
unit has submitted, and is the form of that group's amendment page.
"""
from __future__ import annotations

from policies.models import Programme
from policies.programme_data import FIELD_LABELS, LOCKED_RULES, describe
from policies.rules import Problem


class Section:
    key: str
    title: str
    help: str = ""
    fields: tuple[str, ...] = ()  # the values' keys this section edits
    rule_key: str | None = None  # a LOCKED_RULES key: frozen once a unit has submitted
    template = "programmes/_section_fields.html"

    def __init__(self, *, values: dict, data=None, programme: Programme | None = None):
        self.saved, self.data, self.programme = values, data, programme
        self.errors: list[str] = []

    def is_valid(self) -> bool:
        raise NotImplementedError

    def contribute(self, values: dict) -> None:
        raise NotImplementedError

    def attach(self, problem: Problem) -> bool:
        """Show `problem` in this section if it is about one of its keys."""
        raise NotImplementedError

    def owns(self, problem: Problem) -> bool:
        return problem.field.split(".")[0] in self.fields

    def summary(self) -> list[tuple[str, str]]:
        """The saved values in Chinese (read-only view: the programme page, a frozen section)."""
        return [(FIELD_LABELS[name], describe(name, self.saved.get(name), self.saved)) for name in self.fields]

    @property
    def rule_label(self) -> str:
        return LOCKED_RULES[self.rule_key].label if self.rule_key else ""
