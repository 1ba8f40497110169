"""Websocket authentication: the session cookie (pages) or ``?ticket=`` (API clients)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from notifications.services.tickets import ticket_redeem


class TicketAuthMiddleware:
    """Runs inside ``AuthMiddlewareStack``: a ``ticket`` in the query string replaces the session user.

    A bad ticket does not fall back to the session: the consumer answers it with an error frame
    and close code 4401, so a client learns its ticket was stale or reused.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        tickets = query.get("ticket")
        if tickets:
            user = await database_sync_to_async(ticket_redeem)(tickets[0])
            scope = dict(scope)
            if user is None:
                scope["ticket_refused"] = True
            else:
                scope["user"] = user
        return await self.app(scope, receive, send)
