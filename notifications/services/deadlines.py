"""Deadline watch: cases near or past their due date become case events, once per deadline.

The events flow like any other: to the live streams (every event reaches the bureau stream, so an
overdue case is escalated there) and to ``staff_mail``, which tells the assignee and supervisors.
A case whose deadline moves (an extension) gets new events for the new date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import events
from cases.models import Case, CaseEvent, EventKind
from cases.workdays import calendar

logger = logging.getLogger(__name__)


@dataclass
class DeadlineScan:
    near: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


def cases_due_by(day: date) -> QuerySet[Case]:
    """Cases with a deadline on or before ``day`` (final states have none)."""
    return Case.objects.filter(due_date__isnull=False, due_date__lte=day).order_by("due_date", "pk")


def near_horizon(today: date) -> date:
    return calendar().add_workdays(today, int(settings.HOTLINE_DEADLINES["near_workdays"])).date


def deadline_scan(*, today: date | None = None) -> DeadlineScan:
    today = today or timezone.localdate()
    scan = DeadlineScan()
    for case in cases_due_by(near_horizon(today)).iterator():
        kind = EventKind.OVERDUE if case.due_date and case.due_date < today else EventKind.DEADLINE_NEAR
        if _record_once(case, kind, today):
            (scan.overdue if kind == EventKind.OVERDUE else scan.near).append(case.reference)
    if scan.near or scan.overdue:
        logger.info("Deadline scan %s: %d near, %d overdue", today, len(scan.near), len(scan.overdue))
    return scan


def _record_once(case: Case, kind: str, today: date) -> bool:
    with transaction.atomic():
        # The lock makes two scans running at once record the deadline once between them.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.due_date is None:
            return False
        due = str(locked.due_date)
        if CaseEvent.objects.filter(case=locked, kind=kind, changes__due_date=due).exists():
            return False
        workdays = calendar().workdays_between(today, locked.due_date)
        events.record(
            case=locked, kind=kind, changes={"due_date": due, "workdays_left": workdays, "state": locked.state}
        )
    return True
