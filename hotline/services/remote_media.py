"""Copy files Twilio holds (MMS photos, voicemail recordings) into the case's evidence.

Downloads go through the authenticated ``twilio`` client (Twilio media needs the account's
credentials). In sandbox mode there is no account: only loopback URLs are fetched, which is
where ``hotline_simulate`` serves the recording it pretends Twilio made.
"""

from __future__ import annotations

import logging
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Attachment
from config import twilio
from config.errors import ApplicationError
from hotline.models import RemoteMedia
from hotline.services.media import attachment_store, check_file, evidence_removed_on_failure
from hotline.services.transcripts import transcript_apply

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class MediaUnavailable(Exception):
    """Twilio did not hand the file over this time (network, 5xx); worth another try."""


def download(url: str) -> bytes:
    if twilio.sandbox():
        if urlsplit(url).hostname not in _LOOPBACK:
            raise ApplicationError("sandbox mode fetches only loopback media", code="sandbox")
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only, checked above
            return bytes(response.read())
    captured: dict[str, Any] = {}

    def keep_raw(response: Any, *args: Any, **kwargs: Any) -> Any:
        # twilio's Response holds decoded text; binary media needs the raw bytes of requests' response.
        captured["response"] = response
        return response

    client = twilio.client(timeout=30)
    client.http_client.request_hooks = {"response": [keep_raw]}  # type: ignore[attr-defined]
    try:
        result = client.request("GET", url, allow_redirects=True)
    except Exception as error:
        raise MediaUnavailable(type(error).__name__) from error
    if result.status_code != 200 or "response" not in captured:
        raise MediaUnavailable(f"HTTP {result.status_code}")
    return bytes(captured["response"].content)


def remote_media_fetch(media_id: int) -> RemoteMedia:
    """Download once and store; idempotent, so a retried task does nothing after success."""
    media = RemoteMedia.objects.select_related("case").get(pk=media_id)
    if media.status == RemoteMedia.Status.STORED:
        return media
    media.attempts += 1
    try:
        content = download(media.url)
        kind = check_file(media.url.rsplit("/", 1)[-1], content, field="MediaUrl")
    except MediaUnavailable as error:
        media.last_error = str(error)[:200]
        media.status = RemoteMedia.Status.FAILED if media.attempts >= MAX_ATTEMPTS else RemoteMedia.Status.PENDING
        media.save(update_fields=["attempts", "last_error", "status"])
        raise
    except ApplicationError as refusal:
        # Not a file we keep (wrong type, too large): no retry will change that.
        media.status, media.last_error = RemoteMedia.Status.FAILED, refusal.message[:200]
        media.save(update_fields=["attempts", "last_error", "status"])
        logger.warning("Remote media %s refused: %s", media.pk, refusal.code)
        return media
    with evidence_removed_on_failure(), transaction.atomic():
        locked = RemoteMedia.objects.select_for_update().get(pk=media.pk)
        if locked.status == RemoteMedia.Status.STORED:
            return locked
        attachment = attachment_store(
            case=media.case,
            content=content,
            kind=kind,
            source=media.source,
            original_name=_("voicemail") if media.source == Attachment.Source.VOICEMAIL else "",
            duration_seconds=media.duration_seconds,
            transcript_status=locked.transcript_status,
        )
        locked.attachment, locked.status, locked.attempts = attachment, RemoteMedia.Status.STORED, media.attempts
        locked.save(update_fields=["attachment", "status", "attempts"])
        if locked.transcript:
            transcript_apply(media=locked)
    return locked
