"""The database goes away while the project's worker (``task_worker``) runs a task: the task runs
again as soon as the database answers — not a lease (15 minutes) later, and not never — and the
periodic chains keep their next run.

The worker runs in a thread of this process, on the test database; the outage is the database
refusing the worker thread's connections (as while PostgreSQL restarts) after its connection was
cut, or a write failing with the error a lost server gives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.db.models.signals import pre_save
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult, get_date_max

from cases.models import Case
from hotline.models import InboundReport
from hotline.services.sms import IncomingSms, sms_receive
from notifications.models import PeriodicSlot
from notifications.services import periodic
from notifications.services.reaper import DATABASE_LOST, REAP_LIMIT
from notifications.tasks import task_reaper
from notifications.worker import ResilientWorker

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = "task-worker"
# What the database backend records for a task failed by ``OperationalError``.
OPERATIONAL_ERROR = f"{OperationalError.__module__}.{OperationalError.__qualname__}"


class Outage:
    """Refuses the worker thread's next ``refusals`` connections once ``begin`` cut its connection."""

    refusals = 0

    def begin(self, refusals: int) -> None:
        self.refusals = refusals
        connections["default"].close()

    def refused(self) -> bool:
        if threading.current_thread().name != WORKER or self.refusals == 0:
            return False
        self.refusals -= 1
        return True


outage = Outage()


@task()
def loses_the_database(refusals: int) -> str:
    """Its first run loses the database half-way (after a write); a later run finishes."""
    first = not PeriodicSlot.objects.filter(name="probe").exists()
    PeriodicSlot.objects.create(name="probe", slot=PeriodicSlot.objects.filter(name="probe").count())
    if first:
        outage.begin(refusals)
        PeriodicSlot.objects.count()  # raises: the database is gone
    return "done"


@pytest.fixture
def database_tasks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    connect = type(connections["default"]).get_new_connection

    def get_new_connection(wrapper: Any, params: dict[str, Any]) -> Any:
        if outage.refused():
            raise wrapper.Database.OperationalError("connection failed: Connection refused")
        return connect(wrapper, params)

    monkeypatch.setattr(type(connections["default"]), "get_new_connection", get_new_connection)
    yield
    outage.refusals = 0


def run_worker_until(done: Any, *, seconds: float = 30) -> None:
    """Run the worker in a thread until ``done()`` holds; fail if it does not within ``seconds``."""
    worker = ResilientWorker.every_queue("outage", interval=0.1)
    thread = worker.start_thread(WORKER)
    deadline = time.monotonic() + seconds
    try:
        while not done():
            assert time.monotonic() < deadline, "the worker did not get there in time"
            time.sleep(0.1)
    finally:
        worker.running = False
        thread.join(timeout=10)


def probe_runs() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith="loses_the_database").order_by("enqueued_at"))


@pytest.mark.parametrize(
    ("refusals", "stored"),
    [
        # Back before the worker stored the failure: the row was FAILED with the database's error.
        (1, True),
        # Still down for the worker's three tries to store it and its first look after: the row
        # stayed RUNNING, for the reaper to find a lease later.
        (4, False),
    ],
    ids=["failure-stored", "failure-not-stored"],
)
def test_a_task_the_database_dropped_runs_again_as_soon_as_it_is_back(
    database_tasks: None, refusals: int, stored: bool
) -> None:
    loses_the_database.enqueue(refusals)

    run_worker_until(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL", return_value="done").exists())

    first, again = probe_runs()
    assert (first.status, first.exception_class_path) == ("FAILED", DATABASE_LOST)
    assert "The database went away while it ran" in first.traceback
    assert ("OperationalError" in first.traceback) is stored
    assert (again.status, again.args_kwargs) == ("SUCCESSFUL", first.args_kwargs)
    # The first run's write was committed before the outage: tasks must bear running twice.
    assert PeriodicSlot.objects.filter(name="probe").count() == 2


def test_cut_offs_of_the_same_task_long_ago_do_not_stop_its_rerun(database_tasks: None) -> None:
    """An argument-less task (the intake's drain) has the same arguments every time: earlier outages,
    days ago, are not a task that keeps killing its database."""
    for _earlier in range(REAP_LIMIT):
        row = loses_the_database.enqueue(1)
        DBTaskResult.objects.filter(pk=row.id).update(
            status="FAILED", exception_class_path=DATABASE_LOST, finished_at=timezone.now() - timedelta(days=2)
        )
    loses_the_database.enqueue(1)

    run_worker_until(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL", return_value="done").exists())

    assert PeriodicSlot.objects.filter(name="probe").count() == 2


def test_a_periodic_run_cut_off_while_scheduling_the_next_keeps_its_chain(database_tasks: None, settings: Any) -> None:
    """The reaper's run claims its next slot and enqueues that run; the database fails the enqueue."""
    failed = threading.Event()

    def server_gone(sender: Any, instance: DBTaskResult, **kwargs: Any) -> None:
        chained = instance.task_path == task_reaper.module_path and instance.run_after != get_date_max()
        if threading.current_thread().name == WORKER and chained and not failed.is_set():
            failed.set()
            raise OperationalError("server closed the connection unexpectedly")

    slot = periodic.current_slot(settings.TASK_LEASE_SECONDS)
    task_reaper.enqueue(slot)
    pre_save.connect(server_gone, sender=DBTaskResult)
    try:
        run_worker_until(lambda: next_reaper_runs().exists())
    finally:
        pre_save.disconnect(server_gone, sender=DBTaskResult)

    assert failed.is_set()
    [scheduled] = next_reaper_runs()
    assert scheduled.args_kwargs["args"] == [slot + 1]


def next_reaper_runs() -> Any:
    """The reaper's chained runs: deferred to their slot (a started chain's first run is not)."""
    return DBTaskResult.objects.filter(task_path=task_reaper.module_path, status="READY").exclude(
        run_after=get_date_max()
    )


def test_a_report_whose_build_the_database_cut_off_is_built_as_soon_as_it_is_back(database_tasks: None) -> None:
    """The build's write fails as a lost server fails it: the report is not counted as a failed try
    with a back-off (a minute, then more) but built when the worker runs its drain again."""
    failed = threading.Event()

    def server_gone(sender: Any, instance: Case, **kwargs: Any) -> None:
        if threading.current_thread().name == WORKER and not failed.is_set():
            failed.set()
            raise OperationalError("server closed the connection unexpectedly")

    stored = sms_receive(IncomingSms("SM" + "1" * 32, "+8613812341234", "配电箱漏电，没人管")).inbound
    pre_save.connect(server_gone, sender=Case)
    try:
        run_worker_until(lambda: InboundReport.objects.filter(pk=stored.pk, case__isnull=False).exists())
    finally:
        pre_save.disconnect(server_gone, sender=Case)

    assert failed.is_set()
    report = InboundReport.objects.get(pk=stored.pk)
    assert (report.status, report.attempts) == (InboundReport.Status.BUILT, 0)
    assert Case.objects.get().description == "配电箱漏电，没人管"
    assert not DBTaskResult.objects.filter(task_path="hotline.tasks.inbound_register").exists()  # no back-off
