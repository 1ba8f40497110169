"""Proposals: automatic when a case closes substantiated, or by the bureau with a reason.

The automatic proposal runs after the case's commit (``rewards.handlers``), so it must be safe to
run twice and to run late: it locks the case, does nothing when the case already has a reward, and
``rewards_propose_missing`` catches up any closed, substantiated case that was missed.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.models import Case, CaseReporter, Reporter, State
from config.errors import ApplicationError, Conflict, Forbidden
from rewards import eligibility, rules
from rewards.calculation import Calculation, Findings, awarded_this_month, calculate, policy_in_force
from rewards.models import JointSplit, Reward, RewardPolicy, RewardState
from rewards.money import ZERO, format_yuan, split
from rewards.services.decisions import reward_withdraw
from rewards.services.flags import reward_flag
from rewards.services.transitions import reward_event

logger = logging.getLogger(__name__)


def eligible_reporters(case: Case, policy: RewardPolicy) -> list[Reporter]:
    """The first accepted reporter of the matter, then joint reporters if the policy shares.

    A merged duplicate was never accepted (only received cases merge), so the surviving case's own
    reporter is the first accepted one whichever case came in first; reporters linked by a merge
    earn nothing."""
    if case.merged_into_id is not None:
        return []
    reporters = [case.reporter]
    if policy.joint_split == JointSplit.EQUAL:
        joint = (
            CaseReporter.objects.filter(case=case, relation=CaseReporter.Relation.JOINT)
            .select_related("reporter")
            .order_by("id")
        )
        reporters += [link.reporter for link in joint if link.reporter_id != case.reporter_id]
    return reporters


def reward_calculate(*, case: Case) -> tuple[RewardPolicy, Calculation]:
    """The policy's answer for the case as it stands (a read: nothing is stored)."""
    if case.accepted_at is None:
        raise Conflict(_("The case has not been accepted, so no policy applies to it yet."), code="case_not_eligible")
    policy = policy_in_force(case.accepted_at)
    return policy, _calculation(case, policy)


def _calculation(case: Case, policy: RewardPolicy) -> Calculation:
    return calculate(
        Findings.of(case), policy, awarded_this_month=awarded_this_month(reporter=case.reporter, case=case)
    )


def _create_rewards(
    case: Case, policy: RewardPolicy, calculation: Calculation, amount: Decimal, *, by: Any, reason: str, working: str
) -> list[Reward]:
    reporters = eligible_reporters(case, policy)
    shares = split(amount, len(reporters))
    rewards = []
    for reporter, share in zip(reporters, shares, strict=True):
        flags = eligibility.flags_for(case, reporter)
        share_label = f"1/{len(reporters)}"
        share_working = (
            working
            if len(reporters) == 1
            else _("%(working)s; shared by %(count)s joint reporters: %(share)s")
            % {"working": working, "count": len(reporters), "share": format_yuan(share)}
        )
        reward = Reward.objects.create(
            case=case,
            reporter=reporter,
            town=case.town,
            category=case.category,
            policy=policy,
            basis=calculation.basis,
            calculated_amount=calculation.amount,
            amount=share,
            working=share_working,
            share=share_label,
            proposed_by=by,
            proposal_reason=reason,
            # The threshold is about the size of the decision: the case's total, not each share.
            needs_second_approval=amount > policy.second_approval_above,
            flags=flags,
        )
        reward_event(
            reward,
            "proposed",
            actor=by,
            reason=reason,
            working=share_working,
            policy=policy.version,
            flags=[flag["rule"] for flag in flags],
        )
        rewards.append(reward)
    return rewards


def reward_propose_for_case(*, case: Case) -> list[Reward]:
    """The system's proposal for a closed, substantiated case; nothing if it earns nothing. A case
    that already has rewards was closed before: see ``_reconcile``."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("reporter", "enterprise").get(pk=case.pk)
        if case.state != State.CLOSED or case.merged_into_id is not None:
            return []
        existing = list(Reward.objects.select_for_update().filter(case=case).order_by("id"))
        if existing:
            return _reconcile(case, existing)
        if not case.substantiated:
            return []
        policy = policy_in_force(case.accepted_at)
        calculation = _calculation(case, policy)
        if calculation.amount <= ZERO:
            logger.info("Case %s earns no reward: %s", case.pk, calculation.basis)
            return []
        try:
            with transaction.atomic():
                return _create_rewards(
                    case, policy, calculation, calculation.amount, by=None, reason="", working=calculation.working
                )
        except IntegrityError:  # proposed at the same moment by another process
            return []


PENDING = (RewardState.PROPOSED, RewardState.APPROVED, RewardState.OFFERED, RewardState.CLAIMED)


def _reconcile(case: Case, existing: list[Reward]) -> list[Reward]:
    """A reopened case closed again. If its findings now give another amount (or none), rewards not
    yet paid are withdrawn (a release entry gives back what approval committed) and the new amount
    is proposed afresh; a paid reward is never changed, only flagged for the approver and finance.
    Rewards rejected, expired or reversed before stay as they are, and so does a case whose
    findings give what they gave before (this also makes a repeated close event harmless)."""
    current = [reward for reward in existing if reward.state in (*PENDING, RewardState.PAID)]
    if not current:
        return []
    policy = current[0].policy
    calculation = _calculation(case, policy) if case.substantiated else None
    amount = calculation.amount if calculation else ZERO
    if calculation and (calculation.basis, amount) == (current[0].basis, current[0].calculated_amount):
        return []
    reason = _("The case was reopened and closed again; by its new findings the policy gives %(amount)s.") % {
        "amount": format_yuan(amount)
    }
    paid = [reward for reward in current if reward.state == RewardState.PAID]
    for reward in current:
        if reward.state == RewardState.PAID:
            was, now = format_yuan(reward.calculated_amount), format_yuan(amount)
            reward_flag(reward=reward, flags=[{"rule": eligibility.FINDINGS_CHANGED, "was": was, "now": now}])
        else:
            reward_withdraw(reward=reward, by=None, reason=reason)
    if paid or calculation is None or amount <= ZERO:
        return []
    return _create_rewards(case, policy, calculation, amount, by=None, reason="", working=calculation.working)


def rewards_propose_missing() -> int:
    """Catch up closed, substantiated cases without a reward (a handler that failed or never ran)."""
    missing = Case.objects.filter(
        state=State.CLOSED, substantiated=True, merged_into__isnull=True, rewards__isnull=True
    ).values_list("pk", flat=True)
    proposed = 0
    for case_pk in list(missing):
        try:
            proposed += len(reward_propose_for_case(case=Case.objects.get(pk=case_pk)))
        except ApplicationError as error:  # findings the policy cannot judge: staff propose by hand
            logger.warning("No reward proposed for case %s: %s", case_pk, error.code)
    return proposed


def reward_propose(*, case: Case, by: Any, amount: Decimal, reason: str) -> list[Reward]:
    """A bureau user proposes an amount other than the policy's (or one the system did not propose).

    A proposal still waiting for approval is replaced; an approved or later reward must be
    rejected or reversed first."""
    if not rules.may_propose(by):
        raise Forbidden(_("Only the bureau's dispatchers and supervisors propose rewards."), code="permission_denied")
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Give a reason for proposing this amount."),
            code="reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("reporter", "enterprise").get(pk=case.pk)
        if case.state != State.CLOSED or not case.substantiated:
            raise Conflict(_("Rewards are proposed for closed, substantiated cases."), code="case_not_eligible")
        if case.merged_into_id is not None:
            raise Conflict(
                _("A merged duplicate earns no reward; its reporter is linked to the surviving case."),
                code="case_not_eligible",
            )
        policy = policy_in_force(case.accepted_at)
        ceiling = max(policy.major_maximum, policy.concealed_maximum)
        if amount <= ZERO or amount > ceiling:
            raise ApplicationError(
                _("The amount must be more than ¥0 and at most %(ceiling)s.") % {"ceiling": format_yuan(ceiling)},
                code="invalid_amount",
                fields={"amount": [_("At most %(ceiling)s.") % {"ceiling": format_yuan(ceiling)}]},
            )
        calculation = _calculation(case, policy)
        working = _("%(working)s; proposed instead: %(amount)s") % {
            "working": calculation.working,
            "amount": format_yuan(amount),
        }
        live = list(
            Reward.objects.select_for_update(of=("self",))
            .select_related("case__enterprise", "reporter")
            .filter(case=case)
            .exclude(state=RewardState.REJECTED)
            .order_by("id")
        )
        if any(reward.state != RewardState.PROPOSED for reward in live):
            raise Conflict(
                _("This case's reward is already approved; withdraw it (or reverse its payout) first."),
                code="transition_not_allowed",
            )
        if live:
            return _amend(live, amount, by=by, reason=reason, working=working, policy=policy)
        return _create_rewards(case, policy, calculation, amount, by=by, reason=reason, working=working)


def _amend(
    rewards: list[Reward], amount: Decimal, *, by: Any, reason: str, working: str, policy: RewardPolicy
) -> list[Reward]:
    """Replace the amount of proposals still waiting; earlier approvals no longer count."""
    for reward, share in zip(rewards, split(amount, len(rewards)), strict=True):
        old = reward.amount
        reward.amount, reward.working, reward.proposed_by, reward.proposal_reason = share, working, by, reason
        reward.first_approved_by = reward.second_approved_by = None
        reward.needs_second_approval = amount > policy.second_approval_above
        reward.flags = eligibility.flags_for(reward.case, reward.reporter)
        reward.save(
            update_fields=[
                "flags",
                "amount",
                "working",
                "proposed_by",
                "proposal_reason",
                "first_approved_by",
                "second_approved_by",
                "needs_second_approval",
            ]
        )
        reward_event(reward, "proposed", actor=by, reason=reason, working=working, previous_amount=str(old))
    return rewards
