"""Background work of the intake: building cases from stored reports, copying media from Twilio.

Reports are built by drains (``inbound_drain``): one drain builds every row waiting in the table,
so a burst of reports costs the doors one task row, not one each (``services.inbound.inbound_wake``).
A row whose build fails gets its own retries (``inbound_register``, with back-off); a sweep every
``conf.sweep_seconds()`` drains whatever a dead door failed to wake the worker for.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from config.request_id import acting_for
from hotline import conf
from hotline.services.registration import inbound_build, inbound_failed, inbound_waiting
from hotline.services.remote_media import MAX_ATTEMPTS, MediaUnavailable, remote_media_fetch
from notifications.services import periodic
from notifications.services.reaper import DATABASE_DOWN

REGISTER_ATTEMPTS = 5
SWEEP = "hotline_inbound_sweep"

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
    """Build every report waiting in the table; enqueued by the door that found no drain pending."""
    inbound_sweep_start()
    return _drain()


@task()
def inbound_sweep(slot: int) -> str:
    """The safety net: a drain every ``conf.sweep_seconds()``, for rows whose door died between its
    commit and waking the worker, or whose wake-up failed (``notifications.services.periodic``)."""
    if not periodic.chain_run(inbound_sweep, SWEEP, slot, conf.sweep_seconds()):
        return "skipped: slot already swept"
    return _drain()


def inbound_sweep_start() -> None:
    """Start (or mend) the sweep's chain; idempotent. Every drain calls it, so the first report after a
    deploy starts the chain without a hook elsewhere; the task reaper mends it when a worker dies."""
    interval = conf.sweep_seconds()
    periodic.chain_schedule(inbound_sweep, SWEEP, periodic.current_slot(interval) + 1, interval)


@task()
def media_fetch(media_id: int, attempt: int = 1) -> None:
    try:
        remote_media_fetch(media_id)
    except MediaUnavailable:
        if attempt >= MAX_ATTEMPTS:
            raise
        _retry(media_fetch, media_id, attempt)
        raise
