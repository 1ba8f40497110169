"""The daily e-mail of cases near or past their deadline, per person and day (sent once)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case
from directory.models import TOWN_ROLES, Role
from notifications.models import OutboundMessage
from notifications.services.deadlines import cases_due_by, near_horizon
from notifications.services.staff_mail import STAFF_LANGUAGE, bureau_staff, mail_staff, town_staff


def deadline_digest_send(*, today: date) -> list[OutboundMessage]:
    cases = list(cases_due_by(near_horizon(today)).select_related("town"))
    if not cases:
        return []
    by_town: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        if case.town_id is not None:
            by_town[case.town_id].append(case)
    recipients: dict[Any, list[Case]] = {user: cases for user in bureau_staff(Role.BUREAU_SUPERVISOR)}
    for town_id, town_cases in by_town.items():
        for user in town_staff(town_id, TOWN_ROLES):
            recipients.setdefault(user, []).extend(c for c in town_cases if c not in recipients.get(user, []))
    sent: list[OutboundMessage] = []
    with translation.override(STAFF_LANGUAGE):
        for user, user_cases in recipients.items():
            rows = [
                {
                    "reference": c.reference,
                    "town": c.town,
                    "due": c.due_date,
                    "overdue": c.due_date < today,
                    "state": c.get_state_display(),
                }
                for c in user_cases
                if c.due_date
            ]
            sent += mail_staff(
                users=[user],
                template="email/digest",
                context={"cases": rows, "today": today},
                subject=_("Cases near or past their deadline, %(day)s") % {"day": today},
                purpose="digest",
                key=f"digest:{today}",
            )
    return sent
