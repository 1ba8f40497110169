"""What a reporter may read about their own report (through the receipt), and what intake looks up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import Case, CaseEvent, EventKind, State
from cases.selectors import case_public_timeline

# Plain words for the reporter; staff-internal states collapse into what matters to them.
_REPORTER_STATE = {
    State.RECEIVED: "received",
    State.ACCEPTED: "in_progress",
    State.ASSIGNED: "in_progress",
    State.INVESTIGATING: "in_progress",
    State.IN_REVIEW: "in_progress",
    State.CLOSED: "closed",
    State.REJECTED: "rejected",
    State.REFERRED: "referred",
    State.MERGED: "in_progress",
}


def reporter_state(case: Case) -> str:
    return _REPORTER_STATE[State(case.state)]


def reporter_state_label(case: Case) -> str:
    labels = {
        "received": pgettext("reporter status", "Received, waiting for a decision"),
        "in_progress": pgettext("reporter status", "Accepted and being handled"),
        "closed": pgettext("reporter status", "Closed"),
        "rejected": pgettext("reporter status", "Not accepted"),
        "referred": pgettext("reporter status", "Passed to another agency"),
    }
    return labels[reporter_state(case)]


@dataclass(frozen=True)
class PublicEntry:
    id: int
    kind: str  # note, question, followup, extension, transition
    text: str
    at: datetime
    answered: bool = False


@dataclass(frozen=True)
class ReportStatus:
    case: Case
    state: str
    state_label: str
    received_at: datetime
    entries: list[PublicEntry]
    result: str

    @property
    def open_questions(self) -> list[PublicEntry]:
        return [entry for entry in self.entries if entry.kind == EventKind.QUESTION and not entry.answered]


def report_status(case: Case) -> ReportStatus:
    """Status, public notes, officers' questions and the reporter's own follow-ups, oldest first."""
    events = list(case_public_timeline(case))
    answered = {event.reply_to_id for event in events if event.reply_to_id}
    entries = [
        PublicEntry(
            id=event.pk, kind=event.kind, text=_public_text(event), at=event.created_at, answered=event.pk in answered
        )
        for event in events
    ]
    result = case.result_for_reporter if case.state == State.CLOSED else ""
    return ReportStatus(
        case=case,
        state=reporter_state(case),
        state_label=reporter_state_label(case),
        received_at=case.created_at,
        entries=entries,
        result=result,
    )


def _public_text(event: CaseEvent) -> str:
    if event.kind == EventKind.EXTENSION:
        return _("The deadline was extended: %(reason)s") % {"reason": event.reason}
    return event.text or event.reason


def public_status_line(case: Case) -> str:
    """One SMS or one spoken sentence: the state, and the latest public note if there is one."""
    line = _("Status of your report: %(state)s.") % {"state": reporter_state_label(case)}
    latest = case.events.filter(public=True, kind__in=[EventKind.NOTE, EventKind.QUESTION]).order_by("-id").first()
    if latest is not None:
        line += " " + _("Latest message: %(text)s") % {"text": latest.text[:200]}
    if case.state == State.CLOSED and case.result_for_reporter:
        line += " " + _("Result: %(text)s") % {"text": case.result_for_reporter[:300]}
    return line
