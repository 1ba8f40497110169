"""Domain events of cases: record the row, then tell the apps above after commit.

``cases`` never imports ``hotline``, ``rewards`` or ``notifications``; they register handlers here
(in their ``AppConfig.ready``) and react to what happened. A rolled-back change publishes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from cases.models import Case, CaseEvent

logger = logging.getLogger(__name__)

Handler = Callable[[CaseEvent], None]
_handlers: list[Handler] = []


def subscribe(handler: Handler, *, first: bool = False) -> None:
    """Call ``handler`` for every committed event; ``first`` puts it ahead of the others (live
    streams go first so a socket learns of a change before slower handlers run)."""
    if handler in _handlers:
        return
    if first:
        _handlers.insert(0, handler)
    else:
        _handlers.append(handler)


def record(*, case: Case, kind: str, actor: Any = None, **fields: Any) -> CaseEvent:
    event = CaseEvent.objects.create(case=case, kind=kind, actor=actor if actor and actor.pk else None, **fields)
    transaction.on_commit(lambda: publish(event))
    return event


def publish(event: CaseEvent) -> None:
    for handler in list(_handlers):
        try:
            handler(event)
        except Exception:
            # One app's failure must not keep the others from reacting; the event row stays the truth.
            logger.exception("Handler %s failed for case event %s", getattr(handler, "__name__", handler), event.pk)
