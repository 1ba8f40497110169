"""The door of the intake: store what arrived in one row with its build task, answer at once.

A webhook or form that built the whole case in the request spent ~14 statements, a reporter
lookup, PBKDF2 and the case-event fan-out before answering. Here the request commits one
``InboundReport`` row and one task row in a single transaction — the report is durable before any
acknowledgement — and the task worker turns the row into a case (``hotline.services.registration``).
The receipt is drawn at the door and its hash stored on the row, so the reporter can use it at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from cases.receipts import receipt_index
from hotline import tasks
from hotline.models import InboundReport

_FIELDS = [f for f in InboundReport._meta.concrete_fields if not f.primary_key]
_CLAIM = (
    f"INSERT INTO {InboundReport._meta.db_table} "  # noqa: S608 - our own table and column names
    f"({', '.join(connection.ops.quote_name(str(f.column)) for f in _FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_FIELDS))}) ON CONFLICT (sid) DO NOTHING RETURNING id"
)


@dataclass(frozen=True)
class Join:
    """What a message that adds to an earlier report joins: its case, or its row still waiting."""

    case_id: int | None = None
    inbound_id: int | None = None


@dataclass
class Arrival:
    """What the door decided: the reply, and what the worker is to build (nothing when ``answered``)."""

    channel: str
    reply: str = ""
    sid: str | None = None
    build: bool = True
    receipt: str = ""
    sender_index: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    join: Join | None = None


def _row(arrival: Arrival) -> InboundReport:
    return InboundReport(
        sid=arrival.sid,
        channel=arrival.channel,
        status=InboundReport.Status.PENDING if arrival.build else InboundReport.Status.ANSWERED,
        receipt_index=receipt_index(arrival.receipt) if arrival.receipt else None,
        sender_index=arrival.sender_index,
        payload=json.dumps(arrival.payload, ensure_ascii=False) if arrival.build else "",
        reply=arrival.reply,
        join_case_id=arrival.join.case_id if arrival.join else None,
        join_inbound_id=arrival.join.inbound_id if arrival.join else None,
        created_at=timezone.now(),
    )


def inbound_store(arrival: Arrival) -> tuple[InboundReport, bool]:
    """Commit the row (and its build task) once per ``sid``: (row, True) for this request, (the first
    delivery's row, False) for a redelivery, which then replays the first reply."""
    inbound = _row(arrival)
    with transaction.atomic():
        if arrival.sid is None:
            inbound.save(force_insert=True)
        else:
            # One round trip; a concurrent redelivery waits on the unique index until the first commits.
            values = [f.get_db_prep_save(f.pre_save(inbound, add=True), connection) for f in _FIELDS]
            with connection.cursor() as cursor:
                cursor.execute(_CLAIM, values)
                claimed = cursor.fetchone()
            if claimed is None:
                return InboundReport.objects.get(sid=arrival.sid), False
            inbound.pk = claimed[0]
            inbound._state.adding = False
            inbound._state.db = connection.alias
        if arrival.build:
            tasks.inbound_register.enqueue(inbound.pk)
    return inbound, True


def pending_from_sender(sender_index: str, since: datetime) -> InboundReport | None:
    """This number's latest report still waiting for its case (an indexed read of one row)."""
    return (
        InboundReport.objects.filter(
            status=InboundReport.Status.PENDING, sender_index=sender_index, created_at__gte=since
        )
        .order_by("-created_at")
        .first()
    )


def inbound_for_receipt(digits: str) -> InboundReport | None:
    """The row a receipt was given for, whether or not its case is built yet."""
    return InboundReport.objects.filter(receipt_index=receipt_index(digits)).first()


def payload_of(inbound: InboundReport) -> dict[str, Any]:
    return json.loads(inbound.payload) if inbound.payload else {}
