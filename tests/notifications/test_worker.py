"""Delivery with a real ``task_worker`` process on the database backend: retries and idempotency;
and the project's worker waiting out a lost database."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases.models import CaseEvent, EventKind
from notifications import tasks
from notifications.conf import setting
from notifications.models import DeliveryStatus, OutboundMessage
from notifications.services import message_send, periodic
from notifications.tasks import deliver_message, periodic_start
from notifications.worker import ResilientWorker
from tests.factories import CaseFactory
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN
from tests.notifications import processes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}


def run_worker(fake_twilio: Any, **env: str) -> None:
    """Run worker batches until no task is due (a retry enqueued by one batch runs in the next)."""
    twilio = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE": fake_twilio.base_url,
        "NOTIFY_RETRY_BASE_SECONDS": "0",
        **env,
    }
    for _batch in range(10):
        result = processes.worker_batch(**twilio)
        assert result.returncode == 0, result.stderr[-2000:]
        if not DBTaskResult.objects.filter(status="READY", run_after__lte=timezone.now()).exists():
            return
    raise AssertionError("tasks still due after 10 worker batches")


def send(case: Any) -> OutboundMessage:
    return message_send(
        to="+8613812341234",
        body="您的举报已受理",
        purpose="decision",
        dedupe_key="event:1:sms",
        case=case,
        reporter=case.reporter,
    )


def test_the_worker_retries_a_failing_provider_until_it_accepts(fake_twilio: Any, database_tasks: None) -> None:
    fake_twilio.fail_next(2, "500")
    message = send(CaseFactory())
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # enqueued on commit, not yet sent
    run_worker(fake_twilio)
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (DeliveryStatus.SENT, 3)
    assert len(fake_twilio.sent_messages()) == 3
    outcomes = list(DBTaskResult.objects.order_by("enqueued_at").values_list("return_value", flat=True))
    assert outcomes == ["retrying", "retrying", "sent"]


def test_after_the_limit_the_failure_shows_on_the_case(fake_twilio: Any, database_tasks: None) -> None:
    fake_twilio.fail_next(10, "500")
    case = CaseFactory()
    message = send(case)
    run_worker(fake_twilio, NOTIFY_MAX_ATTEMPTS="3")
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (DeliveryStatus.FAILED, 3)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE, name="failed").count() == 1


def test_a_back_off_leaves_the_retry_for_later(fake_twilio: Any, database_tasks: None) -> None:
    fake_twilio.fail_next(1, "500")
    message = send(CaseFactory())
    result = processes.worker_batch(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE=fake_twilio.base_url,
        NOTIFY_RETRY_BASE_SECONDS="600",
    )
    assert result.returncode == 0
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.RETRYING
    waiting = DBTaskResult.objects.get(status="READY")
    assert (waiting.run_after - waiting.enqueued_at).total_seconds() > 590


def test_a_duplicated_task_texts_the_reporter_once(fake_twilio: Any, database_tasks: None) -> None:
    message = send(CaseFactory())
    # The same attempt enqueued again, as when a task is re-run after its worker died.
    deliver_message.using(queue_name="sms").enqueue(message.pk, attempt=1)
    run_worker(fake_twilio)
    assert len(fake_twilio.sent_messages()) == 1
    assert sorted(str(v) for v in DBTaskResult.objects.values_list("return_value", flat=True)) == ["sent", "skipped"]


def test_a_message_whose_worker_died_while_sending_is_never_sent_twice(fake_twilio: Any, database_tasks: None) -> None:
    """A worker that died between claiming and Twilio's answer may or may not have sent: the row
    stays "sending" for staff to check in the outbox rather than risk a second text."""
    message = send(CaseFactory())
    OutboundMessage.objects.filter(pk=message.pk).update(status=DeliveryStatus.SENDING, attempts=1)
    run_worker(fake_twilio)
    assert fake_twilio.sent_messages() == []
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.SENDING


def test_starting_the_periodic_tasks_twice_keeps_one_chain_each(database_tasks: None, fake_twilio: Any) -> None:
    periodic_start()
    periodic_start()  # e.g. `serve` restarted, or start_periodic run on every deploy
    run_worker(fake_twilio)
    outcomes = sorted(
        str(value) for value in DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("return_value", flat=True)
    )
    assert outcomes == [
        "0 near, 0 overdue",
        "0 re-enqueued",
        "skipped: slot already reaped",
        "skipped: slot already scanned",
    ]
    next_runs = DBTaskResult.objects.filter(status="READY").order_by("task_path")
    assert [run.task_path for run in next_runs] == [
        "notifications.tasks.deadline_watch",
        "notifications.tasks.task_reaper",
    ]
    assert all(run.run_after > timezone.now() for run in next_runs)


def test_the_worker_waits_out_a_lost_database_then_sends(
    fake_twilio: Any, database_tasks: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    message = send(CaseFactory())
    worker = ResilientWorker.every_queue("outage", interval=0.1, max_tasks=1)
    # The database refuses the worker's next two connections, as while PostgreSQL restarts.
    refusals = iter(range(2))
    connect = type(connections["default"]).get_new_connection

    def get_new_connection(wrapper: Any, params: dict[str, Any]) -> Any:
        if threading.current_thread().name == "task-worker" and next(refusals, None) is not None:
            raise wrapper.Database.OperationalError("connection failed: Connection refused")
        return connect(wrapper, params)

    monkeypatch.setattr(type(connections["default"]), "get_new_connection", get_new_connection)

    thread = worker.start_thread("task-worker")
    thread.join(timeout=30)

    assert not thread.is_alive(), "the worker did not finish its one task"
    message = OutboundMessage.objects.get(pk=message.pk)
    assert message.status == DeliveryStatus.SENT
    assert len(fake_twilio.sent_messages()) == 1
    waits = [r.getMessage() for r in caplog.records if r.name == "notifications.worker"]
    assert waits == [
        "Database unavailable (OperationalError); worker outage retries in 1 s",
        "Database unavailable (OperationalError); worker outage retries in 2 s",
        "Database reachable again; worker outage resumes",
    ]
    assert "+8613812341234" not in caplog.text


def test_a_deadline_scan_that_fails_keeps_its_chain(database_tasks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Overdue cases must still escalate after one bad scan: the next run is scheduled before the work."""

    def scan_fails() -> None:
        raise RuntimeError("a case the scan could not read")

    monkeypatch.setattr(tasks, "deadline_scan", scan_fails)
    slot = periodic.current_slot(setting("deadline_scan_seconds"))
    with pytest.raises(RuntimeError):
        tasks.deadline_watch.call(slot)

    next_run = DBTaskResult.objects.get(task_path="notifications.tasks.deadline_watch", status="READY")
    assert next_run.args_kwargs["args"] == [slot + 1]
