"""Helpers for websocket tests: sessions for personas and frames read with a deadline."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

ORIGIN = (b"origin", b"http://testserver")


@database_sync_to_async
def session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def connect_as(
    user: Any | None, path: str = "/ws/live/", origin: tuple[bytes, bytes] = ORIGIN, accept_language: bytes = b""
) -> Any:
    headers = [origin]
    if accept_language:
        headers.append((b"accept-language", accept_language))
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _subprotocol = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def next_frame(communicator: Any, timeout: float = 5) -> dict[str, Any]:
    frame: dict[str, Any] = await communicator.receive_json_from(timeout=timeout)
    return frame


async def subscribe(communicator: Any, **request: Any) -> dict[str, Any]:
    await communicator.send_json_to({"type": "subscribe", **request})
    return await next_frame(communicator)


async def frame_about(connection: Any, reference: str, timeout: float = 20) -> dict[str, Any]:
    """The next frame about case ``reference`` on a real ``websockets`` connection.

    The bureau stream carries every case's events, and Redis pub/sub channels are shared by all
    databases of one server, so other tests' events may arrive first: skip them, within the deadline.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(connection.recv(), max(deadline - loop.time(), 0)))
        if message.get("case") == reference:
            return dict(message)
