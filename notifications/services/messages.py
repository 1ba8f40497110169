"""The outbox: one row per message, created once per ``dedupe_key`` and handed to a task on commit.

Delivery is at most once per row: the worker claims a row (``sending``) in its own committed
transaction before it calls the provider, and a task that finds the row claimed or settled does
nothing. So a duplicated or re-run task never texts the reporter twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, EventKind, Reporter
from cases.services import case_feedback_given
from config.errors import ApplicationError
from notifications.conf import setting
from notifications.models import SETTLED, DeliveryStatus, MessageChannel, OutboundMessage

logger = logging.getLogger(__name__)

# The closure message carries the result: once it has gone out, the feedback deadline is met.
FEEDBACK_PURPOSE = "closure_result"


def message_send(
    *,
    to: str,
    body: str,
    purpose: str,
    dedupe_key: str,
    case: Case | None = None,
    reporter: Reporter | None = None,
    channel: str = MessageChannel.SMS,
    subject: str = "",
) -> OutboundMessage:
    """Queue one message; the same ``dedupe_key`` returns the existing row and sends nothing more.

    The delivery task is enqueued when the surrounding transaction commits, so a rolled-back
    change sends nothing. A reporter who stopped SMS gets a ``suppressed`` row, not a text.
    """
    if channel not in MessageChannel.values:
        raise ApplicationError(_("Unknown message channel."), fields={"channel": [_("Use sms or email.")]})
    if not to.strip():
        raise ApplicationError(_("A message needs a recipient."), fields={"to": [_("This field is required.")]})
    if not body.strip():
        raise ApplicationError(_("A message needs a text."), fields={"body": [_("This field is required.")]})
    suppressed = channel == MessageChannel.SMS and reporter is not None and reporter.sms_opt_out
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "channel": channel,
                "to": to.strip(),
                "body": body.strip(),
                "subject": subject,
                "purpose": purpose,
                "case": case,
                "reporter": reporter,
                "status": DeliveryStatus.SUPPRESSED if suppressed else DeliveryStatus.QUEUED,
            },
        )
        if created and not suppressed:
            transaction.on_commit(partial(enqueue_delivery, message.pk, channel))
    return message


def enqueue_delivery(message_id: int, channel: str, attempt: int = 1, delay_seconds: int = 0) -> None:
    # Tasks import these services; this is the one way back, so it is imported at call time.
    from notifications.tasks import deliver_message  # noqa: PLC0415

    task = deliver_message.using(queue_name=channel)
    if delay_seconds and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    task.enqueue(message_id, attempt=attempt)


def message_claim(message_id: int, attempt: int) -> OutboundMessage | None:
    """Take the row for this attempt, or None when it is settled or another attempt holds it."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status in SETTLED or message.status == DeliveryStatus.SENDING:
            return None
        if message.attempts >= attempt:  # a duplicate of an attempt that already ran
            return None
        message.status = DeliveryStatus.SENDING
        message.attempts = attempt
        message.save(update_fields=["status", "attempts", "updated_at"])
    return message


def message_delivered(message: OutboundMessage, *, provider_sid: str | None, sandbox: bool) -> OutboundMessage:
    message.provider_sid = provider_sid
    message.sandbox = sandbox
    message.sent_at = timezone.now()
    # The sandbox has no carrier behind it: the outbox is the delivery.
    final = sandbox or message.channel == MessageChannel.EMAIL
    message.status = DeliveryStatus.DELIVERED if final else DeliveryStatus.SENT
    message.last_error = ""
    message.save(update_fields=["provider_sid", "sandbox", "sent_at", "status", "last_error", "updated_at"])
    if message.purpose == FEEDBACK_PURPOSE and message.case_id is not None:
        case_feedback_given(case=Case.objects.get(pk=message.case_id))
    return message


def message_attempt_failed(message: OutboundMessage, *, error: str, retryable: bool) -> bool:
    """Schedule the next attempt with back-off, or mark the message failed. True when it will retry."""
    will_retry = retryable and message.attempts < setting("max_attempts")
    with transaction.atomic():
        message.last_error = error[:300]
        if will_retry:
            message.status = DeliveryStatus.RETRYING
            delay = min(setting("retry_base_seconds") * 2 ** (message.attempts - 1), 3600)
            transaction.on_commit(partial(enqueue_delivery, message.pk, message.channel, message.attempts + 1, delay))
        else:
            message.status = DeliveryStatus.FAILED
            _record_failure_on_case(message)
        message.save(update_fields=["status", "last_error", "updated_at"])
    return will_retry


def _record_failure_on_case(message: OutboundMessage) -> None:
    if message.case_id is None:
        return
    events.record(
        case=Case.objects.get(pk=message.case_id),
        kind=EventKind.MESSAGE,
        name="failed",
        text=message.purpose,
        changes={
            "message": message.pk,
            "channel": message.channel,
            "status": message.status,
            "attempts": message.attempts,
            "error": message.last_error,
        },
    )


# Twilio's statuses, in the order they happen: a late "sent" never overwrites "delivered".
_PROVIDER_STATUS = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
}
_RANK = {
    DeliveryStatus.SENDING: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.UNDELIVERED: 2,
    DeliveryStatus.FAILED: 2,
}


def delivery_status_record(*, provider_sid: str, provider_status: str, error_code: str = "") -> OutboundMessage | None:
    """Apply a Twilio status callback; unknown message ids and statuses are ignored (None)."""
    status = _PROVIDER_STATUS.get(provider_status)
    if status is None or not provider_sid:
        return None
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(provider_sid=provider_sid).first()
        if message is None or _RANK.get(DeliveryStatus(message.status), 0) >= _RANK[status]:
            return message
        message.status = status
        if error_code:
            message.last_error = f"Twilio error {error_code}"[:300]
        message.save(update_fields=["status", "last_error", "updated_at"])
        if status in {DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED}:
            _record_failure_on_case(message)
    return message


def reporter_opt_out(reporter: Reporter, *, opted_out: bool = True) -> Reporter:
    """``TD``/``STOP`` (or ``START`` with ``opted_out=False``): stop or resume SMS to this reporter.

    Messages already queued for them are suppressed too, so nothing more arrives after STOP.
    """
    with transaction.atomic():
        Reporter.objects.filter(pk=reporter.pk).update(sms_opt_out=opted_out)
        reporter.sms_opt_out = opted_out
        if opted_out:
            OutboundMessage.objects.filter(
                reporter=reporter,
                channel=MessageChannel.SMS,
                status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING],
            ).update(status=DeliveryStatus.SUPPRESSED, updated_at=timezone.now())
    logger.info("Reporter %s %s SMS", reporter.pk, "stopped" if opted_out else "resumed")
    return reporter
