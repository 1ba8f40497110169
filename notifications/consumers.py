"""``/ws/live/``: staff follow towns, cases or the bureau stream as JSON frames (docs/live.md).

Everything a client sends is parsed defensively: a bad frame gets an error frame and the socket
stays open; only a client that keeps sending bad frames is closed (4429). Authentication
failures close with 4401/4403 after an error frame, so browsers can show why.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from directory.access import NO_ACCESS, StaffAccess, access_for
from notifications import publisher, selectors
from notifications.streams import EVENT_MESSAGE_TYPE, error_frame

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 4096
MAX_BAD_FRAMES = 20
REMEMBERED_IDS = 4096  # ids already sent, so an event in two subscribed streams arrives once

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY_BAD_FRAMES = 4429


def _language(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            for code, _q in parse_accept_lang_header(value.decode("latin1")):
                try:
                    return translation.get_supported_language_variant(code)
                except LookupError:
                    continue
    return "zh-hans"


class LiveConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels ships no type hints
    access: StaffAccess = NO_ACCESS
    bad_frames = 0

    async def connect(self) -> None:
        publisher.server_loop_remember()
        self.language = _language(self.scope)
        self.subscriptions: dict[str, selectors.Subscription] = {}
        self.sent_ids: OrderedDict[int, None] = OrderedDict()
        await self.accept()
        user = self.scope.get("user")
        if self.scope.get("ticket_refused"):
            await self._refuse(
                "ticket_invalid", _("This ticket is unknown, expired or already used."), CLOSE_UNAUTHENTICATED
            )
            return
        if user is None or not user.is_authenticated:
            await self._refuse("unauthenticated", _("Sign in, or connect with a ticket."), CLOSE_UNAUTHENTICATED)
            return
        self.access = await database_sync_to_async(access_for)(user)
        if not self.access.is_staff_member:
            await self._refuse("forbidden", _("Live updates are for staff members."), CLOSE_FORBIDDEN)
            return
        await self.send_json({"type": "hello", "streams": list(selectors.STREAMS)})

    async def disconnect(self, code: int) -> None:
        for subscription in getattr(self, "subscriptions", {}).values():
            await self.channel_layer.group_discard(subscription.group, self.channel_name)

    async def _refuse(self, code: str, message: str, close_code: int) -> None:
        await self.send_json(error_frame(code, message))
        await self.close(code=close_code)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        with translation.override(_language(self.scope)):  # refusals speak the client's language
            await super().websocket_connect(message)

    # --- frames from the client ---------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.access.is_staff_member:
            return  # a refused socket that is still closing
        with translation.override(self.language):
            await self._receive(text_data, bytes_data)

    async def _receive(self, text_data: str | None, bytes_data: bytes | None) -> None:
        if text_data is None:
            await self._bad("binary_not_supported", _("Frames are JSON text."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._bad("frame_too_large", _("A frame may have at most %(n)s characters.") % {"n": MAX_FRAME_CHARS})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._bad("malformed", _("The frame is not valid JSON."))
            return
        if not isinstance(content, dict):
            await self._bad("malformed", _("A frame is a JSON object with a “type”."))
            return
        kind = content.get("type")
        if kind == "subscribe":
            await self._subscribe(content)
        elif kind == "unsubscribe":
            await self._unsubscribe(content)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._bad("unknown_type", _("Unknown frame type; use subscribe, unsubscribe or ping."))

    async def _bad(self, code: str, message: str) -> None:
        self.bad_frames += 1
        await self.send_json(error_frame(code, message))
        if self.bad_frames >= MAX_BAD_FRAMES:
            await self.close(code=CLOSE_TOO_MANY_BAD_FRAMES)

    async def _subscribe(self, content: dict[str, Any]) -> None:
        last_event_id = content.get("last_event_id")
        if last_event_id is not None and (
            not isinstance(last_event_id, int) or isinstance(last_event_id, bool) or last_event_id < 0
        ):
            await self._bad("invalid", _("“last_event_id” must be a whole number."))
            return
        try:
            subscription = await database_sync_to_async(selectors.subscription_for)(self.scope["user"], content)
        except selectors.SubscriptionRefused as refused:
            await self.send_json(error_frame(refused.code, refused.message, request=_echo(content)))
            return
        # Join first, then replay: live events that arrive meanwhile wait in this consumer's queue
        # and are dropped as duplicates if the replay already sent them.
        await self.channel_layer.group_add(subscription.group, self.channel_name)
        self.subscriptions[subscription.group] = subscription
        replayed = 0
        if last_event_id is not None:
            frames = await database_sync_to_async(selectors.events_after)(
                self.scope["user"], subscription, last_event_id
            )
            for frame in frames:
                if await self._send_event(frame, replay=True):
                    replayed += 1
            if len(frames) >= selectors.REPLAY_LIMIT:
                await self.send_json(
                    {"type": "replay_truncated", **subscription.describe(), "last_event_id": frames[-1]["id"]}
                )
        await self.send_json({"type": "subscribed", **subscription.describe(), "replayed": replayed})

    async def _unsubscribe(self, content: dict[str, Any]) -> None:
        for group, subscription in list(self.subscriptions.items()):
            if subscription.describe() == {k: content[k] for k in ("stream", "town", "case") if k in content}:
                await self.channel_layer.group_discard(group, self.channel_name)
                del self.subscriptions[group]
                await self.send_json({"type": "unsubscribed", **subscription.describe()})
                return
        await self._bad("not_subscribed", _("You are not subscribed to that stream."))

    # --- events from the channel layer ----------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every message, a hop to the one
        # sync thread; a live event touches no database, and with 1,000 sockets in a process
        # those hops queued up to a second behind each event (bench/README.md, "Live").
        if message["type"] == EVENT_MESSAGE_TYPE:
            await self.live_event(message)
        else:
            await super().dispatch(message)

    async def live_event(self, message: dict[str, Any]) -> None:
        # The frame comes encoded once by the publisher: with 1,000 sockets per process,
        # encoding it per socket would be most of the fan-out time.
        if selectors.frame_visible(self.access, message["scope"]) and self._first_time(message["scope"]["id"]):
            await self.send(text_data=message["text"])

    async def _send_event(self, frame: dict[str, Any], *, replay: bool) -> bool:
        if not self._first_time(frame["id"]):
            return False
        await self.send_json({**frame, "replay": replay} if replay else frame)
        return True

    def _first_time(self, event_id: int) -> bool:
        if event_id in self.sent_ids:
            return False
        self.sent_ids[event_id] = None
        if len(self.sent_ids) > REMEMBERED_IDS:
            self.sent_ids.popitem(last=False)
        return True


def _echo(content: dict[str, Any]) -> dict[str, Any]:
    """The refused request, cut down to its known keys so a huge frame is not echoed back."""
    return {key: content[key] for key in ("stream", "town", "case") if key in content and len(str(content[key])) < 40}
