"""The two ways out: SMS through the ``twilio`` client (or the sandbox outbox) and e-mail.

Each returns the provider's message id, or raises ``DeliveryError`` saying whether a later
attempt may succeed (provider down, time-out) or not (a number Twilio refuses).
"""

from __future__ import annotations

import smtplib

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException

from config import twilio
from notifications.models import MessageChannel, OutboundMessage


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def deliver(message: OutboundMessage) -> tuple[str | None, bool]:
    """Send ``message``; returns (provider id, whether it went to the sandbox outbox)."""
    if message.channel == MessageChannel.EMAIL:
        return _send_email(message), False
    if twilio.sandbox():
        return None, True
    return _send_sms(message), False


def _status_callback_url() -> str | None:
    if not settings.PUBLIC_BASE_URL:
        return None  # Twilio cannot reach a laptop; delivery then stays "sent"
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("twilio-status")


def _send_sms(message: OutboundMessage) -> str:
    extra = {}
    callback = _status_callback_url()
    if callback:
        extra["status_callback"] = callback
    try:
        sent = twilio.client().messages.create(
            to=message.to, from_=settings.TWILIO_SMS_NUMBER, body=message.body, **extra
        )
    except TwilioRestException as error:
        # 429 and 5xx are the provider's trouble; other 4xx (bad number, blocked) will not improve.
        retryable = error.status == 429 or error.status >= 500
        raise DeliveryError(f"Twilio {error.status} {error.code}", retryable=retryable) from None
    except (requests.RequestException, TwilioException) as error:
        raise DeliveryError(f"Twilio unreachable: {type(error).__name__}", retryable=True) from None
    return str(sent.sid)


def _send_email(message: OutboundMessage) -> str | None:
    email = EmailMessage(subject=message.subject, body=message.body, to=[message.to])
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"Mail server: {type(error).__name__}", retryable=True) from None
    return None
