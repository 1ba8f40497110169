"""Periodic work on django-tasks, which has no scheduler: a task that enqueues its next run.

Time is cut into slots of ``interval`` seconds. A run claims ``run`` for its slot (a second
run in the same slot does nothing) and then claims ``scheduled`` for the next slot in the
transaction that enqueues it, so however often the schedule is started (each ``serve``, each
deploy) one chain survives. A run cut off before it scheduled the next is run again — by the task
reaper when its worker died, by its worker once the database is back when the database went away
(``services.reaper``); its slot is taken, so it only schedules the next — and a worker that lived
through an outage starts the chains again (``notifications/worker.py``).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from notifications.models import PeriodicSlot

logger = logging.getLogger(__name__)

KEEP_SLOTS = timedelta(days=7)


def current_slot(interval: int) -> int:
    return int(time.time() // interval)


def slot_start(slot: int, interval: int) -> datetime:
    return datetime.fromtimestamp(slot * interval, tz=UTC)


def slot_take(name: str, slot: int) -> bool:
    """True for the first caller that claims ``name`` in ``slot``."""
    try:
        with transaction.atomic():
            PeriodicSlot.objects.create(name=name, slot=slot)
    except IntegrityError:
        return False
    return True


def slots_prune() -> None:
    PeriodicSlot.objects.filter(created_at__lt=timezone.now() - KEEP_SLOTS).delete()


def chain_schedule(task: Task[[int], Any], name: str, slot: int, interval: int) -> bool:
    """Enqueue ``task(slot)`` for the start of ``slot`` unless another chain did; False when not scheduled."""
    if not task.get_backend().supports_defer:
        return False  # the immediate test backend would run the whole future now
    # The claim and the run it stands for commit together (the database backend writes the task in
    # this transaction): a claim left without its run, the database gone between the two, would
    # make every later attempt to schedule that slot stop, and end the chain for good.
    with transaction.atomic():
        if not slot_take(f"{name}:scheduled", slot):
            return False
        task.using(run_after=slot_start(slot, interval)).enqueue(slot)
    return True


def chain_continue(task: Task[[int], Any], name: str, slot: int, interval: int) -> bool:
    """Schedule the run after ``slot`` (skipping slots already past, e.g. after downtime)."""
    return chain_schedule(task, name, max(slot + 1, current_slot(interval)), interval)


def chain_run(task: Task[[int], Any], name: str, slot: int, interval: int) -> bool:
    """Schedule the run after ``slot``, then claim ``slot``'s own run: True when this run does the work.

    The next run is scheduled first, so a run whose work fails, or whose worker dies, does not end
    the chain.
    """
    chain_continue(task, name, slot, interval)
    return slot_take(f"{name}:run", slot)
