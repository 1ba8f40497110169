"""One registry of case actions: the API, the admin and the case page offer the same moves.

For every persona and every state a case can be in, the moves listed by the API's
``allowed_actions``, the buttons on the case page and the buttons on the admin's change page
are the same set — so a transition cannot be offered by one interface and forgotten by another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cases import actions, services
from cases.models import Case, State
from tests.conftest import PERSONAS
from tests.pages.conftest import verified_client

pytestmark = pytest.mark.django_db

PAGE_BUTTON = re.compile(r'data-transition="(\w+)"')
ADMIN_BUTTON = re.compile(r'name="action" value="transition_(\w+)"')


def with_findings(case: Case, users: dict[str, Any]) -> Case:
    return services.case_findings_record(case=case, by=users["officer"], substantiated=False)


# (state, what else is on record): submit and close differ with and without findings
SITUATIONS: list[tuple[str, Callable[[Case, dict[str, Any]], Case] | None]] = [
    *[(state, None) for state in State],
    (State.INVESTIGATING, with_findings),
]


@pytest.fixture
def surfaces(users: dict[str, Any]) -> Callable[[str, Case], dict[str, set[str]]]:
    """``surfaces("officer", case)`` → the moves each interface offers that persona on that case."""
    clients = {}
    for persona in PERSONAS:
        user = users[persona]
        user.is_staff = True
        user.save()
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="cases"))
        admin = Client()
        admin.force_login(user)
        clients[persona] = (verified_client(user), admin)

    def offered(persona: str, case: Case) -> dict[str, set[str]]:
        page, admin = clients[persona]
        api = page.get(f"/api/v1/cases/{case.reference}/")
        case_page = page.get(reverse("case", args=[case.reference]))
        change_page = admin.get(reverse("admin:cases_case_change", args=[case.pk]))
        return {
            "api": set(api.json()["allowed_actions"]) if api.status_code == 200 else set(),
            "page": set(PAGE_BUTTON.findall(case_page.content.decode())) if case_page.status_code == 200 else set(),
            "admin": set(ADMIN_BUTTON.findall(change_page.content.decode()))
            if change_page.status_code == 200
            else set(),
        }

    return offered


def transitions() -> list[Any]:
    return list(Case._meta.get_field("state").get_all_transitions(Case))  # type: ignore[union-attr]


def test_the_registry_holds_every_transition_of_the_model_once() -> None:
    names = [action.name for action in actions.ACTIONS]
    assert sorted(names) == sorted({t.name for t in transitions()})


@pytest.mark.parametrize(("state", "prepare"), SITUATIONS, ids=lambda v: getattr(v, "__name__", v))
def test_the_api_the_admin_and_the_case_page_offer_the_same_moves(
    state: str,
    prepare: Callable[[Case, dict[str, Any]], Case] | None,
    case_in: Callable[[str], Case],
    users: dict[str, Any],
    surfaces: Callable[[str, Case], dict[str, set[str]]],
) -> None:
    case = case_in(state)
    if prepare is not None:
        case = prepare(case, users)
    out_of_state = {t.name for t in transitions() if t.source == state}

    offered_to_anyone: set[str] = set()
    for persona in PERSONAS:
        seen = surfaces(persona, case)
        assert seen["api"] == seen["page"] == seen["admin"], (persona, seen)
        offered_to_anyone |= seen["api"]

    # Somebody is offered each move out of this state, unless it waits for findings.
    waiting_for_findings = {"submit"} if state == State.INVESTIGATING and prepare is None else set()
    assert offered_to_anyone == out_of_state - waiting_for_findings
