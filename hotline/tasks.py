"""Background work of the intake: building cases from stored reports, copying media from Twilio.

Reports are built by drains (``inbound_drain``): one drain builds every row waiting in the table.
The doors enqueue nothing: every task worker looks at the table each poll (``inbound_watch``) and
enqueues a drain when a report waits, so a burst of reports costs one task row, and a door that died
after its commit leaves nothing unbuilt. A row whose build fails gets its own retries
(``inbound_register``, with back-off).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from config.request_id import acting_for
from hotline.services.registration import inbound_build, inbound_failed, inbound_waiting, inbound_waits
from hotline.services.remote_media import MAX_ATTEMPTS, MediaUnavailable, remote_media_fetch
from notifications.services.reaper import DATABASE_DOWN

REGISTER_ATTEMPTS = 5

logger = logging.getLogger(__name__)


def _retry(retry: Task[..., None], item_id: int, attempt: int) -> None:
    """django-tasks has no retries: this row fails and a later copy tries again (STACK-NOTES §2)."""
    if retry.get_backend().supports_defer:
        retry = retry.using(run_after=timezone.now() + timedelta(seconds=min(30 * 2**attempt, 3600)))
    retry.enqueue(item_id, attempt=attempt + 1)


def _register(inbound_id: int, attempt: int) -> None:
    """Build one report; a failure leaves the row pending, counted, with its next try queued."""
    try:
        inbound_build(inbound_id)
    except DATABASE_DOWN:
        raise  # not the report's fault: its worker runs the task again once the database is back
    except Exception as error:
        inbound_failed(inbound_id, error)
        if attempt < REGISTER_ATTEMPTS:
            _retry(inbound_register, inbound_id, attempt)
        raise


@task()
def inbound_register(inbound_id: int, attempt: int = 1) -> None:
    """Try again to build a report whose build failed (or one queued by ``hotline_register_pending``)."""
    _register(inbound_id, attempt)


def _drain() -> str:
    built = failed = 0
    for inbound_id, request_id in inbound_waiting():
        with acting_for(request_id):  # the lines about this report carry the id of the request that sent it
            try:
                _register(inbound_id, attempt=1)
            except DATABASE_DOWN:
                raise  # the next report would fail too; the worker runs the drain again once it is back
            except Exception as error:  # its own retry is queued; the other reports must not wait for it
                failed += 1
                logger.error("Inbound report %s not built (%s); it will be retried", inbound_id, type(error).__name__)
            else:
                built += 1
                logger.info("Inbound report %s registered", inbound_id)
    return f"{built} built, {failed} failed"


@task()
def inbound_drain() -> str:
    """Build every report waiting in the table; enqueued by ``inbound_watch``."""
    return _drain()


def inbound_watch() -> None:
    """A worker's look at the intake, each poll (``settings.TASK_WORKER_WATCHES``): enqueue a drain
    when a report waits for its first build and no drain is queued that has not started yet.

    A queued drain that has not started reads the table after this look, so it builds every row seen
    here. A running one may already have passed a row, so it does not count: the next look enqueues
    another drain, which builds what the first did not reach (or waits on its lock, and finds it built).
    """
    if not inbound_waits():
        return
    if DBTaskResult.objects.ready().filter(task_path=inbound_drain.module_path).exists():
        return
    inbound_drain.enqueue()


@task()
def media_fetch(media_id: int, attempt: int = 1) -> None:
    try:
        remote_media_fetch(media_id)
    except MediaUnavailable:
        if attempt >= MAX_ATTEMPTS:
            raise
        _retry(media_fetch, media_id, attempt)
        raise
