"""Cases built by a separate, long-running ``task_worker`` reach a websocket on the server.

Since intake builds cases in the task worker, ``created`` events are committed and published
from worker processes (notifications/publisher.py). Crossing processes needs Redis: the test
uses the suite's REDIS_URL when it has one, and otherwise (the SQLite pass, whose own layer is
in-memory) a private ``redis-server`` shared by this test's server and worker only.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from cases.models import CaseEvent, EventKind
from tests.hotline.conftest import SMS, Post, sms, twilio_post  # noqa: F401  (fixture)
from tests.notifications import processes
from tests.notifications.test_live_server import Api, frame, tokens  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_SETTINGS = "tests.notifications.worker_settings"


@contextmanager
def task_worker(redis_location: str) -> Iterator[subprocess.Popen[bytes]]:
    """``manage.py task_worker`` polling every queue, as production runs it (not ``--batch``)."""
    command = [sys.executable, "manage.py", "task_worker", "--queue-name", "*", "--interval", "0.2"]
    command.append("--no-startup-delay")
    env = processes.child_env(DJANGO_SETTINGS_MODULE=WORKER_SETTINGS, REDIS_URL=redis_location)
    worker = subprocess.Popen(command, cwd=processes.ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def created() -> set[tuple[int, str]]:
    """(event id, case reference) of every ``created`` event in the table."""
    return set(CaseEvent.objects.filter(kind=EventKind.CREATED).values_list("pk", "case__reference"))


def test_every_case_a_worker_builds_reaches_the_bureau_socket_the_first_and_the_last(
    tokens: dict[str, str],  # noqa: F811
    twilio_post: Post,  # noqa: F811
    redis_location: str,
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    texts = iter(range(100))

    def report() -> None:
        n = next(texts)
        response = twilio_post(SMS, sms(f"SM{n:032d}", f"冲床无防护罩 {n}", sender=f"+861380000{n:04d}"))
        assert response.status_code == 200

    async def created_frames(socket: Any, count: int) -> set[tuple[int, str]]:
        """The next ``count`` ``created`` frames about this test's cases (a shared Redis carries others')."""
        seen: set[tuple[int, str]] = set()
        while len(seen) < count:
            event = await frame(socket, timeout=10)
            if (event.get("id"), event.get("case")) in await asyncio.to_thread(created):
                seen.add((event["id"], event["case"]))
        return seen

    async def scenario(server: processes.Server) -> None:
        socket = await Api(server, tokens["bureau_supervisor"]).socket(server)
        await socket.send(json.dumps({"type": "subscribe", "stream": "bureau"}))
        assert (await frame(socket))["type"] == "subscribed"
        with task_worker(redis_location) as worker:
            # The worker's first event: its publisher starts only now.
            await asyncio.to_thread(report)
            first = await created_frames(socket, 1)
            # A burst, then one more after the worker went idle: the last ones used to be missing.
            for _ in range(3):
                await asyncio.to_thread(report)
            burst = await created_frames(socket, 3)
            await asyncio.sleep(1)
            await asyncio.to_thread(report)
            last = await created_frames(socket, 1)
            assert worker.poll() is None
        assert first | burst | last == await asyncio.to_thread(created)
        await socket.close()

    with processes.daphne(REDIS_URL=redis_location) as server:
        asyncio.run(scenario(server))
