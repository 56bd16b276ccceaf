"""Chinese first: the project catalog is complete, compiled, and wins over viewflow's empty one."""
from __future__ import annotations

import gettext
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_msgid_in_the_project_catalog_is_translated_and_not_fuzzy():
    po = polib.pofile(str(CATALOG / "django.po"))
    assert len(po) > 100
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    assert untranslated == [] and fuzzy == [] and obsolete == []
    assert not po.metadata_is_fuzzy


def test_the_compiled_catalog_matches_the_po_file():
    po = polib.pofile(str(CATALOG / "django.po"))
    with open(CATALOG / "django.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert mo.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert mo.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_viewflow_words_read_in_chinese():
    from viewflow.workflow.status import STATUS

    with translation.override("zh-hans"):
        assert str(STATUS.NEW.label) == "待领取"
        assert str(STATUS.DONE.label) == "已完成"
        assert translation.gettext("Inbox") == "待办"
        assert translation.gettext("Queue") == "待领取"
        assert translation.gettext("Archive") == "已办"
