"""``manage.py serve``: daphne (HTTP + websockets) with the task worker in the same process.

The embedded default uses the in-memory channel layer, which only reaches sockets of its own
process; running the worker as a thread here lets events raised by tasks (deadline escalations,
delivery receipts) reach live clients too. Production runs separate `task_worker` processes and
Redis instead (docs/deployment.md).
"""

from __future__ import annotations

from typing import Any

from daphne.cli import CommandLineInterface
from django.core.management.base import BaseCommand

from notifications.tasks import periodic_start
from notifications.worker import ResilientWorker


class Command(BaseCommand):
    help = "Serve HTTP and websockets with daphne and run the task worker beside it (Ctrl-C stops both)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Serve only; run db_worker elsewhere.")

    def handle(self, *args: Any, host: str, port: int, no_worker: bool, **options: Any) -> None:
        worker = None
        if not no_worker:
            worker = ResilientWorker.every_queue("serve-embedded")
            worker.start_thread("task-worker")
            periodic_start()
            self.stdout.write("Task worker running in this process (all queues).")
        self.stdout.write(f"Serving on http://{host}:{port}/ — Ctrl-C stops the server and the worker.")
        try:
            CommandLineInterface().run(["-b", host, "-p", str(port), "config.asgi:application"])
        finally:
            if worker is not None:
                worker.running = False
