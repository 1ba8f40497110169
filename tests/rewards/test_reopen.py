"""A case closed substantiated, reopened on a review request and closed again: its reward follows
the new findings without editing the ledger, and a paid reward is flagged, never changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from cases import services as cases_services
from cases.models import Case
from config.errors import Conflict
from rewards import services
from rewards.models import EntryKind, LedgerEntry, Reward, RewardState
from rewards.selectors import ledger_totals
from tests.rewards import flows


@pytest.fixture
def reclose(users: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """``reclose(case, substantiated=…, **findings)``: reopen, record new findings, close again."""

    def run(case: Case, *, substantiated: bool = True, **findings: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            cases_services.case_reopen(case=case, by=users["bureau_supervisor"], reason="举报人申请复核")
            close_with(case, users, substantiated=substantiated, **findings)

    return run


def close_with(case: Case, users: Any, *, substantiated: bool, **findings: Any) -> None:
    case = cases_services.case_findings_record(
        case=Case.objects.get(pk=case.pk),
        by=users["officer"],
        substantiated=substantiated,
        hazard_level=findings.pop("hazard_level", "ordinary") if substantiated else "",
        **findings,
    )
    cases_services.case_submit(case=Case.objects.get(pk=case.pk), by=users["officer"])
    cases_services.case_close(case=Case.objects.get(pk=case.pk), by=users["town_supervisor"])


def rewards_of(case: Case) -> list[tuple[str, Decimal]]:
    return [(r.state, r.amount) for r in Reward.objects.filter(case=case).order_by("id")]


@pytest.mark.django_db
def test_an_offered_reward_is_withdrawn_and_the_new_amount_proposed(report: Any, users: Any, reclose: Any) -> None:
    rep = report()
    old = flows.offered(rep.reward, users)
    reclose(rep.case, hazard_level="major", fine_amount=Decimal("48000"))
    assert rewards_of(rep.case) == [(RewardState.REJECTED, Decimal("500")), (RewardState.PROPOSED, Decimal("7200"))]
    old = Reward.objects.get(pk=old.pk)
    assert "按新的查处结果，奖励标准为 ¥7,200" in old.decision_reason  # recorded in the bureau's language
    entries = list(LedgerEntry.objects.filter(reward=old).values_list("kind", "amount"))
    assert entries == [(EntryKind.ACCRUAL, Decimal("500")), (EntryKind.RELEASE, Decimal("-500"))]
    assert ledger_totals()["used"] == 0
    new = Reward.objects.get(case=rep.case, state=RewardState.PROPOSED)
    assert new.working == "15 % × 罚款 ¥48,000 = ¥7,200"


@pytest.mark.django_db
def test_closed_again_as_not_substantiated_withdraws_a_proposal_and_proposes_nothing(
    report: Any, users: Any, reclose: Any
) -> None:
    rep = report()
    reclose(rep.case, substantiated=False)
    assert rewards_of(rep.case) == [(RewardState.REJECTED, Decimal("500"))]
    assert not LedgerEntry.objects.exists()  # nothing was approved, so nothing to release


@pytest.mark.django_db
def test_the_same_findings_leave_the_reward_as_it_was(report: Any, users: Any, reclose: Any) -> None:
    rep = report()
    flows.approved(rep.reward, users)
    reclose(rep.case)
    assert rewards_of(rep.case) == [(RewardState.APPROVED, Decimal("500"))]
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_paid_reward_is_flagged_not_changed(report: Any, users: Any, reclose: Any, api_as: Any) -> None:
    rep = report()
    flows.paid(rep.reward, rep.receipt, users)
    reclose(rep.case, hazard_level="major", fine_amount=Decimal("48000"))
    assert rewards_of(rep.case) == [(RewardState.PAID, Decimal("500"))]
    assert Reward.objects.get(pk=rep.reward.pk).flags == [{"rule": "findings_changed", "was": "¥500", "now": "¥7,200"}]
    assert list(LedgerEntry.objects.values_list("kind", flat=True)) == [EntryKind.ACCRUAL, EntryKind.PAYOUT]
    body = api_as("finance").get(f"/api/v1/rewards/{rep.reward.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "new findings give ¥7,200 instead of ¥500" in body["flags"][0]["text"]
    with translation.override("en"), pytest.raises(Conflict, match="reverse the payout instead"):
        services.reward_withdraw(reward=rep.reward, by=users["reward_approver"], reason="复核后金额变化")


@pytest.mark.django_db
def test_while_the_case_is_reopened_its_reward_is_not_approved_offered_or_paid(report: Any, users: Any) -> None:
    proposed = report(category="electrical")
    approved = report(category="machinery")
    flows.approved(approved.reward, users)
    claimed = report(category="height_work")
    flows.claimed(claimed.reward, claimed.receipt, users)
    for rep in (proposed, approved, claimed):
        cases_services.case_reopen(case=rep.case, by=users["bureau_supervisor"], reason="举报人申请复核")
    with translation.override("en"), pytest.raises(Conflict, match="waits until the case is closed again"):
        services.reward_approve(reward=proposed.reward, by=users["reward_approver"])
    with translation.override("en"), pytest.raises(Conflict, match="waits until the case is closed again"):
        services.reward_offer(reward=approved.reward, by=users["reward_approver"])
    with translation.override("en"), pytest.raises(Conflict, match="waits until the case is closed again"):
        services.reward_pay(
            reward=claimed.reward,
            by=users["finance"],
            method="bank_transfer",
            reference="TX-9",
            paid_on=timezone.localdate(),
            idempotency_key="reopened-1",
        )
    assert Reward.objects.get(pk=claimed.reward.pk).state == RewardState.CLAIMED
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).exists()
