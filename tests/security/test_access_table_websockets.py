"""The websocket half of the access table: every websocket route, for every persona.

A persona is allowed on ``/ws/live/`` when the socket greets it and lets it follow town A's case;
the socket's own tests (tests/notifications/test_live_socket.py) cover the other streams.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async

from cases.models import Case
from config.routing import websocket_urlpatterns
from tests.notifications.live_helpers import connect_as, next_frame, subscribe
from tests.security.test_access_table import ANONYMOUS, CASE_READERS, EVERYONE, REPORTER

# route → personas that may connect and follow town A's case
WEBSOCKET_ACCESS: dict[str, frozenset[str]] = {"ws/live/": CASE_READERS}


def test_every_websocket_route_has_a_row() -> None:
    routes = [str(pattern.pattern) for pattern in websocket_urlpatterns]
    missing = [route for route in routes if route not in WEBSOCKET_ACCESS]
    assert not missing, f"websocket routes without a row in the access table: {missing}"
    assert set(WEBSOCKET_ACCESS) == set(routes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("persona", sorted(EVERYONE))
async def test_each_persona_follows_town_a_only_as_its_row_says(
    persona: str, users: dict[str, Any], case_in: Callable[[str], Case]
) -> None:
    case = await database_sync_to_async(case_in)("investigating")
    socket = await connect_as(None if persona in {ANONYMOUS, REPORTER} else users[persona])
    greeting = await next_frame(socket)
    following = greeting["type"] == "hello" and (
        (await subscribe(socket, stream="case", case=case.reference))["type"] == "subscribed"
    )
    await socket.disconnect()
    assert following == (persona in WEBSOCKET_ACCESS["ws/live/"])
