"""One registry of case actions: the API, the admin, the case page and the desk offer the same moves.

For every persona and every state a case can be in, the moves listed by the API's
``allowed_actions``, the buttons on the case page and the buttons on the admin's change page
are the same set, and the triage desk offers exactly those of them it handles; each move,
given the same input through any of them, leaves the case in the same state with the same
audit event. So a transition cannot be offered or run by one interface and forgotten by another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases import actions, services
from cases.models import Case, CaseEvent, EventKind, State
from tests.conftest import PERSONAS
from tests.factories import CaseFactory, ReporterFactory
from tests.pages.conftest import messages_of, verified_client

pytestmark = pytest.mark.django_db

PAGE_BUTTON = re.compile(r'data-transition="(\w+)"')
ADMIN_BUTTON = re.compile(r'name="action" value="transition_(\w+)"')
DESK_DECISIONS = re.compile(r'<select name="action"[^>]*>(.*?)</select>', re.DOTALL)
DESK_FORM = re.compile(r'<form method="post" action="/desk/\w+/(merge|assign)/"')
OPTION = re.compile(r'<option value="(\w+)"')

# The moves the triage desk makes: a decision on a received case, a merge, an assignment.
DESK_MOVES = {"accept", "reject", "refer", "merge", "assign"}


def desk_moves(page: str) -> set[str]:
    """The moves the desk's case page offers: the decisions in its select, its merge and assign forms."""
    decisions = {value for select in DESK_DECISIONS.findall(page) for value in OPTION.findall(select)}
    return decisions | set(DESK_FORM.findall(page))


def transitions() -> list[Any]:
    return list(Case._meta.get_field("state").get_all_transitions(Case))  # type: ignore[union-attr]


def with_findings(case: Case, users: dict[str, Any]) -> Case:
    return services.case_findings_record(case=case, by=users["officer"], substantiated=False)


@pytest.fixture
def clients(users: dict[str, Any]) -> dict[str, tuple[Client, Client]]:
    """persona → (a staff client past the second factor for the page and the API, an admin client)."""
    made = {}
    for persona in PERSONAS:
        user = users[persona]
        user.is_staff = True
        user.save()
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="cases"))
        admin = Client()
        admin.force_login(user)
        made[persona] = (verified_client(user), admin)
    return made


def test_the_registry_holds_every_transition_of_the_model_once() -> None:
    names = [action.name for action in actions.ACTIONS]
    assert sorted(names) == sorted({t.name for t in transitions()})


# (state, what else is on record): submit differs with and without findings
SITUATIONS: list[tuple[str, Callable[[Case, dict[str, Any]], Case] | None]] = [
    *[(state, None) for state in State],
    (State.INVESTIGATING, with_findings),
]


@pytest.mark.parametrize(("state", "prepare"), SITUATIONS, ids=lambda v: getattr(v, "__name__", v))
def test_the_api_the_admin_and_the_case_page_offer_the_same_moves(
    state: str,
    prepare: Callable[[Case, dict[str, Any]], Case] | None,
    case_in: Callable[[str], Case],
    users: dict[str, Any],
    clients: dict[str, tuple[Client, Client]],
) -> None:
    case = case_in(state)
    if prepare is not None:
        case = prepare(case, users)
    CaseFactory(reporter=ReporterFactory(phone=case.reporter.phone))  # a duplicate the desk suggests merging into

    offered_to_anyone: set[str] = set()
    offered_at_the_desk: set[str] = set()
    for persona in PERSONAS:
        staff, admin = clients[persona]
        api = staff.get(f"/api/v1/cases/{case.reference}/")
        page = staff.get(reverse("case", args=[case.reference]))
        change = admin.get(reverse("admin:cases_case_change", args=[case.pk]))
        desk = staff.get(reverse("desk-case", args=[case.reference]))
        seen = {
            "api": set(api.json()["allowed_actions"]) if api.status_code == 200 else set(),
            "page": set(PAGE_BUTTON.findall(page.content.decode())) if page.status_code == 200 else set(),
            "admin": set(ADMIN_BUTTON.findall(change.content.decode())) if change.status_code == 200 else set(),
            "desk": desk_moves(desk.content.decode()) if desk.status_code == 200 else set(),
        }
        assert seen["api"] == seen["page"] == seen["admin"], (persona, seen)
        if desk.status_code == 200:
            assert seen["desk"] == seen["api"] & DESK_MOVES, (persona, seen)
        else:
            assert desk.status_code in (403, 404), persona  # not a desk role, or a case this role may not see
        offered_to_anyone |= seen["api"]
        offered_at_the_desk |= seen["desk"]

    # Somebody is offered each move out of this state, unless it waits for findings; the desk's at the desk.
    waiting_for_findings = {"submit"} if state == State.INVESTIGATING and prepare is None else set()
    out_of_this_state = {t.name for t in transitions() if t.source == state}
    assert offered_to_anyone == out_of_this_state - waiting_for_findings
    assert offered_at_the_desk == out_of_this_state & DESK_MOVES


# move → (state it starts from, who makes it, its input); "{survivor}" and "{town}" are filled in
MOVES: dict[str, tuple[str, str, dict[str, str]]] = {
    "accept": (State.RECEIVED, "dispatcher", {"reason": "属实"}),
    "reject": (State.RECEIVED, "dispatcher", {"reason": "不属于安全生产范围"}),
    "refer": (State.RECEIVED, "dispatcher", {"agency": "市场监管局", "reason": "食品安全"}),
    "merge": (State.RECEIVED, "bureau_supervisor", {"into": "{survivor}", "reason": "重复举报"}),
    "assign": (State.ACCEPTED, "dispatcher", {"town": "{town}"}),
    "return_to_bureau": (State.ASSIGNED, "officer", {"reason": "不在本镇辖区"}),
    "start": (State.ASSIGNED, "officer", {}),
    "submit": (State.INVESTIGATING, "town_supervisor", {}),
    "return_to_officer": (State.IN_REVIEW, "town_supervisor", {"reason": "证据不足"}),
    "close": (State.IN_REVIEW, "bureau_supervisor", {"result_for_reporter": "已责令整改"}),
    "reopen": (State.CLOSED, "bureau_supervisor", {"reason": "举报人申请复查"}),
}


def desk_url(name: str, case: Case) -> str:
    """Where the desk posts a move: merge and assign have their own forms, the rest is a decision."""
    return reverse(f"desk-{name}" if name in {"merge", "assign"} else "desk-decide", args=[case.reference])


def test_the_moves_table_lists_every_registered_move() -> None:
    assert set(MOVES) == {action.name for action in actions.ACTIONS}


@pytest.mark.parametrize("name", sorted(MOVES))
def test_a_move_made_through_each_interface_leaves_the_same_case_and_event(
    name: str,
    case_in: Callable[[str], Case],
    users: dict[str, Any],
    town_a: Any,
    clients: dict[str, tuple[Client, Client]],
) -> None:
    state, persona, template = MOVES[name]
    staff, admin = clients[persona]
    slug = next(action.slug for action in actions.ACTIONS if action.name == name)

    def made_through(post: Callable[[Case, dict[str, str]], Any]) -> tuple[Any, ...]:
        case = case_in(state)
        if name == "submit":
            with_findings(case, users)
        fill = {"survivor": CaseFactory().reference, "town": str(town_a.pk)}
        post(case, {field: value.format(**fill) for field, value in template.items()})
        event = CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).latest("id")
        return (Case.objects.get(pk=case.pk).state, event.name, event.from_state, event.actor, event.reason)

    through_api = made_through(lambda case, given: staff.post(f"/api/v1/cases/{case.reference}/{slug}/", given))
    through_page = made_through(
        lambda case, given: staff.post(reverse("case-transition", args=[case.reference]), {"name": name, **given})
    )
    through_admin = made_through(
        lambda case, given: admin.post(
            reverse("admin:cases_case_changelist"),
            {"action": f"transition_{name}", "_selected_action": [case.pk], "index": 0, "apply": "1", **given},
        )
    )

    target = next(t.target for t in transitions() if t.name == name)
    assert through_api == through_page == through_admin
    if name in DESK_MOVES:
        assert (
            made_through(lambda case, given: staff.post(desk_url(name, case), {"action": name, **given})) == through_api
        )
    assert through_api[:4] == (target, name, state, users[persona])


# desk move → (an input its registered input refuses, the field it names)
REFUSED: dict[str, tuple[dict[str, str], str]] = {
    "accept": ({"reason": "长" * 2001}, "reason"),
    "reject": ({"reason": "  "}, "reason"),
    "refer": ({"reason": "食品安全"}, "agency"),
    "merge": ({"into": ""}, "into"),
    "assign": ({"town": "999999"}, "town"),
}


def test_the_refused_table_lists_every_desk_move() -> None:
    assert set(REFUSED) == DESK_MOVES


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_desk_refuses_what_the_api_refuses_naming_the_same_field(
    name: str, case_in: Callable[[str], Case], clients: dict[str, tuple[Client, Client]]
) -> None:
    state, persona, _ = MOVES[name]
    given, field = REFUSED[name]
    staff, _ = clients[persona]
    action = next(action for action in actions.ACTIONS if action.name == name)
    case = case_in(state)

    api = staff.post(f"/api/v1/cases/{case.reference}/{action.slug}/", given)
    desk = staff.post(desk_url(name, case), {"action": name, **given}, follow=True)

    assert api.status_code == 400 and field in api.json()["error"]["fields"]
    with translation.override("zh-hans"):  # the page's language
        label = str(action.form().fields[field].label)
    assert any(text.startswith(f"{label}: ") for text in messages_of(desk)), messages_of(desk)
    assert Case.objects.get(pk=case.pk).state == state
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION, name=name).exists()
