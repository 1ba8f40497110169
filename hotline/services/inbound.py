"""The door of the intake: store what arrived in one row and answer at once.

A webhook or form that built the whole case in the request spent ~14 statements, a reporter
lookup, PBKDF2 and the case-event fan-out before answering. Here the request commits one
``InboundReport`` row — the report is durable before any acknowledgement — and the task worker
turns the row into a case (``hotline.services.registration``). The receipt is drawn at the door and
its hash stored on the row, so the reporter can use it at once.

The row is the worker's queue entry too: the door stores no task row of its own and wakes no one.
It commits the row in one statement (autocommit: no BEGIN and COMMIT round trips, nothing else to
commit with it); every task worker looks at the table each poll and drains what waits
(``hotline.tasks.inbound_watch``), so a door costs no round trip beyond its own row
(bench/README.md, "Intake").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import Case, Reporter
from cases.receipts import receipt_index
from config import request_id
from config.crypto import EncryptedTextField
from hotline import tasks
from hotline.models import InboundReport

_FIELDS = [f for f in InboundReport._meta.concrete_fields if not f.primary_key]
# Only the encrypted fields and the timestamps (SQLite stores them as text) need preparing: the others
# hold text, integers or None, which the drivers take as they are. Django's generic
# ``get_db_prep_save`` over all of them cost ~35 µs per report; a field of another kind stops the
# import instead of being stored unprepared.
_PREPARED = frozenset(f for f in _FIELDS if isinstance(f, EncryptedTextField | models.DateTimeField))
_AS_IS = (models.CharField, models.IntegerField, models.ForeignKey)
if not all(f in _PREPARED or isinstance(f, _AS_IS) for f in _FIELDS):
    raise ImproperlyConfigured("InboundReport has a field that inbound_store does not know how to prepare.")
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
        request_id=request_id.of_request(),
        created_at=timezone.now(),
    )


def inbound_store(arrival: Arrival) -> tuple[InboundReport, bool]:
    """Commit the row once per ``sid``: (row, True) for this request, (the first delivery's row,
    False) for a redelivery, which then replays the first reply.

    Called outside any transaction (the views open none), so the row is committed when its INSERT
    returns.
    """
    inbound = _row(arrival)
    # One round trip; a concurrent redelivery waits on the unique index until the first commits.
    # A row without sid (the web mailbox) never conflicts: NULLs are distinct.
    values = [
        f.get_db_prep_save(getattr(inbound, f.attname), connection) if f in _PREPARED else getattr(inbound, f.attname)
        for f in _FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, values)
        claimed = cursor.fetchone()
    if claimed is None:
        return _built_without_worker(InboundReport.objects.get(sid=arrival.sid)), False
    inbound.pk = claimed[0]
    inbound._state.adding = False
    inbound._state.db = connection.alias
    return _built_without_worker(inbound), True


def _built_without_worker(inbound: InboundReport) -> InboundReport:
    """Where tasks run at once (``ImmediateBackend``: no worker process, so no watch on the table),
    the door drains the table itself; with a worker this costs nothing."""
    if inbound.status == InboundReport.Status.PENDING and not tasks.inbound_drain.get_backend().supports_defer:
        tasks.inbound_drain.enqueue()
    return inbound


def _latest_report_sql() -> str:
    """Portable SQL (PostgreSQL and the embedded SQLite): each side's LIMIT lives in a subquery."""
    case, reporter, inbound = Case._meta.db_table, Reporter._meta.db_table, InboundReport._meta.db_table
    latest_case = (
        "SELECT c.id AS case_id, CAST(NULL AS BIGINT) AS inbound_id, c.created_at, c.state "  # noqa: S608 - our tables
        f"FROM {case} c JOIN {reporter} r ON r.id = c.reporter_id "
        "WHERE r.phone_index = %(index)s AND c.created_at >= %(since)s ORDER BY c.created_at DESC LIMIT 1"
    )
    latest_waiting = (
        f"SELECT CAST(NULL AS BIGINT), i.id, i.created_at, NULL FROM {inbound} i "  # noqa: S608 - our table
        "WHERE i.status = %(pending)s AND i.sender_index = %(index)s AND i.created_at >= %(since)s "
        "ORDER BY i.created_at DESC LIMIT 1"
    )
    return (
        f"SELECT * FROM ({latest_case}) AS latest_case "  # noqa: S608 - built above from our table names
        f"UNION ALL SELECT * FROM ({latest_waiting}) AS latest_waiting "
        "ORDER BY 3 DESC LIMIT 1"
    )


_LATEST_REPORT = _latest_report_sql()


def latest_report_from(sender_index: str, since: datetime) -> tuple[Join, datetime, str] | None:
    """This number's latest report since ``since``: a case (with its state) or a row still waiting.

    The one read an SMS needs to choose its reply, in one round trip over two indexed lookups
    (the reporter's phone index, and the partial index of waiting rows by sender); written as
    SQL because compiling the two ORM queries cost more CPU than running them.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _LATEST_REPORT,
            {"index": sender_index, "since": since, "pending": InboundReport.Status.PENDING},
        )
        row = cursor.fetchone()
    if row is None:
        return None
    case_id, inbound_id, created_at, state = row
    if isinstance(created_at, str):  # SQLite hands raw timestamps back as text, in UTC
        created_at = parse_datetime(created_at)
    if timezone.is_naive(created_at):
        created_at = timezone.make_aware(created_at, UTC)
    return Join(case_id=case_id, inbound_id=inbound_id), created_at, state or InboundReport.Status.PENDING


def payload_of(inbound: InboundReport) -> dict[str, Any]:
    return json.loads(inbound.payload) if inbound.payload else {}
