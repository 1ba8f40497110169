"""Background work: deliver one message, and the periodic deadline watch.

django-tasks has no retries, so the attempt number travels in the task's arguments and a failed
attempt enqueues the next one itself (``services.messages.message_attempt_failed``). It has no
scheduler either: ``deadline_watch`` enqueues its own next run (``services.periodic``).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from notifications.conf import setting
from notifications.services import messages, periodic
from notifications.services.deadlines import deadline_scan
from notifications.services.digest import deadline_digest_send
from notifications.transport import DeliveryError, deliver

logger = logging.getLogger(__name__)

WATCH = "deadline_watch"


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
    """Scan deadlines (and send the daily digest once its hour has come), then schedule the next run."""
    interval = setting("deadline_scan_seconds")
    outcome = "skipped: slot already scanned"
    if periodic.slot_take(f"{WATCH}:run", slot):
        scan = deadline_scan()
        now = timezone.localtime()
        if now.hour >= setting("digest_hour") and periodic.slot_take("deadline_digest", now.date().toordinal()):
            deadline_digest_send(today=now.date())
        periodic.slots_prune()
        outcome = f"{len(scan.near)} near, {len(scan.overdue)} overdue"
    deadline_watch_schedule(max(slot + 1, periodic.current_slot(interval)))
    return outcome


def deadline_watch_schedule(slot: int) -> bool:
    """Enqueue the run for ``slot`` unless another chain already did; False when not scheduled."""
    task_ = deadline_watch
    if not task_.get_backend().supports_defer:
        return False  # the immediate test backend would run the whole future now
    if not periodic.slot_take(f"{WATCH}:scheduled", slot):
        return False
    interval = setting("deadline_scan_seconds")
    task_.using(run_after=periodic.slot_start(slot, interval)).enqueue(slot)
    return True


def deadline_watch_start() -> None:
    """Run a scan now and keep the chain going; safe to call on every start of a server or worker."""
    deadline_watch.enqueue(periodic.current_slot(setting("deadline_scan_seconds")))
