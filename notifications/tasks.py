"""Background work: deliver one message, and the periodic deadline scan.

django-tasks has no retries, so the attempt number travels in the task's arguments and a failed
attempt enqueues the next one itself (``services.messages.message_attempt_failed``).
"""

from __future__ import annotations

import logging

from django_tasks import task

from notifications.services import messages
from notifications.transport import DeliveryError, deliver

logger = logging.getLogger(__name__)


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
