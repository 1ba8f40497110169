"""Durable reactions to case events: an outbox on the task queue, written with the event.

``events.record`` enqueues one ``event_dispatch`` per event. With the database task backend the
task row is inserted in the transaction that inserts the event, so a commit holds both: a process
that dies right after its commit loses no reaction, a worker runs them later. Each handler runs
in its own transaction; one that fails is retried alone, with back-off, up to ``max_attempts``.

Delivery is at least once (a retry, or a task re-run after its worker died), so every durable
handler must be idempotent: messages dedupe by key, a reward is proposed once per case, the
figures are recounted from the case.

Settings (``settings.CASE_EVENT_DISPATCH`` overrides each): ``max_attempts`` (default 5) and
``retry_base_seconds`` (default 30; each retry waits twice as long, at most an hour).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from cases.models import CaseEvent

logger = logging.getLogger(__name__)

Handler = Callable[[CaseEvent], None]
# Handlers by dotted name: the name travels in the task's arguments, so a retry re-runs only those that failed.
registry: dict[str, Handler] = {}

DEFAULTS = {"max_attempts": 5, "retry_base_seconds": 30}
MAX_DELAY_SECONDS = 3600


class HandlersFailed(Exception):
    """Marks a dispatch row failed; its traceback names the handlers and what happens next."""


def setting(name: str) -> int:
    return int({**DEFAULTS, **getattr(settings, "CASE_EVENT_DISPATCH", {})}[name])


def handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def register(handler: Handler) -> None:
    registry.setdefault(handler_name(handler), handler)


def dispatch_enqueue(event: CaseEvent) -> None:
    """Queue the durable reactions to ``event``; call it inside the event's transaction."""
    if not registry:
        return
    if isinstance(event_dispatch.get_backend(), DatabaseBackend):
        event_dispatch.enqueue(event.pk)  # the task row commits or rolls back with the event
    else:
        # A queue outside this database cannot share the transaction, and the tests' immediate
        # backend would run the reactions before the commit: hand those over once committed.
        transaction.on_commit(partial(event_dispatch.enqueue, event.pk))


@task()
def event_dispatch(event_id: int, handlers: list[str] | None = None, attempt: int = 1) -> list[str]:
    """Run the durable handlers (all, or the ``handlers`` a previous attempt left); returns those that ran."""
    event = CaseEvent.objects.filter(pk=event_id).first()
    if event is None:
        logger.warning("Case event %s is gone; nothing to react to", event_id)
        return []
    names = list(registry) if handlers is None else handlers
    failed = [name for name in names if not _run(name, event)]
    if failed:
        _retry_or_give_up(event_id, failed, attempt)
    return names


def _run(name: str, event: CaseEvent) -> bool:
    handler = registry.get(name)
    if handler is None:  # renamed or removed by a deploy since the event was queued
        logger.warning("No handler %s is registered; case event %s skips it", name, event.pk)
        return True
    try:
        with transaction.atomic():
            handler(event)
    except Exception:
        logger.exception("Handler %s failed for case event %s", name, event.pk)
        return False
    return True


def _retry_or_give_up(event_id: int, failed: list[str], attempt: int) -> None:
    """Enqueue the next attempt for ``failed`` (django-tasks has no retries), then fail this row."""
    if attempt >= setting("max_attempts"):
        raise HandlersFailed(f"{', '.join(failed)} failed {attempt} times for case event {event_id}; giving up")
    next_attempt = event_dispatch
    if next_attempt.get_backend().supports_defer:
        delay = min(setting("retry_base_seconds") * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
        next_attempt = next_attempt.using(run_after=timezone.now() + timedelta(seconds=delay))
    next_attempt.enqueue(event_id, handlers=failed, attempt=attempt + 1)
    raise HandlersFailed(f"{', '.join(failed)} failed for case event {event_id} (attempt {attempt}); retry queued")
