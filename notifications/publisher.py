"""Sending to channel-layer groups from synchronous code (services, the task worker).

``async_to_sync`` called outside any event loop starts a fresh loop per call, and channels-redis
opens new connections for every loop: ~10 ms per event. Here one background loop keeps its
connections, so a publish costs about one Redis round trip per group.

The in-memory layer (one process, ``make run``) keeps its queues on the server's event loop; the
task worker runs in a thread of that process (``manage.py serve``), so its events are handed to
the server's loop thread-safely instead of being put into those queues from another loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

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
_server_loop: asyncio.AbstractEventLoop | None = None


def server_loop_remember() -> None:
    """Called by consumers (on the server's loop) so in-process publishers can reach it."""
    global _server_loop  # noqa: PLW0603  # one loop per server process, set once it serves sockets
    _server_loop = asyncio.get_running_loop()


def _on_server_loop(layer: Any, groups: list[str], message: dict[str, Any]) -> None:
    loop = _server_loop
    if loop is None or loop.is_closed():
        return  # no socket has connected to this process: nobody to tell
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        loop.create_task(_send(layer, groups, message))
    else:
        asyncio.run_coroutine_threadsafe(_send(layer, groups, message), loop).result(PUBLISH_TIMEOUT_SECONDS)


async def _send(layer: Any, groups: list[str], message: dict[str, Any]) -> None:
    await asyncio.gather(*(layer.group_send(group, message) for group in groups))


def groups_send(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        _on_server_loop(layer, groups, message)
    else:
        _background.run(lambda: _send(layer, groups, message))
