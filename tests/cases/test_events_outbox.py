"""Reactions to case events are durable: queued with the event, retried alone, re-run after a dead worker.

The database task backend here, as in production: the dispatch row is written in the event's
transaction, and ``db_worker`` runs it (in this process where the test registers its own handlers,
in a real worker process otherwise).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases import dispatch, events, services
from cases.models import Case, CaseEvent
from notifications.models import OutboundMessage
from notifications.services.reaper import REAP_LIMIT, WORKER_LOST, tasks_reap
from notifications.tasks import periodic_start
from tests.factories import CaseFactory
from tests.notifications.test_worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

DISPATCH = "cases.dispatch.event_dispatch"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}


@pytest.fixture(autouse=True)
def database_tasks() -> Iterator[None]:
    with override_settings(TASKS=DATABASE_TASKS):
        yield


@pytest.fixture
def live_frames(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the events the live streams were sent (the real on-commit handler, minus the socket)."""
    sent: list[int] = []
    monkeypatch.setattr("notifications.handlers.event_publish", lambda event: sent.append(event.pk))
    return sent


def dispatches(event: CaseEvent) -> list[DBTaskResult]:
    rows = DBTaskResult.objects.filter(task_path=DISPATCH).order_by("enqueued_at")
    return [row for row in rows if row.args_kwargs["args"] == [event.pk]]


def seen_elsewhere(event_id: int) -> tuple[bool, bool]:
    """(event row, dispatch row) as another connection sees them: only what is committed."""
    seen: list[bool] = []

    def look() -> None:
        try:
            seen.append(CaseEvent.objects.filter(pk=event_id).exists())
            rows = DBTaskResult.objects.filter(task_path=DISPATCH).values_list("args_kwargs", flat=True)
            seen.append(any(row["args"] == [event_id] for row in rows))
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return seen[0], seen[1]


def texts_sent(fake_twilio: Any, case: Case) -> list[str]:
    return [m["Body"] for m in fake_twilio.sent_messages() if m["To"] == case.reporter.phone]


def test_a_rolled_back_change_queues_and_publishes_nothing(users: dict[str, Any], live_frames: list[int]) -> None:
    case = CaseFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_accept(case=case, by=users["dispatcher"])
        raise RuntimeError("the request failed after the transition")
    assert not CaseEvent.objects.filter(case=case).exists()
    assert not DBTaskResult.objects.exists()
    assert live_frames == []


def test_the_event_and_its_dispatch_commit_together(users: dict[str, Any], live_frames: list[int]) -> None:
    case = CaseFactory()
    with transaction.atomic():
        services.case_accept(case=case, by=users["dispatcher"])
        event = CaseEvent.objects.get(case=case, name="accept")
        assert len(dispatches(event)) == 1  # written in this transaction, not after it
        assert seen_elsewhere(event.pk) == (False, False)
        assert live_frames == []
    assert seen_elsewhere(event.pk) == (True, True)
    [row] = dispatches(event)
    assert row.status == "READY"  # the reactions wait for a worker, not for this process
    assert live_frames == [event.pk]  # the live streams heard at once, in this process


def test_a_failing_handler_is_retried_alone_until_it_succeeds(
    users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: dict[str, int] = {"flaky": 0, "steady": 0}

    def flaky(event: CaseEvent) -> None:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise ConnectionError("mail server unreachable")

    def steady(event: CaseEvent) -> None:
        calls["steady"] += 1

    monkeypatch.setattr(dispatch, "registry", dict(dispatch.registry))
    events.subscribe(flaky)
    events.subscribe(steady)
    case = CaseFactory()
    with override_settings(CASE_EVENT_DISPATCH={"retry_base_seconds": 0}):
        services.case_accept(case=case, by=users["dispatcher"])
        call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
    assert calls == {"flaky": 3, "steady": 1}
    first, second, third = dispatches(CaseEvent.objects.get(case=case, name="accept"))
    assert [first.status, second.status, third.status] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert second.args_kwargs["kwargs"] == {"handlers": [dispatch.handler_name(flaky)], "attempt": 2}
    assert OutboundMessage.objects.filter(case=case, purpose="decision").count() == 1  # texted once, not 3 times


def test_a_retry_waits_its_back_off_and_the_last_attempt_gives_up(
    users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(event: CaseEvent) -> None:
        raise ConnectionError("mail server unreachable")

    monkeypatch.setattr(dispatch, "registry", dict(dispatch.registry))
    events.subscribe(broken)
    case = CaseFactory()
    with override_settings(CASE_EVENT_DISPATCH={"retry_base_seconds": 30, "max_attempts": 2}):
        services.case_accept(case=case, by=users["dispatcher"])
        call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
        event = CaseEvent.objects.get(case=case, name="accept")
        first, retry = dispatches(event)
        assert (first.status, retry.status) == ("FAILED", "READY")
        assert 29 <= (retry.run_after - first.started_at).total_seconds() <= 60
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # the back-off has passed
        call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
    [*_, last] = dispatches(event)
    assert len(dispatches(event)) == 2
    assert last.status == "FAILED"
    assert "giving up" in last.traceback


def killed_mid_task(row: DBTaskResult) -> None:
    """What a worker killed while running ``row`` leaves behind: the row RUNNING since long ago."""
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1), worker_ids=["killed-worker"]
    )


def test_a_dispatch_whose_worker_died_is_reaped_and_texts_the_reporter_once(
    users: dict[str, Any], fake_twilio: Any
) -> None:
    case = CaseFactory()
    services.case_accept(case=case, by=users["dispatcher"])
    event = CaseEvent.objects.get(case=case, name="accept")
    [lost] = dispatches(event)
    killed_mid_task(lost)
    periodic_start()  # as `serve` or `start_periodic` does; the reaper runs in the worker
    run_worker(fake_twilio, TASK_LEASE_SECONDS="600")
    [text] = texts_sent(fake_twilio, case)
    assert Case.objects.get(pk=case.pk).reference in text
    lost, again = dispatches(event)
    assert (lost.status, lost.exception_class_path) == ("FAILED", WORKER_LOST)
    assert (again.status, again.args_kwargs) == ("SUCCESSFUL", lost.args_kwargs)


def test_a_dispatch_re_run_after_its_texts_went_out_sends_nothing_more(users: dict[str, Any], fake_twilio: Any) -> None:
    case = CaseFactory()
    services.case_accept(case=case, by=users["dispatcher"])
    run_worker(fake_twilio)
    assert len(texts_sent(fake_twilio, case)) == 1
    # The worker died after the handlers ran but before it marked the row done.
    event = CaseEvent.objects.get(case=case, name="accept")
    [done] = dispatches(event)
    killed_mid_task(done)
    periodic_start()
    run_worker(fake_twilio, TASK_LEASE_SECONDS="600")
    assert [row.status for row in dispatches(event)] == ["FAILED", "SUCCESSFUL"]
    assert len(texts_sent(fake_twilio, case)) == 1


def test_a_task_that_keeps_killing_its_worker_is_given_up(users: dict[str, Any]) -> None:
    case = CaseFactory()
    services.case_accept(case=case, by=users["dispatcher"])
    event = CaseEvent.objects.get(case=case, name="accept")
    for _death in range(REAP_LIMIT):
        [*_, latest] = dispatches(event)
        killed_mid_task(latest)
        tasks_reap(lease=timedelta(minutes=10))
    rows = dispatches(event)
    assert [(row.status, row.exception_class_path) for row in rows] == [("FAILED", WORKER_LOST)] * REAP_LIMIT
    assert "not re-enqueued" in rows[-1].traceback
