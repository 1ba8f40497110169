"""Real servers, real websocket clients: replay after reconnecting, and events across processes.

Without REDIS_URL the run covers the embedded default: one daphne process with the in-memory
layer and the worker inside ``serve``; with REDIS_URL, the channels-redis layer across processes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
import websockets
from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResult, TaskResultStatus
from rest_framework.authtoken.models import Token

from cases.models import Case
from notifications.services import periodic
from notifications.tasks import deadline_watch
from tests.notifications import processes
from tests.notifications.live_helpers import frame_about

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    return {persona: Token.objects.get_or_create(user=user)[0].key for persona, user in users.items()}


class Api:
    """HTTP calls to a running server as one persona (token auth)."""

    def __init__(self, server: processes.Server, token: str) -> None:
        self.base = server.http
        self.headers = {"Authorization": f"Token {token}"}

    async def post(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await asyncio.to_thread(
            requests.post, self.base + path, json=payload or {}, headers=self.headers, timeout=20
        )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def socket(self, server: processes.Server) -> Any:
        ticket = (await self.post("/api/v1/live/ticket/"))["ticket"]
        connection = await websockets.connect(f"{server.ws}?ticket={ticket}", origin=f"http://127.0.0.1:{server.port}")
        assert json.loads(await connection.recv())["type"] == "hello"
        return connection


async def frame(connection: Any, timeout: float = 20) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(connection.recv(), timeout)))


async def silence(connection: Any, seconds: float = 1.0) -> bool:
    try:
        await asyncio.wait_for(connection.recv(), seconds)
    except TimeoutError:
        return True
    return False


async def finished(result: TaskResult[Any], seconds: float = 20) -> TaskResultStatus:
    """The status of a task the server's worker runs, once it has finished (or as it stands after ``seconds``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    await result.arefresh()
    while not result.is_finished and loop.time() < deadline:
        await asyncio.sleep(0.1)
        await result.arefresh()
    return result.status


def test_a_client_that_reconnects_gets_what_it_missed_in_order_then_live_events(
    tokens: dict[str, str], town_a: Any, case_in: Callable[[str], Case]
) -> None:
    case = case_in("accepted")

    async def scenario(server: processes.Server) -> None:
        dispatcher, officer = Api(server, tokens["dispatcher"]), Api(server, tokens["officer"])
        socket = await officer.socket(server)
        await socket.send(json.dumps({"type": "subscribe", "stream": "town", "town": town_a.pk}))
        assert (await frame(socket))["type"] == "subscribed"
        await dispatcher.post(f"/api/v1/cases/{case.reference}/assign/", {"town": town_a.pk})
        assigned = await frame(socket)
        assert (assigned["name"], assigned["case"]) == ("assign", case.reference)
        await socket.close()

        # Offline: the officer's colleague starts the case and notes something.
        await officer.post(f"/api/v1/cases/{case.reference}/start/")
        await officer.post(f"/api/v1/cases/{case.reference}/notes/", {"text": "site visited"})

        socket = await officer.socket(server)
        await socket.send(
            json.dumps({"type": "subscribe", "stream": "town", "town": town_a.pk, "last_event_id": assigned["id"]})
        )
        missed = [await frame(socket), await frame(socket)]
        assert [(f["kind"], f["name"], f["replay"]) for f in missed] == [
            ("transition", "start", True),
            ("note", "", True),
        ]
        assert assigned["id"] < missed[0]["id"] < missed[1]["id"]
        assert (await frame(socket))["replayed"] == 2
        await officer.post(f"/api/v1/cases/{case.reference}/questions/", {"text": "Which floor?"})
        live = await frame(socket)
        assert (live["kind"], "replay" in live) == ("question", False)
        assert await silence(socket, 0.5)
        await socket.close()

    with processes.daphne() as server:
        asyncio.run(scenario(server))


def test_an_event_raised_in_one_process_reaches_a_socket_on_another(
    tokens: dict[str, str], case_in: Callable[[str], Case]
) -> None:
    """With Redis: server A's transition and this test process's change both reach server B.
    Without Redis (the embedded default) the in-memory layer cannot cross processes, which is
    why ``serve`` runs the worker inside the server (next test)."""
    case = case_in("received")

    async def scenario(server_a: processes.Server, server_b: processes.Server) -> None:
        on_b = await Api(server_b, tokens["bureau_supervisor"]).socket(server_b)
        await on_b.send(json.dumps({"type": "subscribe", "stream": "bureau"}))
        assert (await frame(on_b))["type"] == "subscribed"
        await Api(server_a, tokens["dispatcher"]).post(f"/api/v1/cases/{case.reference}/accept/")
        if settings.REDIS_URL:
            event = await frame_about(on_b, case.reference)
            assert (event["case"], event["state"]) == (case.reference, "accepted")
        else:
            assert await silence(on_b, 1.5)
        await on_b.close()

    with processes.daphne() as server_a, processes.daphne() as server_b:
        asyncio.run(scenario(server_a, server_b))


def test_an_escalation_raised_by_the_worker_inside_serve_reaches_the_bureau_socket(
    tokens: dict[str, str], case_in: Callable[[str], Case], settings: Any
) -> None:
    """The embedded default: the deadline watch runs in serve's worker thread and its overdue
    event reaches a socket of the same process through the in-memory layer."""
    case = case_in("assigned")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}

    async def scenario(server: processes.Server) -> None:
        socket = await Api(server, tokens["bureau_supervisor"]).socket(server)
        await socket.send(json.dumps({"type": "subscribe", "stream": "bureau"}))
        assert (await frame(socket))["type"] == "subscribed"
        # Overdue only now, so serve's own start-up scan cannot have recorded it unseen.
        past = timezone.localdate() - timedelta(days=3)
        await asyncio.to_thread(lambda: Case.objects.filter(pk=case.pk).update(due_date=past))
        # The next hour's slot: no run has taken it, and its run is not due yet.
        watch = await asyncio.to_thread(lambda: deadline_watch.enqueue(periodic.current_slot(3600) + 1))
        event = await frame_about(socket, case.reference)
        while event["kind"] != "overdue":  # the case's own earlier events may be replayed first
            event = await frame_about(socket, case.reference)
        assert (event["kind"], event["case"]) == ("overdue", case.reference)
        # The start-up scan may have raced the update and sent the event; this run must still work.
        assert await finished(watch) == TaskResultStatus.SUCCESSFUL
        await socket.close()

    with processes.serve(DEADLINE_SCAN_SECONDS="3600") as server:
        asyncio.run(scenario(server))


def test_a_frame_over_the_servers_limit_closes_only_that_socket(
    tokens: dict[str, str], case_in: Callable[[str], Case]
) -> None:
    async def scenario(server: processes.Server) -> None:
        api = Api(server, tokens["officer"])
        greedy, bystander = await api.socket(server), await api.socket(server)
        # Autobahn (under daphne) drops the connection before the app sees the frame,
        # sometimes while the client is still writing it.
        with pytest.raises(websockets.ConnectionClosed):
            await greedy.send("x" * (2 * 1024 * 1024))
            await frame(greedy)
        await bystander.send(json.dumps({"type": "ping"}))
        assert await frame(bystander) == {"type": "pong"}
        await bystander.close()

    with processes.daphne() as server:
        asyncio.run(scenario(server))
