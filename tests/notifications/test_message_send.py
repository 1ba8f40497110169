"""message_send: one row per dedupe key, sent once, retried with back-off, failures shown on the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from cases.models import CaseEvent, EventKind
from config.errors import ApplicationError
from notifications.models import DeliveryStatus, OutboundMessage
from notifications.services import message_send, reporter_opt_out
from tests.factories import CaseFactory
from tests.fakes.twilio_api import AUTH_TOKEN

pytestmark = pytest.mark.django_db


def send(case: Any, key: str = "receipt:1") -> OutboundMessage:
    return message_send(
        to="+8613812341234",
        body="您的回执号 1234",
        purpose="receipt",
        dedupe_key=key,
        case=case,
        reporter=case.reporter,
    )


def test_it_lands_in_the_sandbox_outbox_without_a_twilio_account(django_capture_on_commit_callbacks: Any) -> None:
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.status, message.sandbox, message.attempts) == (DeliveryStatus.DELIVERED, True, 1)
    assert message.masked_to == "138****1234"


def test_it_sends_through_twilio_once_per_dedupe_key(fake_twilio: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = send(case)
    with django_capture_on_commit_callbacks(execute=True):
        again = send(case)
    assert again.pk == first.pk
    assert fake_twilio.sent_messages() == [{"To": "+8613812341234", "From": "+861069000000", "Body": "您的回执号 1234"}]
    sent = OutboundMessage.objects.get(pk=first.pk)
    assert sent.status == DeliveryStatus.SENT
    assert sent.provider_sid and sent.provider_sid.startswith("SM")


def test_it_retries_a_provider_error_and_succeeds(fake_twilio: Any, django_capture_on_commit_callbacks: Any) -> None:
    fake_twilio.fail_next(2, "500")
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (DeliveryStatus.SENT, 3)
    assert len(fake_twilio.sent_messages()) == 3  # two refused by the provider, one accepted


def test_it_gives_up_after_the_limit_and_shows_it_on_the_case(
    fake_twilio: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "max_attempts": 3}
    fake_twilio.fail_next(5, "500")
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (DeliveryStatus.FAILED, 3)
    event = CaseEvent.objects.get(case=case, kind=EventKind.MESSAGE)
    assert event.name == "failed"
    assert event.changes["attempts"] == 3
    assert "+86" not in str(event.changes)


def test_a_refused_number_is_not_retried(fake_twilio: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = CaseFactory()
    fake_twilio.server.RequestHandlerClass.do_POST = _answer_400  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    message = OutboundMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (DeliveryStatus.FAILED, 1)


def _answer_400(handler: Any) -> None:
    handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    handler._json(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})


def test_a_reporter_who_sent_stop_gets_nothing(fake_twilio: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = CaseFactory()
    reporter_opt_out(case.reporter)
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.SUPPRESSED
    assert fake_twilio.sent_messages() == []


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ApplicationError) as refused:
        message_send(to=" ", body="x", purpose="p", dedupe_key="k")
    assert "to" in refused.value.fields
    assert not OutboundMessage.objects.exists()


def _signed_post(form: dict[str, str], token: str) -> Any:
    url = "http://testserver/hotline/twilio/status/"
    signature = RequestValidator(token).compute_signature(url, form)
    return Client().post("/hotline/twilio/status/", form, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_status_callback_updates_delivery_and_a_forged_one_is_refused(
    fake_twilio: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    sid = OutboundMessage.objects.get(pk=message.pk).provider_sid
    assert sid
    forged = _signed_post({"MessageSid": sid, "MessageStatus": "delivered"}, "not-the-token")
    assert forged.status_code == 403
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.SENT

    assert _signed_post({"MessageSid": sid, "MessageStatus": "delivered"}, AUTH_TOKEN).status_code == 204
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.DELIVERED
    # A late "sent" does not undo "delivered"; an unknown id is acknowledged and ignored.
    assert _signed_post({"MessageSid": sid, "MessageStatus": "sent"}, AUTH_TOKEN).status_code == 204
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.DELIVERED
    assert _signed_post({"MessageSid": "SMunknown", "MessageStatus": "delivered"}, AUTH_TOKEN).status_code == 204


def test_an_undelivered_callback_shows_on_the_case(fake_twilio: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case)
    sid = OutboundMessage.objects.get(pk=message.pk).provider_sid
    form = {"MessageSid": str(sid), "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert _signed_post(form, AUTH_TOKEN).status_code == 204
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryStatus.UNDELIVERED
    assert CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE, name="failed").count() == 1


def test_stop_suppresses_what_is_still_queued_and_start_resumes(fake_twilio: Any) -> None:
    case = CaseFactory()
    queued = send(case)  # not yet delivered: the commit has not happened in this test
    reporter_opt_out(case.reporter)
    assert OutboundMessage.objects.get(pk=queued.pk).status == DeliveryStatus.SUPPRESSED
    reporter_opt_out(case.reporter, opted_out=False)
    assert send(case, key="receipt:2").status == DeliveryStatus.QUEUED
