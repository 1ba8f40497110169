"""The task worker, made to wait out a database outage instead of exiting.

django_tasks_db's ``Worker`` re-raises a database error from its polling loop once the pool has
waited ``timeout`` seconds for a connection, so a PostgreSQL restart would stop the queue until
someone restarted the worker. This one closes its connections, waits with a capped backoff until
PostgreSQL answers, and resumes the loop. A task cut off mid-run stays RUNNING for the task reaper
(``notifications/services/reaper.py``) to re-run after its lease.
"""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)


class ResilientWorker(Worker):
    first_wait = 1.0
    max_wait = 30.0

    def run(self) -> None:
        while self.running:
            try:
                super().run()
            except DATABASE_DOWN as error:
                self.wait_for_database(error)
            else:
                return

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
