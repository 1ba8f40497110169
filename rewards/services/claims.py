"""The reporter's claim (receipt + password + identity + payment details) and finance's view of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import IdentityAccess
from cases.selectors import case_for_receipt
from config.errors import ApplicationError, Conflict, Forbidden, NotFound
from rewards.models import ClaimMethod, Reward, RewardClaim, RewardState
from rewards.rules import may_pay
from rewards.services.transitions import run_transition, state_conflict

PURPOSE = "reward_payment"


@dataclass(frozen=True)
class ClaimDetails:
    """Already validated and normalised by the interface (``rewards.claim_api``)."""

    name: str
    id_number: str
    method: str
    account: str
    bank_name: str = ""


def claimable_reward(receipt: str, password: str) -> Reward:
    """The receipt holder's own reward. A wrong receipt, a wrong password, a merged duplicate and a
    report without a reward all give the same answer, so nothing can be learnt by guessing."""
    case = case_for_receipt(receipt, password)
    reward = None
    if case is not None:
        reward = (
            Reward.objects.filter(case=case, reporter_id=case.reporter_id)
            .exclude(state=RewardState.REJECTED)
            .select_related("policy", "reporter")
            .first()
        )
    if reward is None:
        raise NotFound(_("No reward to claim matches this receipt and password."), code="no_reward")
    return reward


def reward_claim(*, receipt: str, password: str, details: ClaimDetails) -> Reward:
    reward = claimable_reward(receipt, password)
    reporter = reward.reporter
    if reward.state == RewardState.OFFERED and reward.claim_by and timezone.localdate() > reward.claim_by:
        raise Conflict(
            _("The claim window closed on %(date)s; this reward can no longer be claimed.")
            % {"date": reward.claim_by.isoformat()},
            code="claim_window_closed",
        )
    if reward.state != RewardState.OFFERED:
        raise state_conflict(reward, "claim")
    if reporter.anonymous and not reward.policy.anonymous_claims_allowed:
        raise Forbidden(
            _(
                "Under the current policy, anonymous reports cannot claim a reward online; "
                "please visit the bureau with your receipt and identity card."
            ),
            code="anonymous_claim",
        )
    if reporter.id_number and reporter.id_number.upper() != details.id_number:
        raise ApplicationError(
            _("This ID number is not the one of the person who made this report."),
            code="identity_mismatch",
            status_code=403,
            fields={"id_number": [_("Enter your own ID number.")]},
        )
    if details.method not in ClaimMethod.values:
        raise ApplicationError(_("Choose how to be paid."), code="invalid", fields={"method": [_("Unknown.")]})

    def prepare(r: Reward) -> None:
        r.claimed_at = timezone.now()

    def after(r: Reward) -> dict[str, Any]:
        RewardClaim.objects.create(
            reward=r,
            name=details.name,
            id_number=details.id_number,
            method=details.method,
            bank_name=details.bank_name,
            account=details.account,
        )
        return {"method": details.method}

    with transaction.atomic():
        return run_transition(reward.pk, "claim", by=None, prepare=prepare, after=after)


def claim_reveal(*, reward: Reward, by: Any, reason: str) -> RewardClaim:
    """Finance sees the claimant's identity and account in clear to pay; every look is on record."""
    if not may_pay(reward, by):
        raise Forbidden(_("Only finance sees payment details, to pay."), code="permission_denied")
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Give a reason."), code="reason_required", fields={"reason": [_("This field is required.")]}
        )
    claim = RewardClaim.objects.filter(reward=reward).first()
    if claim is None:
        raise NotFound(_("The reporter has not claimed this reward yet."), code="not_claimed")
    IdentityAccess.objects.create(
        user=by, reporter_id=reward.reporter_id, case_id=reward.case_id, purpose=PURPOSE, reason=reason
    )
    return claim
