"""Sending to channel-layer groups from synchronous code (services, the task worker).

``async_to_sync`` called outside any event loop starts a fresh loop per call, and channels-redis
opens new connections for every loop: ~10 ms per event. Here one background loop keeps its
connections, so a publish costs about one Redis round trip per group. The in-memory layer (one
process, ``make run``) keeps ``async_to_sync``: its queues belong to the server's own loop, which
``async_to_sync`` reaches from the server's sync threads.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

PUBLISH_TIMEOUT_SECONDS = 5.0


class _BackgroundLoop:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="live-publisher", daemon=True).start()
            return self._loop

    def run(self, make: Callable[[], Awaitable[Any]]) -> Any:
        async def call() -> Any:
            return await make()

        return asyncio.run_coroutine_threadsafe(call(), self.loop()).result(PUBLISH_TIMEOUT_SECONDS)


_background = _BackgroundLoop()


async def _send(layer: Any, groups: list[str], message: dict[str, Any]) -> None:
    await asyncio.gather(*(layer.group_send(group, message) for group in groups))


def groups_send(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(_send)(layer, groups, message)
    else:
        _background.run(lambda: _send(layer, groups, message))
