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
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.utils import timezone

from cases.models import Case, Reporter
from cases.models.states import OPEN_STATES
from cases.receipts import receipt_index
from config import request_id
from config.crypto import EncryptedTextField
from config.db import prepared_cursor
from hotline import tasks
from hotline.models import InboundReport

_FIELDS = [f for f in InboundReport._meta.concrete_fields if not f.primary_key]
# Only the encrypted fields and the timestamps (SQLite stores them as text) need preparing: the others
# hold text, integers or None, which the drivers take as they are. Django's generic
# ``get_db_prep_save`` over all of them cost ~35 µs per report; a field of another kind stops the
# import instead of being stored unprepared.
_PREPARED = frozenset(f for f in _FIELDS if isinstance(f, EncryptedTextField | models.DateTimeField))
_CREATED_AT = InboundReport._meta.get_field("created_at")
_AS_IS = (models.CharField, models.IntegerField, models.ForeignKey)
if not all(f in _PREPARED or isinstance(f, _AS_IS) for f in _FIELDS):
    raise ImproperlyConfigured("InboundReport has a field that inbound_store does not know how to prepare.")
_TABLE = InboundReport._meta.db_table
_COLUMNS = ", ".join(connection.ops.quote_name(str(f.column)) for f in _FIELDS)
_RETURNING = "ON CONFLICT (sid) DO NOTHING RETURNING id, join_case_id, join_inbound_id"
_CLAIM = f"INSERT INTO {_TABLE} ({_COLUMNS}) VALUES ({', '.join(['%s'] * len(_FIELDS))}) {_RETURNING}"  # noqa: S608


def _latest_open_report_sql() -> str:
    """This number's latest report of the join window, if it is still open: its case, or its row still
    waiting. Portable SQL (PostgreSQL and the embedded SQLite): each side's LIMIT lives in a subquery,
    and the latest is chosen before the open-state filter (a closed latest case joins nothing). The
    states are written in, not passed: a plan prepared for any parameters can then use the partial
    index of waiting rows (``hotline_inbound_pending_sender``)."""
    case, reporter, inbound = Case._meta.db_table, Reporter._meta.db_table, InboundReport._meta.db_table
    pending = _literal(InboundReport.Status.PENDING)
    latest_case = (
        "SELECT c.id AS case_id, CAST(NULL AS BIGINT) AS inbound_id, c.created_at, c.state "  # noqa: S608 - our tables
        f"FROM {case} c JOIN {reporter} r ON r.id = c.reporter_id "
        "WHERE r.phone_index = %s AND c.created_at >= %s ORDER BY c.created_at DESC LIMIT 1"
    )
    latest_waiting = (
        f"SELECT CAST(NULL AS BIGINT), i.id, i.created_at, NULL FROM {inbound} i "  # noqa: S608 - our table
        f"WHERE i.status = {pending} AND i.sender_index = %s AND i.created_at >= %s ORDER BY i.created_at DESC LIMIT 1"
    )
    open_states = ", ".join(_literal(state) for state in sorted(OPEN_STATES))
    return (
        "SELECT case_id, inbound_id FROM ("  # noqa: S608 - built above from our table names
        f"SELECT * FROM ({latest_case}) AS latest_case UNION ALL SELECT * FROM ({latest_waiting}) AS latest_waiting "
        f"ORDER BY 3 DESC LIMIT 1) AS latest WHERE inbound_id IS NOT NULL OR state IN ({open_states})"
    )


def _literal(state: str) -> str:
    if not state.isidentifier():
        raise ImproperlyConfigured(f"State {state!r} cannot be written into SQL as it is.")
    return f"'{state}'"


# What a message that joins keeps instead of a new report's receipt, sender and reply (``Recent``).
_JOINED: dict[str, Any] = {"receipt_index": None, "sender_index": "", "reply": ""}
# The columns a first message takes from the lookup of the number's latest open report.
_FROM_LATEST = {"join_case": "latest.case_id", "join_inbound": "latest.inbound_id"}


def _claim_or_join_sql() -> str:
    """The INSERT of a first message that may join the number's latest open report (``Recent``): the
    choice is made by the INSERT itself, so the message costs one round trip, not a read and a write."""
    items = []
    for f in _FIELDS:
        if f.name in _JOINED:
            items.append("CASE WHEN latest.case_id IS NULL AND latest.inbound_id IS NULL THEN %s ELSE %s END")
        elif f.name in _FROM_LATEST:
            items.append(_FROM_LATEST[f.name])
        else:
            items.append("%s")
    # ``WHERE TRUE`` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
    return (
        f"INSERT INTO {_TABLE} ({_COLUMNS}) SELECT {', '.join(items)} "  # noqa: S608 - our table and columns
        f"FROM (SELECT 1 AS arrival) AS arrival LEFT JOIN ({_latest_open_report_sql()}) AS latest ON TRUE "
        f"WHERE TRUE {_RETURNING}"
    )


_CLAIM_OR_JOIN = _claim_or_join_sql()


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
    recent: Recent | None = None


@dataclass(frozen=True)
class Recent:
    """A first message joins the number's latest open report since ``since``, if there is one; else
    it is a new report. A message that joined keeps no receipt and no reply of its own: its reply is
    the same words for every such message, so the caller words it (no token to encrypt per message)."""

    sender_index: str
    since: datetime


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
    values = [_prepared(f, getattr(inbound, f.attname)) for f in _FIELDS]
    with prepared_cursor() as cursor:
        if arrival.recent is None:
            cursor.execute(_CLAIM, values)
        else:
            cursor.execute(_CLAIM_OR_JOIN, _claim_or_join_params(values, arrival.recent))
        claimed = cursor.fetchone()
    if claimed is None:
        return _built_without_worker(InboundReport.objects.get(sid=arrival.sid)), False
    inbound.pk, inbound.join_case_id, inbound.join_inbound_id = claimed
    if arrival.recent is not None and (inbound.join_case_id or inbound.join_inbound_id):
        for name, value in _JOINED.items():
            setattr(inbound, name, value)
    inbound._state.adding = False
    inbound._state.db = connection.alias
    return _built_without_worker(inbound), True


def _prepared(f: models.Field[Any, Any], value: Any) -> Any:
    return f.get_db_prep_save(value, connection) if f in _PREPARED else value


def _claim_or_join_params(values: list[Any], recent: Recent) -> list[Any]:
    params: list[Any] = []
    for f, value in zip(_FIELDS, values, strict=True):
        if f.name in _JOINED:
            params += [value, _prepared(f, _JOINED[f.name])]  # (if new, if it joins), as the CASE has them
        elif f.name not in _FROM_LATEST:
            params.append(value)
    since = _prepared(_CREATED_AT, recent.since)
    return [*params, recent.sender_index, since, recent.sender_index, since]


def _built_without_worker(inbound: InboundReport) -> InboundReport:
    """Where tasks run at once (``ImmediateBackend``: no worker process, so no watch on the table),
    the door drains the table itself; with a worker this costs nothing."""
    if inbound.status == InboundReport.Status.PENDING and not tasks.inbound_drain.get_backend().supports_defer:
        tasks.inbound_drain.enqueue()
    return inbound


def payload_of(inbound: InboundReport) -> dict[str, Any]:
    return json.loads(inbound.payload) if inbound.payload else {}
