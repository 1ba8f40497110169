"""The production process model of docs/deployment.md, run for real: the compose file's own web
command (gunicorn, WSGI) handles HTTP, its intake command (gunicorn, sync workers) the doors, and its
live command (uvicorn, two processes) holds the websockets.

A transition made over HTTP in a gunicorn worker must reach a socket held by uvicorn, another
process: only Redis joins them. Without REDIS_URL (the embedded default) it cannot, which is why
production settings require Redis and `make run` serves everything from one process.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import websockets
import yaml
from django.conf import settings
from rest_framework.authtoken.models import Token

from cases.models import Case
from config.twilio import auth_token
from hotline.models import InboundReport
from tests.hotline.conftest import SMS, sms
from tests.notifications import processes
from tests.notifications.live_helpers import frame_about
from tests.resilience.stack import signed_post

pytestmark = pytest.mark.django_db(transaction=True)

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def compose_command(service: str, port: int) -> list[str]:
    """The service's command from docker-compose.yml, bound to a loopback port of this machine."""
    command = [str(part) for part in yaml.safe_load(COMPOSE.read_text())["services"][service]["command"]]
    # The compose file binds all interfaces inside its container; here only loopback.
    local = {"0.0.0.0:8000": f"127.0.0.1:{port}", "0.0.0.0": "127.0.0.1", "8001": str(port)}  # noqa: S104
    return [sys.executable, "-m", command[0], *(local.get(part, part) for part in command[1:])]


def serving(service: str) -> Any:
    port = processes.free_port()
    return processes.running(compose_command(service, port), port)


async def post(server: processes.Server, path: str, token: str) -> dict[str, Any]:
    response = await asyncio.to_thread(
        requests.post, server.http + path, json={}, headers={"Authorization": f"Token {token}"}, timeout=30
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def frame(socket: Any, timeout: float) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(socket.recv(), timeout)))


def test_the_compose_commands_are_the_ones_tested() -> None:
    assert compose_command("web", 1234)[:6] == [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        "127.0.0.1:1234",
    ]
    assert compose_command("intake", 1234)[2:6] == ["gunicorn", "config.wsgi:application", "--bind", "127.0.0.1:1234"]
    assert compose_command("live", 1234)[2:8] == [
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        "1234",
    ]


def test_the_intake_command_stores_and_answers_a_signed_sms() -> None:
    """The compose file's intake service (sync workers for the doors) serves the whole application;
    the proxy sends it only the doors (tests/config/test_compose.py)."""
    sid = "SM" + "7" * 32
    params = sms(sid, "仓库消防通道被货物堵死")
    with serving("intake") as intake:
        response = signed_post(intake.http, SMS, params, auth_token=auth_token())
    assert response.status_code == 200 and "回执" in response.text
    assert InboundReport.objects.filter(sid=sid).exists()


def test_a_transition_over_wsgi_reaches_a_socket_held_by_the_live_tier(
    users: dict[str, Any], case_in: Callable[[str], Case]
) -> None:
    case = case_in("received")
    token = {persona: Token.objects.create(user=users[persona]).key for persona in ("dispatcher", "bureau_supervisor")}

    async def scenario(web: processes.Server, live: processes.Server) -> None:
        ticket = (await post(web, "/api/v1/live/ticket/", token["bureau_supervisor"]))["ticket"]
        socket = await websockets.connect(f"{live.ws}?ticket={ticket}", origin=live.http)
        assert (await frame(socket, 20))["type"] == "hello"
        await socket.send(json.dumps({"type": "subscribe", "stream": "bureau"}))
        assert (await frame(socket, 20))["type"] == "subscribed"

        await post(web, f"/api/v1/cases/{case.reference}/accept/", token["dispatcher"])

        if settings.REDIS_URL:
            event = await frame_about(socket, case.reference)
            assert (event["case"], event["state"]) == (case.reference, "accepted")
        else:
            with pytest.raises(TimeoutError):
                await frame(socket, 1.5)
        await socket.close()

    with serving("web") as web, serving("live") as live:
        asyncio.run(scenario(web, live))
    assert Case.objects.get(pk=case.pk).state == "accepted"


def test_a_frame_over_the_live_tiers_limit_closes_only_that_socket_with_1009(users: dict[str, Any]) -> None:
    """docs/live.md, close codes: the server library refuses a frame above 1 MiB before the app sees it."""
    token = Token.objects.create(user=users["bureau_supervisor"]).key

    async def scenario(web: processes.Server, live: processes.Server) -> None:
        sockets = []
        for _ in range(2):
            ticket = (await post(web, "/api/v1/live/ticket/", token))["ticket"]
            socket = await websockets.connect(f"{live.ws}?ticket={ticket}", origin=live.http)
            assert (await frame(socket, 20))["type"] == "hello"
            sockets.append(socket)
        greedy, bystander = sockets
        with pytest.raises(websockets.ConnectionClosed) as closed:  # the send itself may meet the close
            await greedy.send("x" * (2 * 1024 * 1024))
            await frame(greedy, 20)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009
        await bystander.send(json.dumps({"type": "ping"}))
        assert await frame(bystander, 20) == {"type": "pong"}
        await bystander.close()

    with serving("web") as web, serving("live") as live:
        asyncio.run(scenario(web, live))
