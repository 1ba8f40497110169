"""Domain events of cases: record the row and its pending reactions; the apps above react.

``cases`` never imports ``hotline``, ``rewards`` or ``notifications``; they register handlers here
(in their ``AppConfig.ready``) and react to what happened. A rolled-back change publishes nothing.
Two ways to react:

- ``subscribe(handler)``: durable. The reaction is queued in the event's own transaction and run
  by the task worker, at least once (``cases.dispatch``), so the handler must be idempotent.
- ``subscribe_on_commit(handler)``: in the committing process right after commit, best effort,
  for fast reactions that have another way to catch up (live streams: clients replay from the
  event table).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction

from cases import dispatch
from cases.models import Case, CaseEvent

logger = logging.getLogger(__name__)

Handler = dispatch.Handler
_on_commit: list[Handler] = []


def subscribe(handler: Handler) -> None:
    """Run ``handler`` in the task worker for every committed event; it must be idempotent."""
    dispatch.register(handler)


def subscribe_on_commit(handler: Handler) -> None:
    """Run ``handler`` in this process once the event commits; lost if the process dies first."""
    if handler not in _on_commit:
        _on_commit.append(handler)


def record(*, case: Case, kind: str, actor: Any = None, **fields: Any) -> CaseEvent:
    # One transaction for the event and its queued reactions, also when the caller has none.
    with transaction.atomic(savepoint=False):
        event = CaseEvent.objects.create(case=case, kind=kind, actor=actor if actor and actor.pk else None, **fields)
        transaction.on_commit(partial(_publish_on_commit, event))
        dispatch.dispatch_enqueue(event)
    return event


def _publish_on_commit(event: CaseEvent) -> None:
    for handler in list(_on_commit):
        try:
            handler(event)
        except Exception:
            # One app's failure must not keep the others from reacting; the event row stays the truth.
            logger.exception("Handler %s failed for case event %s", getattr(handler, "__name__", handler), event.pk)
