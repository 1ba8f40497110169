"""The task worker, made to live through a database outage without losing work.

django_tasks_db's ``Worker`` re-raises a database error from its polling loop once the pool has
waited ``timeout`` seconds for a connection, so a PostgreSQL restart would stop the queue until
someone restarted the worker. This one closes its connections, waits with a capped backoff until
PostgreSQL answers, and resumes the loop.

A task the outage cut off is run again as soon as the database answers (``reaper.task_dropped_rerun``),
whether its row is still RUNNING (not even its failure could be stored) or was stored FAILED with
the database's error once the database was back; a task's own retry back-off is for failures of its
work, not of the database. Then the periodic chains are started again (``periodic_start``, a no-op
for a chain that is intact), since nothing else would re-create a run the outage cut off.

Beside its loop a worker runs the *watches* of ``settings.TASK_WORKER_WATCHES`` every ``interval``
seconds in a thread (once, before its first task, in ``--batch`` mode): cheap looks at a table that
enqueue work when they find some, so a web request that stores work needs no task row and no
round trip to wake anyone (the intake's ``hotline.tasks.inbound_watch``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from notifications.services import reaper
from notifications.services.reaper import DATABASE_DOWN
from notifications.tasks import periodic_start

logger = logging.getLogger(__name__)


class ResilientWorker(Worker):
    first_wait = 1.0
    max_wait = 30.0
    # The task being run, until its outcome is stored; kept when the database cut it off.
    dropped: str | None = None
    # Set by an outage, cleared once its cut-off task and the periodic chains are enqueued again.
    recovering = False

    @classmethod
    def every_queue(cls, worker_id: str, *, interval: float = 1.0, max_tasks: int | None = None) -> ResilientWorker:
        """A worker for every queue, to run inside another process (``serve``, tests) rather than as a command."""
        return cls(
            queue_names=["*"],
            excluded_queue_names=[],
            batch=False,
            interval=interval,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id,
        )

    def start_thread(self, name: str) -> threading.Thread:
        """Run in a daemon thread of this process; the thread's database connections close when it ends."""
        return _daemon(self.run, name)

    def run(self) -> None:
        stop = threading.Event()
        watching = self.watches_start(stop)
        try:
            while self.running:
                try:
                    if self.recovering:
                        self.recover()
                    super().run()
                except DATABASE_DOWN as error:
                    self.recovering = True
                    self.wait_for_database(error)
                else:
                    return
        finally:
            stop.set()  # the watches end with the worker, not a look later
            if watching is not None:
                watching.join(timeout=30)

    def watches_start(self, stop: threading.Event) -> threading.Thread | None:
        """The watches' thread (None in ``--batch`` mode, which looks once, now)."""
        watches: list[Callable[[], object]] = [import_string(path) for path in settings.TASK_WORKER_WATCHES]
        if self.batch:
            self.watches_run(watches)
            return None

        def watching() -> None:
            while not stop.is_set():
                self.watches_run(watches)
                close_old_connections()
                stop.wait(self.interval)

        return _daemon(watching, f"{self.worker_id}-watches")

    def watches_run(self, watches: list[Callable[[], object]]) -> None:
        """Each watch once; a failing one (the database away) is logged by class and tried next time."""
        for watch in watches:
            try:
                watch()
            except Exception as error:  # the thread must outlive any failure; its text may quote data
                logger.warning("Watch %s failed (%s); it looks again", watch.__name__, type(error).__name__)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.dropped = str(db_task_result.pk)
        super().run_task(db_task_result)  # raises when the database will not even store its failure
        if reaper.failed_by_database(db_task_result):
            self.recovering = True
            self.recover()
        self.dropped = None

    def recover(self) -> None:
        """Once the database answers again: the task it cut off, and the periodic chains, run again."""
        if self.dropped is not None:
            reaper.task_dropped_rerun(self.dropped)  # logs what it did
            self.dropped = None
        periodic_start()
        self.recovering = False

    def wait_for_database(self, error: Exception) -> None:
        """Sleep with a doubling delay, capped at ``max_wait``, until a connection succeeds."""
        wait = self.first_wait
        while self.running:
            # The error's text may quote a query's parameters; only its class goes to the log.
            logger.warning(
                "Database unavailable (%s); worker %s retries in %.0f s",
                type(error).__name__,
                self.worker_id,
                wait,
            )
            connections.close_all()
            time.sleep(wait)
            try:
                connections[DBTaskResult.objects.db].ensure_connection()
            except DATABASE_DOWN as again:
                error, wait = again, min(wait * 2, self.max_wait)
            else:
                logger.warning("Database reachable again; worker %s resumes", self.worker_id)
                return


def _daemon(target: Callable[[], None], name: str) -> threading.Thread:
    """``target`` in a started daemon thread whose database connections close when it ends."""

    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
