"""Message texts from templates, in the recipient's language (zh-hans unless they chose English)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

_SPACES = re.compile(r"[ \t]*\n[ \t\n]*")


def language_of(code: str) -> str:
    supported = {language for language, _name in settings.LANGUAGES}
    return code if code in supported else "zh-hans"


def render_text(template: str, context: dict[str, Any], language: str) -> str:
    """Render ``notifications/<template>.txt``; blank lines left by template tags are squeezed."""
    with translation.override(language_of(language)):
        text = render_to_string(f"notifications/{template}.txt", context)
    return _SPACES.sub("\n", text).strip()
