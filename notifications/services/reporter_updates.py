"""What the reporter is told, by SMS, when something they care about happens to their case.

Only reporters with a phone get a text; the others (anonymous web reports) read the same news
in the mailbox with their receipt. ``message_send`` honours TD/STOP and deduplicates per event,
so a handler that runs twice for one event never texts twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import formats

from cases.models import Case, CaseEvent, EventKind, Reporter, State
from notifications.models import OutboundMessage
from notifications.services.messages import FEEDBACK_PURPOSE, message_send
from notifications.services.texts import render_text

logger = logging.getLogger(__name__)

QUESTION_CHARS = 300
# A reward withdrawn from these states had been offered: the reporter was told of it, so is told again.
TOLD_OF_THE_OFFER = frozenset({"offered", "claimed"})
# Transition name → (template, purpose).
TRANSITION_TEXTS = {
    "accept": ("sms/accepted", "decision"),
    "reject": ("sms/rejected", "decision"),
    "refer": ("sms/referred", "decision"),
    "close": ("sms/closed", FEEDBACK_PURPOSE),
}


def _reporters(case: Case) -> list[Reporter]:
    linked = Reporter.objects.filter(case_links__case=case).exclude(pk=case.reporter_id)
    return [case.reporter, *linked.order_by("pk")]


def _date(value: Any) -> str:
    return formats.date_format(value, "Y-m-d") if value else ""


def _text_for(event: CaseEvent, case: Case) -> tuple[str, str, dict[str, Any]] | None:
    """(template, purpose, context) for events the reporter hears about, else None."""
    context: dict[str, Any] = {"reference": case.reference, "reason": event.reason, "due": _date(case.due_date)}
    if event.kind == EventKind.TRANSITION and event.name in TRANSITION_TEXTS:
        template, purpose = TRANSITION_TEXTS[event.name]
        context.update(agency=case.referred_to, result=case.result_for_reporter)
        return template, purpose, context
    if event.kind == EventKind.QUESTION:
        question = event.text if len(event.text) <= QUESTION_CHARS else event.text[: QUESTION_CHARS - 1] + "…"
        return "sms/question", "question", {**context, "question": question}
    if event.kind == EventKind.EXTENSION:
        return "sms/extended", "extension", context
    if event.kind == EventKind.REWARD and event.name == "withdrawn" and event.from_state in TOLD_OF_THE_OFFER:
        amount = (event.changes or {}).get("amount", "")
        return "sms/reward_withdrawn", "reward_withdrawn", {**context, "amount": amount}
    if event.kind == EventKind.REWARD and event.name in {"offered", "paid"}:
        changes = event.changes or {}
        context.update(
            amount=changes.get("amount", ""),
            claim_by=changes.get("claim_by", ""),
            claim_url=settings.PUBLIC_BASE_URL.rstrip("/") + changes.get("claim_path", ""),
        )
        return f"sms/reward_{event.name}", f"reward_{event.name}", context
    return None


def _recipients(event: CaseEvent, case: Case) -> Iterable[Reporter]:
    if event.kind == EventKind.REWARD and (event.changes or {}).get("reporter"):
        # A reward belongs to one reporter (joint reporters get their own offers).
        return Reporter.objects.filter(pk=event.changes["reporter"])
    return _reporters(case)


def event_notify_reporters(event: CaseEvent) -> list[OutboundMessage]:
    """Queue the SMS this event means for the case's reporters (called after commit)."""
    case = Case.objects.select_related("reporter").get(pk=event.case_id)
    found = _text_for(event, case)
    if found is None:
        return []
    template, purpose, context = found
    if purpose == FEEDBACK_PURPOSE and case.state != State.CLOSED:
        return []
    queued = []
    for reporter in _recipients(event, case):
        if not reporter.phone:
            continue  # nothing to push to; the update waits in the mailbox
        queued.append(
            message_send(
                to=reporter.phone,
                body=render_text(template, context, reporter.language),
                purpose=purpose,
                dedupe_key=f"event:{event.pk}:reporter:{reporter.pk}:sms",
                case=case,
                reporter=reporter,
            )
        )
    return queued
