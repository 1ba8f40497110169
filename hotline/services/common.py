"""Pieces every intake channel shares: clean text, the reporter's language, towns, media waiting for download."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case
from config.errors import ApplicationError
from directory.models import Town
from hotline import conf, tasks
from hotline.models import RemoteMedia

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def language_of(text: str) -> str:
    """``en`` for text written in Latin letters without Chinese characters; Chinese otherwise (the default)."""
    if _CJK.search(text):
        return "zh-hans"
    return "en" if len(_LATIN_WORD.findall(text)) >= 2 else "zh-hans"


def clean_text(text: str, *, field: str = "description", required: bool = True) -> str:
    """Normalised text within the length limit; a refusal naming the field otherwise.

    Emoji and mixed scripts are kept as written; only control characters (except newlines
    and tabs) are dropped, since they can only confuse the people who read the report.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if required and not text:
        raise ApplicationError(
            _("Please describe what you saw."), code="empty", fields={field: [_("This field is required.")]}
        )
    limit = conf.max_text_chars()
    if len(text) > limit:
        message = _("The text is too long: at most %(limit)s characters, this has %(count)s.") % {
            "limit": limit,
            "count": len(text),
        }
        raise ApplicationError(message, code="too_long", fields={field: [message]})
    return text


TOWNS_KEPT_SECONDS = 30.0
_towns: dict[str, tuple[float, list[Town]]] = {}


def towns_for_keywords() -> list[Town]:
    """The towns with their SMS keywords, kept in the process for ``TOWNS_KEPT_SECONDS``.

    Every SMS needs them and they change a few times a year; an edit in this process applies at
    once (``towns_forget`` on save), one made elsewhere within the half minute.
    """
    now = time.monotonic()
    kept = _towns.get("all")
    if kept is None or now - kept[0] > TOWNS_KEPT_SECONDS:
        kept = _towns["all"] = (now, list(Town.objects.all()))
    return kept[1]


def towns_forget(**kwargs: object) -> None:
    _towns.clear()


def town_by_keyword(word: str, towns: Iterable[Town] | None = None) -> Town | None:
    wanted = word.strip().lstrip("#＃").casefold()
    if not wanted:
        return None
    for town in Town.objects.all() if towns is None else towns:
        if wanted in {keyword.casefold() for keyword in town.sms_keywords} or wanted == town.code.casefold():
            return town
    return None


def town_keywords(towns: Iterable[Town] | None = None) -> list[str]:
    return [town.sms_keywords[0] for town in (Town.objects.all() if towns is None else towns) if town.sms_keywords]


def remote_media_add(
    *,
    case: Case,
    urls: Iterable[str],
    source: str,
    recording_sid: str = "",
    duration_seconds: int | None = None,
    transcript_status: str = "",
) -> list[RemoteMedia]:
    """Note files Twilio holds for the case; a task copies them in once the case is committed."""
    added = []
    for url in urls:
        media, created = RemoteMedia.objects.get_or_create(
            url=url,
            defaults={
                "case": case,
                "source": source,
                "recording_sid": recording_sid,
                "duration_seconds": duration_seconds,
                "transcript_status": transcript_status,
            },
        )
        if created:
            added.append(media)
            transaction.on_commit(partial(tasks.media_fetch.enqueue, media.pk))
    return added
