"""What a reporter may read about their own report (through the receipt), and what intake looks up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import Case, CaseEvent, EventKind, State
from cases.receipts import parse_receipt, receipt_index
from cases.selectors import case_for_receipt, case_public_timeline
from hotline.models import InboundReport

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


def inbound_for_receipt(digits: str) -> InboundReport | None:
    """The report stored at the door under this receipt, whether or not its case is built yet."""
    return InboundReport.objects.select_related("case").filter(receipt_index=receipt_index(digits)).first()


def status_line_for_receipt(typed: str) -> str | None:
    """What an SMS or the IVR tells whoever types a receipt: the status, "being registered" for a
    report whose case the worker has not built yet, or None when no report has the receipt."""
    case = case_for_receipt(typed)
    digits = parse_receipt(typed)
    if case is None and digits is not None:
        inbound = inbound_for_receipt(digits)
        if inbound is not None and inbound.status == InboundReport.Status.PENDING:
            return _("Your report has been received and is being registered. Please check again in a few minutes.")
        case = inbound.case if inbound is not None else None
    if case is None:
        return None
    while case.merged_into_id is not None and case.merged_into is not None:
        case = case.merged_into  # a duplicate lives on in the case it was merged into
    return public_status_line(case)


def public_status_line(case: Case) -> str:
    """One SMS or one spoken sentence: the state, and the latest public note if there is one."""
    line = _("Status of your report: %(state)s.") % {"state": reporter_state_label(case)}
    latest = case.events.filter(public=True, kind__in=[EventKind.NOTE, EventKind.QUESTION]).order_by("-id").first()
    if latest is not None:
        line += " " + _("Latest message: %(text)s") % {"text": latest.text[:200]}
    if case.state == State.CLOSED and case.result_for_reporter:
        line += " " + _("Result: %(text)s") % {"text": case.result_for_reporter[:300]}
    return line
