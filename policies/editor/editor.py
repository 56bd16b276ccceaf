"""The programme editor: its sections in page order, and the `Editor` a page holds.

Adding a section (e.g. the reminder rules): a `FieldsSection` with a form (fields.py),
or a `ListSection` with a row form (lists.py, rows.py), appended to `SECTIONS`; see
docs/programme-editor.md.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from policies.editor.base import Section
from policies.editor.fields import BasicsSection, ClausesSection, ContactSection, DeclaringSection, WindowSection
from policies.editor.lists import (
    BannerSection,
    CategoriesSection,
    ChannelsSection,
    FormsSection,
    IndicatorsSection,
    PreviewForm,
    TopicsSection,
)
from policies.models import Programme
from policies.programme_rules import BannerPreview, banner_preview
from policies.rules import Problem

# The editor's sections, in page order. One more kind of rule = one more entry here.
SECTIONS: tuple[type[Section], ...] = (
    BasicsSection, WindowSection, DeclaringSection, FormsSection, TopicsSection, BannerSection,
    CategoriesSection, ChannelsSection, IndicatorsSection, ClausesSection, ContactSection,
)


class Editor:
    """Every section of one programme's editor (or, for an amendment, the sections of one rule group).

    `frozen`: the rule groups that may no longer be edited in place (read-only here).
    """

    def __init__(self, *, values: dict, data=None, programme: Programme | None = None,
                 frozen: Collection[str] = (), rule: str | None = None):
        self.values, self.data = values, data
        sections = [cls(values=values, data=data, programme=programme) for cls in SECTIONS]
        self.sections = [s for s in sections if s.rule_key == rule] if rule else sections
        self.frozen = {s.key for s in self.sections if s.rule_key and s.rule_key in frozen and not rule}
        self.preview_form = PreviewForm(data)
        self.errors: list[str] = []

    def editable(self) -> list[Section]:
        return [s for s in self.sections if s.key not in self.frozen]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def is_valid(self) -> bool:
        results = [s.is_valid() for s in self.editable()]  # every section validated, for its errors
        return all(results)

    def changed_values(self) -> dict:
        """The editable sections' values (call after `is_valid`)."""
        values: dict = {}
        for section in self.editable():
            section.contribute(values)
        return values

    def has_errors(self) -> bool:
        forms_section = next((s for s in self.editable() if isinstance(s, FormsSection)), None)
        return bool(forms_section and forms_section.fact_rows.has_placing_errors())

    def show(self, problems: list[Problem]) -> None:
        """Each problem next to its field; what no section owns goes to the top of the page."""
        for problem in problems:
            if not any(section.attach(problem) for section in self.editable()):
                self.errors.append(problem.message)

    def preview(self) -> BannerPreview | None:
        """The banner rule as posted (or as saved), applied to the sample unit."""
        banner = next((s for s in self.sections if isinstance(s, BannerSection)), None)
        if banner is None:
            return None
        templates, forbidden = self.values.get("banner_templates"), self.values.get("forbidden_banner_names")
        if self.data is not None and banner.key not in self.frozen and banner.is_valid():
            posted: dict = {}
            banner.contribute(posted)
            templates, forbidden = posted["banner_templates"], posted["forbidden_banner_names"]
        year = self._year()
        return banner_preview(templates or [], forbidden or [], year=year, unit_name=self.preview_form.unit_name(),
                              trial=self.preview_form.trial_text())

    def _year(self) -> int:
        window = next((s for s in self.sections if isinstance(s, WindowSection)), None)
        if window is not None and self.data is not None and window.key not in self.frozen and window.is_valid():
            year = window.form.cleaned_data.get("year")
            if year and 2000 <= year <= 2100:
                return year
        return self.values.get("year") or dt.date.today().year
