"""The report table is the worker's queue: one drain builds every waiting report, and none is left behind.

The door commits its row and wakes no one: every task worker looks at the table each poll
(``hotline.tasks.inbound_watch``) and enqueues a drain when a report waits and none is queued. These
tests use the production task backend and cache (Redis) and run ``task_worker --batch`` in-process
(one look, then every ready task), or a real worker in a thread, so a drain runs as in production.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from twilio.request_validator import RequestValidator

from cases.models import Case
from cases.selectors import case_for_receipt
from config.twilio import auth_token
from hotline import tasks
from hotline.models import InboundReport
from notifications.worker import ResilientWorker
from tests.hotline.conftest import SMS, Post, receipt_in, run_worker, sms
from tests.resilience.stack import wait_until

DRAIN_PATH = "hotline.tasks.inbound_drain"
UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


pytestmark = pytest.mark.usefixtures("worker_backend", "shared_cache")


def drains_enqueued() -> int:
    return DBTaskResult.objects.filter(task_path=DRAIN_PATH).count()


def text(twilio_post: Post, number: int, body: str = "脚手架没有护栏") -> str:
    """A first report from its own number; its receipt."""
    reply = twilio_post(SMS, sms(f"SM{number}", body, sender=f"+86139000000{number:02d}"))
    assert reply.status_code == 200
    return receipt_in(reply.content.decode())


def built(receipt: str) -> bool:
    return case_for_receipt(receipt) is not None


@pytest.mark.django_db(transaction=True)
def test_the_doors_enqueue_nothing_and_one_drain_builds_a_burst(twilio_post: Post) -> None:
    receipts = [text(twilio_post, n) for n in range(5)]
    assert drains_enqueued() == 0 and not Case.objects.exists()

    tasks.inbound_watch()
    tasks.inbound_watch()  # the drain of the first look has not started: it will read every row
    assert drains_enqueued() == 1
    run_worker()

    assert all(built(receipt) for receipt in receipts)
    assert not InboundReport.objects.filter(status=InboundReport.Status.PENDING).exists()
    tasks.inbound_watch()  # nothing waits: nothing to enqueue
    assert drains_enqueued() == 1


@pytest.mark.django_db(transaction=True)
def test_a_report_stored_while_a_drain_runs_is_still_built(twilio_post: Post, monkeypatch: pytest.MonkeyPatch) -> None:
    first = text(twilio_post, 1)
    during: list[str] = []
    build = tasks.inbound_build

    def build_while_another_report_arrives(inbound_id: int) -> Any:
        if not during:  # another web process stores a report after this drain has read the table
            sender = threading.Thread(target=lambda: during.append(_text_from_another_process(2)))
            sender.start()
            sender.join()
        return build(inbound_id)

    monkeypatch.setattr(tasks, "inbound_build", build_while_another_report_arrives)
    run_worker()  # one look, one drain: its next batch reads past the rows it built

    assert during and built(first) and built(during[0])
    assert drains_enqueued() == 1


def _text_from_another_process(number: int) -> str:
    params = sms(f"SM{number}", "仓库违规住人", sender=f"+86139000000{number:02d}")
    signature = RequestValidator(auth_token()).compute_signature("http://testserver" + SMS, params)
    try:
        reply = Client().post(SMS, params, HTTP_X_TWILIO_SIGNATURE=signature)
    finally:
        connection.close()  # this thread's own connection
    return receipt_in(reply.content.decode())


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_down_every_report_is_stored_and_built(twilio_post: Post, settings: Any) -> None:
    settings.CACHES = UNREACHABLE_REDIS
    receipts = [text(twilio_post, n) for n in range(3)]

    run_worker()

    assert all(built(receipt) for receipt in receipts)


@pytest.mark.django_db(transaction=True)
def test_a_drain_whose_worker_died_holds_back_no_report(twilio_post: Post) -> None:
    first = text(twilio_post, 1)
    tasks.inbound_watch()
    # A worker claims the drain and dies before building anything (SIGKILL, lost machine).
    DBTaskResult.objects.filter(task_path=DRAIN_PATH).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=5), worker_ids=["dead"]
    )

    run_worker()  # a running drain does not count: the next look enqueues another, long before any lease ends

    assert built(first)
    assert drains_enqueued() == 2


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_of_a_report_still_waiting_is_built_once(twilio_post: Post) -> None:
    """Twilio redelivers when the first request died after its commit, before it answered."""
    first = twilio_post(SMS, sms("SM1", "仓库违规住人"))
    again = twilio_post(SMS, sms("SM1", "仓库违规住人"))
    assert again.content == first.content
    run_worker()

    assert Case.objects.count() == 1 and InboundReport.objects.get().status == InboundReport.Status.BUILT


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_builds_a_report_within_seconds_of_its_commit(twilio_post: Post) -> None:
    """A real worker in a thread, as ``task_worker`` and ``serve`` run it: its watch finds the row."""
    worker = ResilientWorker.every_queue("drain-test", interval=0.1)
    thread = worker.start_thread("task-worker")
    try:
        receipt = text(twilio_post, 1)
        wait_until(lambda: built(receipt), seconds=10, what="the worker to build the report")
    finally:
        worker.running = False
        thread.join(timeout=10)


def test_a_failing_watch_is_logged_by_its_class_and_looks_again(caplog: pytest.LogCaptureFixture) -> None:
    looks: list[int] = []

    def inbound_watch() -> None:
        looks.append(1)
        raise OperationalError("connection to 10.0.0.5 failed for +8613900000001")

    worker = ResilientWorker.every_queue("watch-test")
    with caplog.at_level(logging.WARNING):
        worker.watches_run([inbound_watch])
        worker.watches_run([inbound_watch])

    assert len(looks) == 2
    assert "Watch inbound_watch failed (OperationalError)" in caplog.text
    assert "+8613900000001" not in caplog.text
