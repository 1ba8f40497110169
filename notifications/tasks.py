"""Background work: deliver one message, and the periodic deadline watch and task reaper.

django-tasks has no retries, so the attempt number travels in the task's arguments and a failed
attempt enqueues the next one itself (``services.messages.message_attempt_failed``). It has no
scheduler either: ``deadline_watch`` and ``task_reaper`` enqueue their own next runs
(``services.periodic``); ``periodic_start`` starts or mends both chains.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from notifications.conf import setting
from notifications.services import messages, periodic, reaper
from notifications.services.deadlines import deadline_scan
from notifications.services.digest import deadline_digest_send
from notifications.transport import DeliveryError, deliver

logger = logging.getLogger(__name__)

WATCH = "deadline_watch"
REAPER = "task_reaper"


@task(queue_name="sms")
def deliver_message(message_id: int, attempt: int = 1) -> str:
    message = messages.message_claim(message_id, attempt)
    if message is None:
        return "skipped"
    try:
        provider_sid, sandbox = deliver(message)
    except DeliveryError as error:
        will_retry = messages.message_attempt_failed(message, error=str(error), retryable=error.retryable)
        logger.warning(
            "Message %s attempt %s failed (%s); %s",
            message_id,
            attempt,
            error,
            "will retry" if will_retry else "giving up",
        )
        return "retrying" if will_retry else "failed"
    messages.message_delivered(message, provider_sid=provider_sid, sandbox=sandbox)
    return "sent"


@task()
def deadline_watch(slot: int) -> str:
    """Schedule the next run, then scan deadlines (and send the daily digest once its hour has come)."""
    if not periodic.chain_run(deadline_watch, WATCH, slot, setting("deadline_scan_seconds")):
        return "skipped: slot already scanned"
    scan = deadline_scan()
    now = timezone.localtime()
    if now.hour >= setting("digest_hour") and periodic.slot_take("deadline_digest", now.date().toordinal()):
        deadline_digest_send(today=now.date())
    periodic.slots_prune()
    return f"{len(scan.near)} near, {len(scan.overdue)} overdue"


@task()
def task_reaper(slot: int) -> str:
    """Re-run tasks whose worker died (``services.reaper``), once per lease."""
    lease = settings.TASK_LEASE_SECONDS
    if not periodic.chain_run(task_reaper, REAPER, slot, lease):
        return "skipped: slot already reaped"
    return f"{len(reaper.tasks_reap(lease=timedelta(seconds=lease)))} re-enqueued"


def periodic_start() -> None:
    """Run the periodic tasks now and keep their chains going; safe on every start of a server or worker."""
    deadline_watch.enqueue(periodic.current_slot(setting("deadline_scan_seconds")))
    task_reaper.enqueue(periodic.current_slot(settings.TASK_LEASE_SECONDS))
