"""Reads of cases, always scoped to what the user may see.

A case the user may not see behaves exactly like one that does not exist: same 404, same
message, absent from every list and count.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent
from cases.models.reporter import phone_index
from cases.models.states import TOWN_VISIBLE_STATES, State
from cases.phones import normalize_phone
from cases.receipts import parse_receipt, password_matches, receipt_index
from config.errors import NotFound
from directory.access import BUREAU_CASE_ROLES, access_for
from directory.models import Role


def cases_visible_to(user: Any) -> QuerySet[Case]:
    access = access_for(user)
    cases = Case.objects.all()
    if access.has_bureau_role(*BUREAU_CASE_ROLES):
        return cases
    scope = Q(pk__in=[])
    if access.has_bureau_role(Role.INTAKE):
        scope |= Q(state=State.RECEIVED) | Q(entered_by=access.user_id)
    if access.town_ids:
        scope |= Q(town__in=access.town_ids, state__in=TOWN_VISIBLE_STATES)
    return cases.filter(scope)


def case_list(user: Any) -> QuerySet[Case]:
    return cases_visible_to(user).select_related("town", "enterprise", "suggested_town")


def case_get(user: Any, reference: str, *, for_update: bool = False) -> Case:
    cases = cases_visible_to(user).select_related("town", "enterprise", "suggested_town", "reporter", "merged_into")
    if for_update:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(reference=reference).first()
    if case is None:
        raise NotFound(_("No case with this reference is visible to you."))
    return case


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("id")


def case_public_timeline(case: Case) -> QuerySet[CaseEvent]:
    """What the reporter sees with their receipt: public notes, questions, their own follow-ups."""
    return case.events.filter(public=True).order_by("id")


def case_for_receipt(receipt: str, password: str | None = None) -> Case | None:
    """The reporter's own case, by receipt (and password where one was set).

    Returns None for a wrong receipt and a wrong password alike, so callers cannot tell which.
    ``password=None`` is for channels that prove the reporter otherwise (SMS from the same number,
    the IVR): it still needs the exact receipt.
    """
    digits = parse_receipt(receipt)
    if digits is None:
        return None
    case = Case.objects.select_related("reporter", "town").filter(receipt_index=receipt_index(digits)).first()
    if case is None:
        return None
    if password is not None and not password_matches(password, case.receipt_password):
        return None
    return case


def case_for_receipt_and_phone(receipt: str, phone: str) -> Case | None:
    """The reporter's own case by receipt and the phone number the report came from.

    For SMS and voice reporters, who never set a receipt password. A case that has a password
    still needs it: the phone number (often known to colleagues) must not weaken it. None for a
    wrong receipt, a wrong or malformed number and a password-protected case alike.
    """
    case = case_for_receipt(receipt)
    if case is None or case.receipt_password or not case.reporter.phone_index:
        return None
    try:
        number = normalize_phone(phone)
    except ValidationError:
        return None
    if not hmac.compare_digest(case.reporter.phone_index, phone_index(number)):
        return None
    return case
