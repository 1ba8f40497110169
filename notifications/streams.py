"""Live streams: which websocket groups an event goes to, and the frame that carries it.

Frames carry codes, the case reference and a short summary, never the reporter's personal data
nor free text (notes, questions) that might contain it; a client that needs more reads the case
through the API, where access is checked again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.utils.translation import override

from cases.models import Case, CaseEvent, Category, EventKind, State
from notifications.publisher import groups_send

logger = logging.getLogger(__name__)

BUREAU_GROUP = "bureau"
# A consumer method name: "live.event" → LiveConsumer.live_event.
EVENT_MESSAGE_TYPE = "live.event"


def town_group(town_id: int) -> str:
    return f"town.{town_id}"


def case_group(case_id: int) -> str:
    return f"case.{case_id}"


def groups_for(case: Case) -> list[str]:
    groups = [BUREAU_GROUP, case_group(case.pk)]
    if case.town_id is not None:
        groups.append(town_group(case.town_id))
    return groups


def event_frame(event: CaseEvent, case: Case) -> dict[str, Any]:
    """The JSON frame for ``event``; ``state`` is the case's state when the frame was built."""
    with override("zh-hans"):
        summary = f"{EventKind(event.kind).label}: {Category(case.category).label}"
        if event.kind == EventKind.TRANSITION and event.to_state:
            summary = f"{summary} → {State(event.to_state).label}"
    return {
        "type": "event",
        "id": event.pk,
        "kind": event.kind,
        "name": event.name,
        "case": case.reference,
        "town": case.town_id,
        "state": case.state,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "summary": summary,
        "at": event.created_at.isoformat(),
    }


def event_publish(event: CaseEvent) -> None:
    """Send a committed event to its groups (called by ``cases.events`` after commit).

    The event row is the truth and the channel layer only carries it fast: if this fails, clients
    get the event when they reconnect with their last event id.
    """
    case = event.case
    frame = event_frame(event, case)
    # "scope" is what consumers check before sending; "text" is the frame, encoded once.
    scope = {"id": frame["id"], "town": frame["town"], "state": frame["state"]}
    groups_send(groups_for(case), {"type": EVENT_MESSAGE_TYPE, "scope": scope, "text": json.dumps(frame)})


def error_frame(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": str(message), **extra}
