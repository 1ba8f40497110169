"""One request id per request, websocket and task run: taken from the proxy when sound, returned, and on every line."""

from __future__ import annotations

import contextvars
import re
from typing import Any

import pytest
from channels.testing import ApplicationCommunicator
from django.core.management import call_command
from django.test import Client
from django_tasks import TaskResultStatus

from config import request_id
from config.asgi import application
from rewards.tasks import expire_unclaimed_offers
from tests.notifications.live_helpers import ORIGIN, session_cookie
from tests.ops.conftest import LogLines

REPORTS = "/api/v1/reports/"
PROXY_ID = "edge-7f3a9c21.0042"
NEW_ID = re.compile(r"[0-9a-f]{32}")


def file_report() -> Any:
    """A web mailbox report: its case event is dispatched by a task enqueued after commit."""
    body = {"category": "fire_safety", "description": "工厂仓库没有灭火器", "password": "pw-123456"}
    response = Client().post(REPORTS, body, content_type="application/json")
    assert response.status_code == 201
    return response


@pytest.mark.django_db
def test_it_keeps_the_proxy_id_and_returns_it() -> None:
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=PROXY_ID)["X-Request-ID"] == PROXY_ID


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [None, "", "short", "x" * 129, "two words", 'id"},"level":"ERROR', "id\nforged"])
def test_it_replaces_a_missing_or_malformed_id_with_a_new_one(sent: str | None) -> None:
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    first = Client().get("/healthz", **headers)["X-Request-ID"]
    second = Client().get("/healthz", **headers)["X-Request-ID"]
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second) and first != second


@pytest.mark.django_db(transaction=True)  # after-commit work runs inside the request, as in production
def test_every_line_of_a_request_and_its_tasks_carries_its_id(
    log_lines: LogLines,
    client: Client,
) -> None:
    response = file_report()
    client.get("/no/such/page/", HTTP_X_REQUEST_ID=PROXY_ID)  # Django logs the 404 after the middleware returns

    entries = log_lines.entries()
    from_report = [entry for entry in entries if entry["request_id"] == response["X-Request-ID"]]
    assert {entry["logger"] for entry in from_report} >= {"django_tasks"}  # the tasks it enqueued ran under its id
    assert [entry["message"] for entry in entries if entry["request_id"] == PROXY_ID] == ["Not Found: /no/such/page/"]
    assert all(entry["request_id"] in {response["X-Request-ID"], PROXY_ID} for entry in entries)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_task_under_the_id_of_the_request_that_enqueued_it(
    log_lines: LogLines,
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    first = file_report()["X-Request-ID"]
    second = file_report()["X-Request-ID"]
    started = len(log_lines.entries())

    # The worker starts from an empty context, as a task_worker process does.
    contextvars.Context().run(call_command, "task_worker", "--batch", "--no-startup-delay", "--queue-name", "*")

    # The drain is the worker's own (its watch enqueued it); what it builds runs under each report's id.
    task_lines = [
        entry
        for entry in log_lines.entries()[started:]
        if entry["logger"] == "django_tasks" and "path=hotline.tasks.inbound_drain" not in entry["message"]
    ]
    by_task: dict[str, set[str]] = {}
    for entry in task_lines:
        task_id = re.search(r"Task id=(\S+)", entry["message"]).group(1)  # type: ignore[union-attr]
        by_task.setdefault(task_id, set()).add(entry["request_id"])
    # Each task's lines share one id, and that id is one of the two requests'.
    assert by_task and all(len(ids) == 1 for ids in by_task.values())
    assert set.union(*by_task.values()) == {first, second}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cache_up", [True, False])
def test_a_report_is_built_under_the_id_of_the_request_that_sent_it(
    log_lines: LogLines, settings: Any, cache_up: bool
) -> None:
    """One drain builds both reports; each report's lines carry its own request's id, which travels in
    its row: a cache outage does not cost it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    if not cache_up:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
        }
    sent = [file_report()["X-Request-ID"] for _ in range(2)]

    contextvars.Context().run(call_command, "task_worker", "--batch", "--no-startup-delay", "--queue-name", "*")

    registered = [e for e in log_lines.entries() if e["logger"] == "hotline.tasks" and "registered" in e["message"]]
    assert [entry["request_id"] for entry in registered] == sent


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_websocket_gets_an_id_on_accept(users: dict[str, Any]) -> None:
    scope = {
        "type": "websocket",
        "path": "/ws/live/",
        "query_string": b"",
        "headers": [
            ORIGIN,
            (b"cookie", await session_cookie(users["dispatcher"])),
            (b"x-request-id", PROXY_ID.encode()),
        ],
        "subprotocols": [],
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "websocket.connect"})
    accept = await communicator.receive_output(timeout=5)
    assert accept["type"] == "websocket.accept"
    assert (b"x-request-id", PROXY_ID.encode()) in accept["headers"]
    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await communicator.wait(timeout=5)


@pytest.mark.django_db(transaction=True)
def test_a_cache_outage_costs_the_id_never_the_task(log_lines: LogLines, settings: Any) -> None:
    """Redis down: the task is still enqueued and run (under a new id), and the log says the id was lost."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    token = request_id.current.set(PROXY_ID)
    try:
        result = expire_unclaimed_offers.enqueue()
    finally:
        request_id.current.reset(token)

    contextvars.Context().run(call_command, "task_worker", "--batch", "--no-startup-delay", "--queue-name", "*")

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert any("Request id not kept" in entry["message"] for entry in log_lines.entries())
    ran = [e for e in log_lines.entries() if e["logger"] == "django_tasks" and "SUCCESSFUL" in e["message"]]
    assert ran and NEW_ID.fullmatch(ran[0]["request_id"])
