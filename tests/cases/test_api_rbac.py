"""The access matrix: every case action and read, as every persona, against a case of town A.

A persona that cannot see the case gets 404 (the same answer as for a case that does not exist);
one that sees it but may not act gets 403; one that may act gets 200/201.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent, State
from tests.conftest import PERSONAS
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

BUREAU_CASES = {"dispatcher", "bureau_supervisor"}
TOWN_A = {"officer", "town_supervisor"}
TOWN_STATES = {State.ASSIGNED, State.INVESTIGATING, State.IN_REVIEW, State.CLOSED}


def sees(persona: str, state: str) -> bool:
    if persona in BUREAU_CASES:
        return True
    if persona == "intake":
        return state == State.RECEIVED
    if persona in TOWN_A:
        return state in TOWN_STATES
    return False


# action slug -> (state the case is in, body, personas allowed, success status)
ACTIONS: dict[str, tuple[str, Callable[[Any], dict[str, Any]], set[str], int]] = {
    "accept": (State.RECEIVED, lambda ctx: {}, BUREAU_CASES, 200),
    "reject": (State.RECEIVED, lambda ctx: {"reason": "不属于安全生产范围"}, BUREAU_CASES, 200),
    "refer": (State.RECEIVED, lambda ctx: {"agency": "市场监管局", "reason": "食品安全"}, BUREAU_CASES, 200),
    "merge": (State.RECEIVED, lambda ctx: {"into": CaseFactory().reference}, BUREAU_CASES, 200),
    "assign": (State.ACCEPTED, lambda ctx: {"town": ctx["town_a"].pk}, BUREAU_CASES, 200),
    "return-to-bureau": (State.ASSIGNED, lambda ctx: {"reason": "不在本镇辖区"}, TOWN_A, 200),
    "start": (State.ASSIGNED, lambda ctx: {}, TOWN_A, 200),
    "submit": (State.INVESTIGATING, lambda ctx: {}, TOWN_A, 200),
    "return-to-officer": (
        State.IN_REVIEW,
        lambda ctx: {"reason": "证据不足"},
        {"town_supervisor", "bureau_supervisor"},
        200,
    ),
    "close": (
        State.IN_REVIEW,
        lambda ctx: {"result_for_reporter": "已责令整改"},
        {"town_supervisor", "bureau_supervisor"},
        200,
    ),
    "reopen": (State.CLOSED, lambda ctx: {"reason": "举报人申请复查"}, {"bureau_supervisor"}, 200),
    "extend": (State.INVESTIGATING, lambda ctx: {"workdays": 10, "reason": "需检测报告"}, {"bureau_supervisor"}, 200),
    "findings": (
        State.INVESTIGATING,
        lambda ctx: {"substantiated": True, "hazard_level": "major", "fine_amount": "48000.00"},
        TOWN_A,
        200,
    ),
    "notes": (State.INVESTIGATING, lambda ctx: {"text": "已电话联系企业"}, TOWN_A | BUREAU_CASES, 201),
    "questions": (State.INVESTIGATING, lambda ctx: {"text": "请问堵塞的是哪个出口？"}, TOWN_A | BUREAU_CASES, 201),
    "reveal": (State.ASSIGNED, lambda ctx: {"reason": "核实举报人身份"}, {"town_supervisor", *BUREAU_CASES}, 200),
}


def expected_status(action: str, persona: str) -> int:
    state, _, allowed, success = ACTIONS[action]
    if not sees(persona, state):
        return 404
    return success if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_as_each_persona(
    action: str,
    persona: str,
    api_as: Callable[[str | None], APIClient],
    case_in: Callable[[str], Case],
    town_a: Any,
    users: dict[str, Any],
) -> None:
    state, body, _, _ = ACTIONS[action]
    case = case_in(state)
    if action == "submit":  # submitting needs findings on record
        services.case_findings_record(case=case, by=users["officer"], substantiated=False)
    events_before = CaseEvent.objects.filter(case=case).count()

    response = api_as(persona).post(
        f"/api/v1/cases/{case.reference}/{action}/", body({"town_a": town_a}), format="json"
    )

    assert response.status_code == expected_status(action, persona), response.content
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert CaseEvent.objects.filter(case=case).count() == events_before  # a refusal changes nothing


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("state", [State.RECEIVED, State.ACCEPTED, State.INVESTIGATING, State.CLOSED])
def test_reads_show_a_case_only_to_who_may_see_it(
    state: str,
    persona: str,
    api_as: Callable[[str | None], APIClient],
    case_in: Callable[[str], Case],
) -> None:
    case = case_in(state)
    client = api_as(persona)

    detail = client.get(f"/api/v1/cases/{case.reference}/")
    listed = client.get("/api/v1/cases/", {"q": case.reference})

    if sees(persona, state):
        assert detail.status_code == 200
        assert [row["reference"] for row in listed.json()["results"]] == [case.reference]
    else:
        assert detail.status_code == 404
        assert detail.json()["error"]["message"] == client.get("/api/v1/cases/HXNOSUCH00/").json()["error"]["message"]
        if listed.status_code == 200:
            assert listed.json()["count"] == 0
        else:
            assert listed.status_code == 403


def test_anonymous_callers_get_401_everywhere(api_as: Callable[[str | None], APIClient], case_in: Any) -> None:
    case = case_in(State.RECEIVED)
    client = api_as(None)
    for url in ["/api/v1/cases/", f"/api/v1/cases/{case.reference}/", "/api/v1/towns/", "/api/v1/enterprises/"]:
        assert client.get(url).status_code == 401
    assert client.post(f"/api/v1/cases/{case.reference}/accept/").status_code == 401
