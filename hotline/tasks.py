"""Background work of the intake: copying media from Twilio once the case is committed."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from hotline.services.remote_media import MAX_ATTEMPTS, MediaUnavailable, remote_media_fetch


@task()
def media_fetch(media_id: int, attempt: int = 1) -> None:
    try:
        remote_media_fetch(media_id)
    except MediaUnavailable:
        # django-tasks has no retries: this row fails and a later copy tries again (STACK-NOTES §2).
        if attempt >= MAX_ATTEMPTS:
            raise
        retry = media_fetch
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + timedelta(seconds=min(30 * 2**attempt, 3600)))
        retry.enqueue(media_id, attempt=attempt + 1)
        raise
