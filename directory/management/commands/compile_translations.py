"""``manage.py compile_translations``: compile every django.po to .mo in pure Python (polib).

GNU gettext is not needed on a fresh machine; the compiled .mo files are committed and a test
checks they match their .po files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(path for path in base.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in path.parts)


class Command(BaseCommand):
    help = "Compile all translation catalogues of the project to .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        for po_path in catalogues():
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
