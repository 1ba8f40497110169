"""The report table is the worker's queue: one drain builds every waiting report, and none is left behind.

The door commits its row and then wakes the worker through a flag in the cache: only the request
that finds no flag enqueues a drain. These tests use the production task backend and cache (Redis)
and run ``db_worker --batch`` in-process, so a drain runs as it does in production.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection
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
from hotline.services.registration import DRAIN_FLAG
from notifications.services.periodic import current_slot
from notifications.services.reaper import tasks_reap
from tests.hotline.conftest import SMS, Post, receipt_in, run_worker, sms

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
def test_a_burst_of_reports_wakes_the_worker_once_and_every_report_is_built(twilio_post: Post) -> None:
    receipts = [text(twilio_post, n) for n in range(5)]

    assert drains_enqueued() == 1  # the first report set the flag; the others found its drain pending
    assert not Case.objects.exists()
    run_worker()

    assert all(built(receipt) for receipt in receipts)
    assert not InboundReport.objects.filter(status=InboundReport.Status.PENDING).exists()


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
    run_worker()

    assert during and built(first) and built(during[0])
    assert drains_enqueued() == 2  # the drain had cleared the flag, so the late report woke another


def _text_from_another_process(number: int) -> str:
    params = sms(f"SM{number}", "仓库违规住人", sender=f"+86139000000{number:02d}")
    signature = RequestValidator(auth_token()).compute_signature("http://testserver" + SMS, params)
    try:
        reply = Client().post(SMS, params, HTTP_X_TWILIO_SIGNATURE=signature)
    finally:
        connection.close()  # this thread's own connection
    return receipt_in(reply.content.decode())


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_down_every_report_wakes_the_worker_and_is_built(twilio_post: Post, settings: Any) -> None:
    settings.CACHES = UNREACHABLE_REDIS
    receipts = [text(twilio_post, n) for n in range(3)]

    assert drains_enqueued() == 3
    run_worker()

    assert all(built(receipt) for receipt in receipts)


@pytest.mark.django_db(transaction=True)
def test_with_the_process_memory_cache_every_report_wakes_the_worker(twilio_post: Post, settings: Any) -> None:
    """The embedded default: a worker in another process could never clear a flag in this one."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    receipts = [text(twilio_post, n) for n in range(3)]

    assert drains_enqueued() == 3
    run_worker()

    assert all(built(receipt) for receipt in receipts)


@pytest.mark.django_db(transaction=True)
def test_reports_of_a_drain_whose_worker_died_are_built_by_the_next_drain_or_the_reaper(twilio_post: Post) -> None:
    first = text(twilio_post, 1)
    # A worker claims the drain, clears the flag and dies before building anything (SIGKILL, lost machine).
    drain = DBTaskResult.objects.get(task_path=DRAIN_PATH)
    DBTaskResult.objects.filter(pk=drain.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1), worker_ids=["dead"]
    )
    cache.delete(DRAIN_FLAG)
    run_worker()
    assert not built(first)

    second = text(twilio_post, 2)  # the next report wakes the worker, and its drain builds both
    run_worker()
    assert built(first) and built(second)

    third = text(twilio_post, 3)
    DBTaskResult.objects.filter(task_path=DRAIN_PATH, status=TaskResultStatus.READY).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1), worker_ids=["dead"]
    )
    cache.delete(DRAIN_FLAG)
    assert tasks_reap(lease=timedelta(minutes=15))  # with no report after it, the reaper re-runs the drain
    run_worker()
    assert built(third)


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_wake_up_failed_is_answered_and_built_by_the_sweep(
    twilio_post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    class TaskTableFull:
        def enqueue(self, *args: Any, **kwargs: Any) -> None:
            raise DatabaseError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(tasks, "inbound_drain", TaskTableFull())
        receipt = text(twilio_post, 1)  # stored before the failure: the reporter gets the receipt

    assert drains_enqueued() == 0 and not built(receipt)
    assert cache.get(DRAIN_FLAG) is None  # the next report wakes the worker itself

    tasks.inbound_sweep.enqueue(current_slot(60))
    run_worker()

    assert built(receipt)
    # The sweep keeps its own chain going, one run per minute.
    assert DBTaskResult.objects.filter(task_path="hotline.tasks.inbound_sweep", status=TaskResultStatus.READY).exists()


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_of_a_report_still_waiting_wakes_the_worker_again(twilio_post: Post) -> None:
    """Twilio redelivers when the first request died after its commit, perhaps before it woke the worker."""
    twilio_post(SMS, sms("SM1", "仓库违规住人"))
    DBTaskResult.objects.all().delete()  # as if that request had died before enqueueing its drain
    cache.delete(DRAIN_FLAG)

    twilio_post(SMS, sms("SM1", "仓库违规住人"))
    run_worker()

    assert Case.objects.count() == 1 and InboundReport.objects.get().status == InboundReport.Status.BUILT
