"""Exactly-once for voicemails: claim the CallSid before doing anything else.

(SMS claim their MessageSid with the ``InboundReport`` row itself, ``hotline.services.inbound``.)
One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` claims the sid in a single round trip (the
ORM's ``get_or_create`` needs four: SELECT, SAVEPOINT, INSERT, RELEASE). A concurrent
redelivery blocks on the unique index until the first transaction commits, then finds the
row and replays its reply. PostgreSQL and SQLite ≥ 3.35 both speak this SQL.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from hotline.models import TwilioDelivery

_CLAIM = (
    f"INSERT INTO {TwilioDelivery._meta.db_table} (sid, kind, reply, created_at) "  # noqa: S608 - our own table name
    "VALUES (%s, %s, '', %s) ON CONFLICT (sid) DO NOTHING RETURNING id"
)


def delivery_claim(*, sid: str, kind: str) -> tuple[TwilioDelivery, bool]:
    """(the delivery row, True if this request claimed it) — call inside the request's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [sid, kind, timezone.now()])
        row = cursor.fetchone()
    if row is None:
        return TwilioDelivery.objects.select_related("case").get(sid=sid), False
    delivery = TwilioDelivery(pk=row[0], sid=sid, kind=kind)
    delivery._state.adding = False
    delivery._state.db = connection.alias
    return delivery, True
