"""/ws/live/ in process: who may follow what, tickets, and bad input answered without a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case
from config.asgi import application
from notifications.consumers import CLOSE_FORBIDDEN, CLOSE_TOO_MANY_BAD_FRAMES, CLOSE_UNAUTHENTICATED, MAX_FRAME_CHARS
from tests.factories import UserFactory
from tests.notifications.live_helpers import ORIGIN, connect_as, next_frame, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_the_channel_layer_matches_the_configuration() -> None:
    """Without REDIS_URL this run covers the embedded default (in-memory layer, one process);
    the cross-process tests in test_live_server.py need Redis and say so when it is missing."""
    layer = get_channel_layer()
    if settings.REDIS_URL:
        assert type(layer).__module__.startswith("channels_redis")
    else:
        assert isinstance(layer, InMemoryChannelLayer)


async def test_an_officer_sees_a_case_arrive_in_their_town_without_reporter_data(
    users: dict[str, Any], town_a: Any, case_in: Callable[[str], Case]
) -> None:
    case = await database_sync_to_async(case_in)("accepted")
    socket = await connect_as(users["officer"])
    assert (await next_frame(socket))["type"] == "hello"
    assert await subscribe(socket, stream="town", town=town_a.pk) == {
        "type": "subscribed",
        "stream": "town",
        "town": town_a.pk,
        "replayed": 0,
    }
    await database_sync_to_async(services.case_assign)(case=case, town=town_a, by=users["dispatcher"])
    frame = await next_frame(socket)
    assert {k: frame[k] for k in ("type", "kind", "name", "case", "town", "state")} == {
        "type": "event",
        "kind": "transition",
        "name": "assign",
        "case": case.reference,
        "town": town_a.pk,
        "state": "assigned",
    }
    raw = str(frame)
    assert "张三" not in raw and "1381234" not in raw and "+86" not in raw
    await socket.disconnect()


@pytest.mark.parametrize(
    ("persona", "request_"),
    [
        ("officer", {"stream": "town", "town": "other"}),
        ("officer", {"stream": "bureau"}),
        ("outsider", {"stream": "case", "case": "OWN"}),
        ("outsider", {"stream": "town", "town": "A"}),
        ("intake", {"stream": "bureau"}),
    ],
)
async def test_a_subscription_outside_ones_scope_is_refused_with_an_error_frame(
    users: dict[str, Any],
    town_a: Any,
    town_b: Any,
    case_in: Callable[[str], Case],
    persona: str,
    request_: dict[str, Any],
) -> None:
    case = await database_sync_to_async(case_in)("assigned")
    request_ = {**request_}
    if request_.get("town") == "A":
        request_["town"] = town_a.pk
    if request_.get("town") == "other":
        request_["town"] = town_b.pk
    if request_.get("case") == "OWN":
        request_["case"] = case.reference
    socket = await connect_as(users[persona])
    await next_frame(socket)
    answer = await subscribe(socket, **request_)
    assert answer["type"] == "error"
    assert answer["code"] == "forbidden"
    # Nothing of town A reaches the refused socket afterwards.
    await database_sync_to_async(services.case_start)(case=case, by=users["officer"])
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_bureau_and_case_streams_are_open_to_those_who_may_see_them(
    users: dict[str, Any], case_in: Callable[[str], Case]
) -> None:
    case = await database_sync_to_async(case_in)("assigned")
    bureau = await connect_as(users["bureau_supervisor"])
    await next_frame(bureau)
    assert (await subscribe(bureau, stream="bureau"))["type"] == "subscribed"
    officer = await connect_as(users["officer"])
    await next_frame(officer)
    assert (await subscribe(officer, stream="case", case=case.reference))["case"] == case.reference
    await database_sync_to_async(services.case_start)(case=case, by=users["officer"])
    for socket in (bureau, officer):
        frame = await next_frame(socket)
        assert (frame["case"], frame["state"]) == (case.reference, "investigating")
        await socket.disconnect()


async def test_an_event_in_two_subscribed_streams_arrives_once(
    users: dict[str, Any], town_a: Any, case_in: Callable[[str], Case]
) -> None:
    case = await database_sync_to_async(case_in)("assigned")
    socket = await connect_as(users["bureau_supervisor"])
    await next_frame(socket)
    await subscribe(socket, stream="bureau")
    await subscribe(socket, stream="town", town=town_a.pk)
    await database_sync_to_async(services.case_start)(case=case, by=users["officer"])
    assert (await next_frame(socket))["name"] == "start"
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_reconnecting_with_the_last_event_id_replays_what_was_missed_in_order(
    users: dict[str, Any], town_a: Any, case_in: Callable[[str], Case]
) -> None:
    case = await database_sync_to_async(case_in)("assigned")
    last_seen = await database_sync_to_async(lambda: case.events.order_by("id").last().pk)()
    await database_sync_to_async(services.case_start)(case=case, by=users["officer"])
    await database_sync_to_async(services.case_note_add)(case=case, by=users["officer"], text="visited the site")
    socket = await connect_as(users["officer"])
    await next_frame(socket)
    await socket.send_json_to({"type": "subscribe", "stream": "town", "town": town_a.pk, "last_event_id": last_seen})
    first, second, done = await next_frame(socket), await next_frame(socket), await next_frame(socket)
    assert [(first["name"], first["replay"]), (second["kind"], second["replay"])] == [("start", True), ("note", True)]
    assert first["id"] < second["id"]
    assert "visited the site" not in str(second)  # free text stays in the case, not in frames
    assert done == {"type": "subscribed", "stream": "town", "town": town_a.pk, "replayed": 2}
    await database_sync_to_async(services.case_question_ask)(case=case, by=users["officer"], text="which floor?")
    live = await next_frame(socket)
    assert (live["kind"], live.get("replay")) == ("question", None)
    await socket.disconnect()


async def test_without_a_session_or_ticket_the_socket_is_closed_with_4401(db: Any) -> None:
    socket = await connect_as(None)
    assert (await next_frame(socket))["code"] == "unauthenticated"
    assert (await socket.receive_output(timeout=2)) == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_a_foreign_origin_is_refused(users: dict[str, Any]) -> None:
    socket = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", b"http://evil.example")])
    connected, _code = await socket.connect(timeout=5)
    assert not connected


async def _ticket_for(users: dict[str, Any], persona: str) -> str:
    def issue() -> str:
        client = APIClient()
        client.force_authenticate(users[persona])
        response = client.post("/api/v1/live/ticket/")
        assert response.status_code == 201, response.content
        return str(response.json()["ticket"])

    return await database_sync_to_async(issue)()


async def _connect_with_ticket(ticket: str) -> Any:
    socket = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket}", headers=[ORIGIN])
    connected, _code = await socket.connect(timeout=5)
    assert connected
    return socket


async def test_a_ticket_opens_one_socket_and_is_refused_the_second_time(users: dict[str, Any]) -> None:
    ticket = await _ticket_for(users, "dispatcher")
    first = await _connect_with_ticket(ticket)
    assert (await next_frame(first))["type"] == "hello"
    assert (await subscribe(first, stream="bureau"))["type"] == "subscribed"
    again = await _connect_with_ticket(ticket)
    assert (await next_frame(again))["code"] == "ticket_invalid"
    assert (await again.receive_output(timeout=2))["code"] == CLOSE_UNAUTHENTICATED
    await first.disconnect()


async def test_a_stale_ticket_is_refused(users: dict[str, Any]) -> None:
    ticket = await _ticket_for(users, "officer")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        socket = await _connect_with_ticket(ticket)
        assert (await next_frame(socket))["code"] == "ticket_invalid"


async def test_a_ticket_is_only_for_staff_members(db: Any) -> None:
    def issue() -> Any:
        client = APIClient()
        client.force_authenticate(UserFactory(username="citizen"))
        return client.post("/api/v1/live/ticket/")

    response = await database_sync_to_async(issue)()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


async def test_bad_frames_get_error_frames_and_the_socket_keeps_working(users: dict[str, Any], town_a: Any) -> None:
    socket = await connect_as(users["officer"])
    await next_frame(socket)
    other = await connect_as(users["officer"])
    await next_frame(other)
    cases = [
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "subscribe", "stream": "galaxy"}', "invalid"),
        ('{"type": "subscribe", "stream": "town", "town": "1; DROP TABLE"}', "invalid"),
        ('{"type": "subscribe", "stream": "town", "town": 1, "last_event_id": -3}', "invalid"),
        ('{"type": "unsubscribe", "stream": "bureau"}', "not_subscribed"),
        ('{"type": "ping", "pad": "' + "x" * MAX_FRAME_CHARS + '"}', "frame_too_large"),
    ]
    for text, code in cases:
        await socket.send_to(text_data=text)
        assert (await next_frame(socket))["code"] == code, text
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await next_frame(socket))["code"] == "binary_not_supported"
    await socket.send_json_to({"type": "ping"})
    assert await next_frame(socket) == {"type": "pong"}
    await other.send_json_to({"type": "ping"})
    assert await next_frame(other) == {"type": "pong"}
    await other.disconnect()
    await socket.disconnect()


async def test_a_client_that_keeps_sending_garbage_is_closed_with_4429(users: dict[str, Any]) -> None:
    socket = await connect_as(users["officer"])
    await next_frame(socket)
    for _ in range(20):
        await socket.send_to(text_data="garbage")
        await next_frame(socket)
    assert (await socket.receive_output(timeout=2))["code"] == CLOSE_TOO_MANY_BAD_FRAMES


async def test_a_signed_in_user_without_a_staff_role_is_closed_with_4403_in_their_language(db: Any) -> None:
    citizen = await database_sync_to_async(UserFactory)(username="citizen")
    socket = await connect_as(citizen, accept_language=b"en")
    refusal = await next_frame(socket)
    assert (refusal["code"], refusal["message"]) == ("forbidden", "Live updates are for staff members.")
    assert (await socket.receive_output(timeout=2))["code"] == CLOSE_FORBIDDEN
    chinese = await connect_as(citizen)
    assert (await next_frame(chinese))["message"] == "实时更新仅供工作人员使用。"


async def test_after_unsubscribing_a_stream_is_silent(
    users: dict[str, Any], town_a: Any, case_in: Callable[[str], Case]
) -> None:
    case = await database_sync_to_async(case_in)("assigned")
    socket = await connect_as(users["officer"])
    await next_frame(socket)
    await subscribe(socket, stream="town", town=town_a.pk, last_event_id=10**9)
    await socket.send_json_to({"type": "unsubscribe", "stream": "town", "town": town_a.pk, "last_event_id": 5})
    assert await next_frame(socket) == {"type": "unsubscribed", "stream": "town", "town": town_a.pk}
    await database_sync_to_async(services.case_start)(case=case, by=users["officer"])
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
