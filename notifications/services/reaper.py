"""Tasks cut off before they finished: failed, and the same task enqueued again.

Two things cut a task off. Its worker dies (out of memory, a deploy, a lost machine):
django_tasks_db marks a row RUNNING when a worker claims it and never looks at it again, so the
row would stay RUNNING forever and its work undone. A row RUNNING for longer than the lease is
taken to be such a row and is failed as ``WorkerLost`` (``tasks_reap``, run by the task reaper).
Or the database goes away while it runs: its worker lives on (notifications/worker.py) and, once
the database answers again, fails the row as ``DatabaseLost`` (``task_dropped_rerun``) — at once,
not a lease later. The row is then RUNNING (not even its failure could be stored) or FAILED with
the database's error (stored once the database was back); either way the work is not lost.

Re-running is safe because every task here may run twice: case-event handlers are idempotent,
messages dedupe by key and are claimed before the provider is called (a text whose worker died
while sending stays ``sending`` for staff to check rather than go out twice), reports are built
once, and periodic runs claim their slot. A task really still running past its lease runs twice,
so keep the lease well above the longest task. A task cut off ``REAP_LIMIT`` times within
``REAP_WINDOW`` (one that kills its worker or its database) is not re-run.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

REAP_LIMIT = 3
# A task that kills its worker does so lease after lease; older cut-offs of the same task and
# arguments (an argument-less drain, months apart) are other runs' bad luck, not counted.
REAP_WINDOW = timedelta(days=1)

# What a lost database raises (a refused or cut connection, a pool with none to lend).
DATABASE_DOWN = (OperationalError, InterfaceError)


class WorkerLost(Exception):
    """Stands in the failed row's ``exception_class_path``: its worker stopped before finishing."""


class DatabaseLost(Exception):
    """Stands in the failed row's ``exception_class_path``: the database went away while it ran."""


def _path(error: type[BaseException]) -> str:
    return f"{error.__module__}.{error.__qualname__}"


WORKER_LOST = _path(WorkerLost)
DATABASE_LOST = _path(DatabaseLost)
# A task failed by the database records the error's path, as django_tasks_db stores it.
DATABASE_DOWN_PATHS = frozenset(_path(error) for error in DATABASE_DOWN)


def tasks_reap(*, lease: timedelta) -> list[str]:
    """Fail the rows RUNNING since before ``now - lease`` and enqueue each again; returns the new ids."""
    enqueued = []
    with transaction.atomic():
        stale = DBTaskResult.objects.running().filter(started_at__lt=timezone.now() - lease)
        for row in stale.select_for_update(skip_locked=True):
            why = f"Still running {lease} after it started ({row.worker_ids}): its worker is presumed dead"
            again = _rerun(row, WORKER_LOST, why)
            if again is not None:
                enqueued.append(again)
    return enqueued


def failed_by_database(row: DBTaskResult) -> bool:
    return row.status == TaskResultStatus.FAILED and row.exception_class_path in DATABASE_DOWN_PATHS


def task_dropped_rerun(task_id: str) -> str | None:
    """Fail the task its worker was running when the database went away and enqueue it again; call it
    once the database answers. Returns the new id; None when the row finished after all, or the
    reaper took it first."""
    with transaction.atomic():
        row = DBTaskResult.objects.select_for_update().filter(pk=task_id).first()
        if row is None or not (row.status == TaskResultStatus.RUNNING or failed_by_database(row)):
            return None
        return _rerun(row, DATABASE_LOST, "The database went away while it ran")


def _rerun(row: DBTaskResult, cause: str, why: str) -> str | None:
    earlier = DBTaskResult.objects.filter(
        task_path=row.task_path,
        args_kwargs=row.args_kwargs,
        exception_class_path__in=(WORKER_LOST, DATABASE_LOST),
        finished_at__gte=timezone.now() - REAP_WINDOW,
    ).count()
    again = None
    if earlier + 1 < REAP_LIMIT:
        args = row.args_kwargs
        again = str(row.task.enqueue(*args["args"], **args["kwargs"]).id)
        outcome = f"re-enqueued as {again}"
        logger.warning("Task %s (%s) was cut off (%s); %s", row.pk, row.task_path, cause, outcome)
    else:
        outcome = f"not re-enqueued: cut off {REAP_LIMIT} times"
        logger.error("Task %s (%s) was cut off (%s); %s", row.pk, row.task_path, cause, outcome)
    # A row already failed by the database keeps that traceback below the reason it is re-run.
    earlier_trace = f"\n\n{row.traceback}" if row.traceback else ""
    row.status = TaskResultStatus.FAILED
    row.finished_at = timezone.now()
    row.exception_class_path = cause
    row.traceback = f"{why}; {outcome}.{earlier_trace}"
    row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    return again
