"""Who may move a reward where, through the staff API: every action against every persona."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from rewards.models import EntryKind, LedgerEntry, Reward, RewardState
from tests.conftest import PERSONAS
from tests.rewards import flows

# The state an action starts from, how to get a reward there, and the request body.
SETUP: dict[str, tuple[str, Callable[..., Any], Callable[[], dict[str, Any]]]] = {
    "approve": ("proposed", lambda r, rep, users: r, dict),
    "reject": ("proposed", lambda r, rep, users: r, lambda: {"reason": "举报人为企业安全员"}),
    "offer": ("approved", lambda r, rep, users: flows.approved(r, users), dict),
    "pay": (
        "claimed",
        lambda r, rep, users: flows.claimed(r, rep.receipt, users),
        lambda: {
            "method": "bank_transfer",
            "reference": "TX-9",
            "paid_on": timezone.localdate().isoformat(),
            "idempotency_key": uuid.uuid4().hex,
        },
    ),
    "reverse": ("paid", lambda r, rep, users: flows.paid(r, rep.receipt, users), lambda: {"reason": "举报不实"}),
    "withdraw": ("offered", lambda r, rep, users: flows.offered(r, users), lambda: {"reason": "举报人为本局工作人员"}),
}
ALLOWED = {
    "approve": {"reward_approver"},
    "reject": {"reward_approver"},
    "offer": {"reward_approver", "bureau_supervisor"},
    "pay": {"finance"},
    "reverse": {"finance", "reward_approver"},
    "withdraw": {"reward_approver"},
}
TARGET = {
    "approve": "approved",
    "reject": "rejected",
    "offer": "offered",
    "pay": "paid",
    "reverse": "reversed",
    "withdraw": "rejected",
}
READERS = {"reward_approver", "finance", "bureau_supervisor", "dispatcher", "administrator"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(SETUP))
def test_each_role_may_do_only_its_own_reward_actions(
    action: str, persona: str, report: Any, users: Any, api_as: Any
) -> None:
    rep = report()
    source, bring, body = SETUP[action]
    reward = bring(rep.reward, rep, users)
    assert flows.fresh(reward).state == source

    response = api_as(persona).post(f"/api/v1/rewards/{reward.pk}/{action}/", body(), format="json")

    if persona in ALLOWED[action]:
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == TARGET[action]
    else:
        assert response.status_code == (403 if persona in READERS else 404), response.json()
        assert flows.fresh(reward).state == source


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    # The case itself is invisible to approvers, finance and the administrator (404, as for any case
    # they may not see); the town sees its closed case but may not propose (403).
    [
        ("dispatcher", 201),
        ("bureau_supervisor", 201),
        ("reward_approver", 404),
        ("finance", 404),
        ("administrator", 404),
        ("town_supervisor", 403),
        ("officer", 403),
        ("intake", 404),
        ("outsider", 404),
    ],
)
def test_only_the_bureau_proposes_by_hand(persona: str, status: int, report: Any, api_as: Any) -> None:
    rep = report(substantiated=True, hazard_level="ordinary")
    response = api_as(persona).post(
        "/api/v1/rewards/propose/",
        {"case": rep.case.reference, "amount": "800", "reason": "线索特别详实"},
        format="json",
    )
    assert response.status_code == status, response.json()
    expected = "800.00" if status == 201 else "500.00"
    assert str(rep.reward.amount) == expected


@pytest.mark.django_db
def test_nothing_moves_out_of_turn(report: Any, users: Any, api_as: Any) -> None:
    rep = report()
    reward = rep.reward
    finance = api_as("finance")
    response = finance.post(f"/api/v1/rewards/{reward.pk}/pay/", SETUP["pay"][2](), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    assert not LedgerEntry.objects.filter(reward=reward).exists()
    flows.approved(reward, users)
    response = api_as("reward_approver").post(f"/api/v1/rewards/{reward.pk}/reject/", {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert flows.fresh(reward).state == RewardState.APPROVED
    assert LedgerEntry.objects.filter(reward=reward, kind=EntryKind.ACCRUAL).count() == 1


@pytest.mark.django_db
def test_staff_see_reporter_details_only_masked_in_the_list(report: Any, users: Any, api_as: Any) -> None:
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    listing = api_as("reward_approver").get("/api/v1/rewards/", {"state": "claimed"}).json()
    [row] = listing["results"]
    assert row["claim"]["name"] == "张*"
    assert "*" in row["claim"]["id_number"] and "*" in row["claim"]["account"]
    assert Reward.objects.count() == 1
