"""Who may make which transition, and what must hold first. Used by the model's transitions.

Permissions take ``(case, user)``; conditions take the case and carry a ``field`` and a
``message`` so a refusal can say what is missing. The case is typed ``Any`` because django-fsm
types these callables for any model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from cases.models.states import OPEN_STATES
from directory.access import BUREAU_CASE_ROLES, access_for
from directory.models import Role

Condition = Callable[[Any], bool]


def may_dispatch(case: Any, user: Any) -> bool:
    return access_for(user).has_bureau_role(*BUREAU_CASE_ROLES)


def may_work_in_town(case: Any, user: Any) -> bool:
    return access_for(user).has_town_role(case.town_id, Role.TOWN_OFFICER, Role.TOWN_SUPERVISOR)


def may_supervise_town(case: Any, user: Any) -> bool:
    access = access_for(user)
    return access.has_town_role(case.town_id, Role.TOWN_SUPERVISOR) or access.has_bureau_role(Role.BUREAU_SUPERVISOR)


def may_supervise_bureau(case: Any, user: Any) -> bool:
    return access_for(user).has_bureau_role(Role.BUREAU_SUPERVISOR)


def may_extend(case: Any, user: Any) -> bool:
    """Extensions are approved by the bureau (DESIGN: lifecycle), within the configured limit."""
    return access_for(user).has_bureau_role(Role.BUREAU_SUPERVISOR)


def may_record_findings(case: Any, user: Any) -> bool:
    return may_work_in_town(case, user)


def _condition(field: str, message: StrOrPromise) -> Callable[[Condition], Condition]:
    def decorate(check: Condition) -> Condition:
        check.field = field  # type: ignore[attr-defined]
        check.message = message  # type: ignore[attr-defined]
        return check

    return decorate


@_condition(
    "findings", _("Record the findings first: whether the report is substantiated and, if so, the hazard level.")
)
def findings_recorded(case: Any) -> bool:
    if case.substantiated is None:
        return False
    return not case.substantiated or bool(case.hazard_level)


@_condition("town", _("Choose the town the case goes to."))
def town_chosen(case: Any) -> bool:
    return case.town_id is not None


@_condition("merged_into", _("A case can only be merged into another case that is still open."))
def survivor_is_open(case: Any) -> bool:
    survivor = case.merged_into
    return survivor is not None and survivor.pk != case.pk and survivor.state in OPEN_STATES


@_condition("referred_to", _("Name the agency the case is referred to."))
def referral_agency_named(case: Any) -> bool:
    return bool(case.referred_to.strip())
