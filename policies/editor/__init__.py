"""The programme editor's forms: one section per kind of rule (fields.py, lists.py), one
small form per list row (rows.py), the page's `Editor` and the section order (editor.py).
Pages live in workflow/views/programmes.py, because saving goes through the audited
services of workflow/programme_services.py."""
from policies.editor.editor import SECTIONS, Editor

__all__ = ["SECTIONS", "Editor"]
