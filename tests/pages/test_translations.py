"""Every string in the templates of the pages and messages has a Chinese translation (zh-hans is the default).

(tests/test_translations.py checks that each compiled catalogue matches its source.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from directory.management.commands.compile_translations import catalogues

ROOT = Path(settings.BASE_DIR)
APPS = ["config", "directory", "hotline", "cases", "rewards", "notifications"]
# Every page template (staff, reporter and reward pages) and every message template (SMS, e-mail).
TEMPLATES = sorted(
    path for app in APPS for pattern in ("*.html", "*.txt") for path in (ROOT / app / "templates").rglob(pattern)
)
# templatize turns {% translate %}, {% blocktranslate %} and _("…") into gettext-style calls.
CALL = re.compile(r"\b(?:gettext|pgettext|ngettext|_)\((?:u?'[^']*',\s*)?u?('(?:[^'\\]|\\.)*')")


def msgids(template: Path) -> set[str]:
    source = templatize(template.read_text(encoding="utf-8"), origin=str(template))
    return {ast.literal_eval(match) for match in CALL.findall(source)}


def translated() -> dict[str, str]:
    """Django merges every catalogue of the project; a template string may be in any of them."""
    return {
        entry.msgid: entry.msgstr
        for path in catalogues()
        for entry in polib.pofile(str(path))
        if not entry.obsolete and entry.msgstr
    }


def test_the_templates_are_found() -> None:
    assert len(TEMPLATES) >= 10
    assert "Staff login" in msgids(ROOT / "config" / "templates" / "registration" / "login.html")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_template_string_has_a_chinese_translation(template: Path) -> None:
    catalogue = translated()
    untranslated = sorted(msgid for msgid in msgids(template) if not catalogue.get(msgid))
    assert untranslated == [], f"run `make messages` and translate: {untranslated}"
