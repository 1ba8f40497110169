"""Every catalogue is fully translated to Chinese and its compiled .mo matches the .po."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from directory.management.commands.compile_translations import catalogues

CATALOGUES = catalogues()


def test_there_are_catalogues_for_the_core() -> None:
    apps = {path.relative_to(Path.cwd()).parts[0] for path in CATALOGUES}
    assert {"locale", "cases", "directory"} <= apps


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(Path.cwd())))
def test_every_message_has_a_chinese_translation(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(Path.cwd())))
def test_the_compiled_catalogue_is_fresh(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), "run: make messages"
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(po_path)).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}
    assert {key: value for key, value in compiled.items() if key[1]} == source, "run: make messages"
