"""Websocket tickets for API clients, which have a token but no session cookie.

A ticket is random, lives ``ticket_seconds`` and opens one socket: redeeming it is a single
conditional UPDATE, so two sockets racing with the same ticket cannot both get in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Forbidden
from directory.access import access_for
from notifications.conf import setting
from notifications.models import LiveTicket


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def ticket_issue(*, user: Any) -> tuple[str, datetime]:
    if not access_for(user).is_staff_member:
        raise Forbidden(_("Live updates are for staff members."), code="permission_denied")
    ticket = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=setting("ticket_seconds"))
    LiveTicket.objects.create(token_hash=_hash(ticket), user=user, expires_at=expires_at)
    # Spent and expired tickets are useless; clearing them here keeps the table small without a job.
    LiveTicket.objects.filter(expires_at__lt=timezone.now() - timedelta(hours=1)).delete()
    return ticket, expires_at


def ticket_redeem(ticket: str) -> Any | None:
    """The ticket's user, once; None for an unknown, expired or already used ticket."""
    if not ticket or len(ticket) > 100:
        return None
    now = timezone.now()
    token_hash = _hash(ticket)
    taken = LiveTicket.objects.filter(token_hash=token_hash, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not taken:
        return None
    ticket_row = LiveTicket.objects.select_related("user").get(token_hash=token_hash)
    return ticket_row.user if ticket_row.user.is_active else None
