"""Background work of the intake: building cases from stored reports, copying media from Twilio."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from hotline.services.registration import inbound_build, inbound_failed
from hotline.services.remote_media import MAX_ATTEMPTS, MediaUnavailable, remote_media_fetch

REGISTER_ATTEMPTS = 5


def _retry(retry: Task[..., None], item_id: int, attempt: int) -> None:
    """django-tasks has no retries: this row fails and a later copy tries again (STACK-NOTES §2)."""
    if retry.get_backend().supports_defer:
        retry = retry.using(run_after=timezone.now() + timedelta(seconds=min(30 * 2**attempt, 3600)))
    retry.enqueue(item_id, attempt=attempt + 1)


@task()
def inbound_register(inbound_id: int, attempt: int = 1) -> None:
    """Build the case of a report stored at the door; a failure leaves the row pending for the next try."""
    try:
        inbound_build(inbound_id)
    except Exception as error:
        inbound_failed(inbound_id, error)
        if attempt < REGISTER_ATTEMPTS:
            _retry(inbound_register, inbound_id, attempt)
        raise


@task()
def media_fetch(media_id: int, attempt: int = 1) -> None:
    try:
        remote_media_fetch(media_id)
    except MediaUnavailable:
        if attempt >= MAX_ATTEMPTS:
            raise
        _retry(media_fetch, media_id, attempt)
        raise
