"""The deadline that applies to a case in each state, from the limits in ``HOTLINE_DEADLINES``."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from cases.models import Case
from cases.workdays import Deadline, calendar


def _limit(name: str) -> int:
    return int(settings.HOTLINE_DEADLINES[name])


def decision_deadline(received: date) -> Deadline:
    return calendar().add_workdays(received, _limit("accept_workdays"))


def closure_deadline(case: Case) -> Deadline:
    accepted = timezone.localdate(case.accepted_at) if case.accepted_at else timezone.localdate()
    return calendar().add_workdays(accepted, _limit("close_workdays") + case.extension_workdays)


def feedback_deadline(closed: date) -> Deadline:
    return calendar().add_workdays(closed, _limit("feedback_workdays"))


def set_due(case: Case, deadline: Deadline | None) -> None:
    case.due_date = deadline.date if deadline else None
    case.due_date_estimated = bool(deadline and deadline.estimated)


def overdue_workdays(case: Case, today: date | None = None) -> int:
    """Working days past the due date (0 when not overdue or nothing is due)."""
    if case.due_date is None:
        return 0
    return max(calendar().workdays_between(case.due_date, today or timezone.localdate()), 0)
