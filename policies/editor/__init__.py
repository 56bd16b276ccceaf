"""The programme editor's forms: one section per kind of rule (sections.py), one small
form per list row (rows.py). Pages live in workflow/views/programmes.py, because saving
goes through the audited services of workflow/programme_services.py."""
from policies.editor.sections import SECTIONS, Editor

__all__ = ["SECTIONS", "Editor"]
