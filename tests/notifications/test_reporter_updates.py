"""Reporters hear about decisions, questions, closure and rewards by SMS; staff get e-mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from cases import events, services
from cases.dispatch import event_dispatch
from cases.models import Case, EventKind, Reporter
from notifications.models import DeliveryStatus, MessageChannel, OutboundMessage
from notifications.services import reporter_opt_out
from tests.factories import CaseFactory, ReporterFactory

pytestmark = pytest.mark.django_db


def texts_to(reporter: Reporter) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(reporter=reporter, channel=MessageChannel.SMS).order_by("pk"))


@pytest.fixture
def english_case() -> Case:
    return CaseFactory(reporter=ReporterFactory(language="en"))


def test_acceptance_is_texted_with_the_due_date(
    users: dict[str, Any], english_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_accept(case=english_case, by=users["dispatcher"])
    [text] = texts_to(english_case.reporter)
    assert text.body == (
        f"Safety hotline: your report {case.reference} has been accepted and will be handled by {case.due_date}."
    )
    assert (text.status, text.sandbox, text.purpose) == (DeliveryStatus.DELIVERED, True, "decision")


def test_a_rejection_carries_the_reason(
    users: dict[str, Any], english_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject(case=english_case, by=users["dispatcher"], reason="Not a work-safety matter")
    [text] = texts_to(english_case.reporter)
    assert text.body.endswith("was not accepted. Reason: Not a work-safety matter")


def test_a_referral_names_the_agency_and_reason(
    users: dict[str, Any], english_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.case_refer(case=english_case, by=users["dispatcher"], agency="Market regulator", reason="Food")
    [text] = texts_to(english_case.reporter)
    assert "passed to Market regulator" in text.body
    assert text.body.endswith("Reason: Food")


def test_closure_texts_the_result_and_meets_the_feedback_deadline(
    users: dict[str, Any], case_in: Callable[[str], Case], django_capture_on_commit_callbacks: Any
) -> None:
    case = case_in("in_review")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_close(case=case, by=users["town_supervisor"], result_for_reporter="整改完成，罚款五千元")
    [text] = [t for t in texts_to(case.reporter) if t.purpose == "closure_result"]
    assert "整改完成，罚款五千元" in text.body
    closed = Case.objects.get(pk=case.pk)
    assert closed.feedback_at is not None
    assert closed.due_date is None


def test_a_question_reaches_the_reporter(
    users: dict[str, Any], case_in: Callable[[str], Case], django_capture_on_commit_callbacks: Any
) -> None:
    case = case_in("investigating")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_question_ask(case=case, by=users["officer"], text="Which floor is the blocked exit on?")
    [text] = texts_to(case.reporter)
    assert text.purpose == "question"
    assert "Which floor is the blocked exit on?" in text.body


def test_reward_offers_and_payments_are_texted(english_case: Case, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        events.record(
            case=english_case,
            kind=EventKind.REWARD,
            name="offered",
            changes={"amount": "500.00", "claim_by": "2027-01-28", "claim_path": "/report/claim/"},
        )
        events.record(case=english_case, kind=EventKind.REWARD, name="paid", changes={"amount": "500.00"})
    offered, paid = texts_to(english_case.reporter)
    assert "a reward of 500.00 yuan has been offered" in offered.body
    assert "Claim it by 2027-01-28" in offered.body
    assert "500.00 yuan" in paid.body and "has been paid" in paid.body


def test_an_anonymous_reporter_without_a_phone_gets_nothing_pushed(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = CaseFactory(reporter=ReporterFactory(name="", phone="", anonymous=True))
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept(case=case, by=users["dispatcher"])
    assert not OutboundMessage.objects.filter(channel=MessageChannel.SMS).exists()


def test_a_reporter_who_sent_td_is_not_texted(
    users: dict[str, Any], english_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    reporter_opt_out(english_case.reporter)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept(case=english_case, by=users["dispatcher"])
    [text] = texts_to(english_case.reporter)
    assert text.status == DeliveryStatus.SUPPRESSED


def test_a_rolled_back_change_sends_nothing(
    users: dict[str, Any], english_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.case_accept(case=english_case, by=users["dispatcher"])
        raise RuntimeError("the request failed after the transition")
    assert not OutboundMessage.objects.exists()


def test_the_same_event_handled_twice_texts_once(
    users: dict[str, Any], english_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept(case=english_case, by=users["dispatcher"])
    with django_capture_on_commit_callbacks(execute=True):
        # The event's reactions run again, as when a dispatch is re-run after its worker died.
        event_dispatch.enqueue(english_case.events.get(name="accept").pk)
    assert len(texts_to(english_case.reporter)) == 1


def test_the_town_is_mailed_on_assignment(
    users: dict[str, Any], town_a: Any, case_in: Callable[[str], Case], django_capture_on_commit_callbacks: Any
) -> None:
    case = case_in("accepted")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case=case, town=town_a, by=users["dispatcher"])
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["officer@hotline.invalid", "town_supervisor@hotline.invalid"]
    assert case.reference in mail.outbox[0].subject
    assert "张三" not in mail.outbox[0].body and "1234" not in mail.outbox[0].body


def test_the_officer_is_mailed_when_their_question_is_answered(
    users: dict[str, Any], case_in: Callable[[str], Case], django_capture_on_commit_callbacks: Any
) -> None:
    case = case_in("investigating")
    question = services.case_question_ask(case=case, by=users["officer"], text="Which floor?")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_followup_add(case=case, text="Third floor", reply_to=question)
    assert [m.to for m in mail.outbox] == [["officer@hotline.invalid"]]
    assert "Third floor" not in mail.outbox[0].body


def test_a_chinese_speaking_reporter_is_texted_in_chinese(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = CaseFactory()  # reporters default to zh-hans
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject(case=case, by=users["dispatcher"], reason="不属于安全生产事项")
    [text] = texts_to(case.reporter)
    assert text.body == f"【安全生产举报】您的举报 {case.reference} 不予受理。原因：不属于安全生产事项"
