"""Real server and worker processes sharing the test database (and Redis when REDIS_URL is set)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this test runs on, for a child process to share it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/live/"


def _wait_for_port(process: subprocess.Popen[bytes], port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextmanager
def running(command: list[str], port: int, **env: str) -> Iterator[Server]:
    # Output goes to a file (a full pipe would block the server); it is shown when the server dies.
    log = tempfile.TemporaryFile()  # noqa: SIM115  # closed in the finally below, after the process
    process = subprocess.Popen(command, cwd=ROOT, env=child_env(**env), stdout=log, stderr=log)
    try:
        try:
            _wait_for_port(process, port)
        except RuntimeError:
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace")[-3000:]) from None
        yield Server(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def daphne(**env: str) -> Any:
    port = free_port()
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
    return running(command, port, **env)


def serve(**env: str) -> Any:
    """``manage.py serve``: daphne with the task worker as a thread, as ``make run`` starts it."""
    port = free_port()
    command = [sys.executable, "manage.py", "serve", "--port", str(port)]
    return running(command, port, DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings", **env)


def worker_batch(**env: str) -> subprocess.CompletedProcess[str]:
    """One ``task_worker --batch`` run (production's worker) in its own process: it runs every ready task and exits."""
    command = [sys.executable, "manage.py", "task_worker", "--batch", "--no-startup-delay", "--queue-name", "*"]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
