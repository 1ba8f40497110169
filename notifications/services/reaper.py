"""Tasks whose worker died: failed after a lease, and enqueued again.

django_tasks_db marks a row RUNNING when a worker claims it and never looks at it again, so a
worker killed mid-task (out of memory, a deploy, a lost machine) leaves its row RUNNING forever
and its work undone. A row RUNNING for longer than the lease is taken to be such a row: it is
marked failed (``WorkerLost``) and the same task is enqueued again with the same arguments.

That is safe because every task here may run twice: case-event handlers are idempotent, messages
dedupe by key and are claimed before the provider is called (a text whose worker died while
sending stays ``sending`` for staff to check rather than go out twice), and periodic runs claim
their slot. A task really still running past its lease runs twice, so keep the lease well above
the longest task. A task reaped ``REAP_LIMIT`` times (one that kills its worker) is not re-run.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

REAP_LIMIT = 3


class WorkerLost(Exception):
    """Stands in the failed row's ``exception_class_path``: its worker stopped before finishing."""


WORKER_LOST = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def tasks_reap(*, lease: timedelta) -> list[str]:
    """Fail the rows RUNNING since before ``now - lease`` and enqueue each again; returns the new ids."""
    enqueued = []
    with transaction.atomic():
        stale = DBTaskResult.objects.running().filter(started_at__lt=timezone.now() - lease)
        for row in stale.select_for_update(skip_locked=True):
            again = _reap(row, lease)
            if again is not None:
                enqueued.append(again)
    return enqueued


def _reap(row: DBTaskResult, lease: timedelta) -> str | None:
    earlier = DBTaskResult.objects.filter(
        task_path=row.task_path, args_kwargs=row.args_kwargs, exception_class_path=WORKER_LOST
    ).count()
    again = None
    if earlier + 1 < REAP_LIMIT:
        args = row.args_kwargs
        again = str(row.task.enqueue(*args["args"], **args["kwargs"]).id)
        outcome = f"re-enqueued as {again}"
        logger.warning("Task %s (%s) lost its worker; %s", row.pk, row.task_path, outcome)
    else:
        outcome = f"not re-enqueued: reaped {REAP_LIMIT} times"
        logger.error("Task %s (%s) lost its worker; %s", row.pk, row.task_path, outcome)
    row.status = TaskResultStatus.FAILED
    row.finished_at = timezone.now()
    row.exception_class_path = WORKER_LOST
    row.traceback = (
        f"Still running {lease} after it started ({row.worker_ids}): its worker is presumed dead; {outcome}."
    )
    row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    return again
