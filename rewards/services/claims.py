"""The reporter's claim (receipt + password or phone + identity + payment details), the claim staff
take for a reporter who cannot claim online, and finance's view of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import IdentityAccess
from cases.selectors import case_for_receipt, case_for_receipt_and_phone
from config.errors import ApplicationError, Conflict, Forbidden, NotFound
from rewards import eligibility
from rewards.models import ClaimMethod, Reward, RewardClaim, RewardState
from rewards.rules import may_assist_claims, may_pay
from rewards.services.flags import reward_flag
from rewards.services.transitions import run_transition, state_conflict

PURPOSE = "reward_payment"
ASSISTED_PURPOSE = "reward_assisted_claim"


@dataclass(frozen=True)
class ClaimDetails:
    """Already validated and normalised by the interface (``rewards.claim_api``)."""

    name: str
    id_number: str
    method: str
    account: str
    bank_name: str = ""


def claimable_reward(receipt: str, *, password: str | None = None, phone: str | None = None) -> Reward:
    """The receipt holder's own reward, proven by the receipt password or, for reports that have
    none (SMS, voice), by the phone number the report came from. A wrong receipt, password or
    number, a merged duplicate and a report without a reward all give the same answer, so nothing
    can be learnt by guessing."""
    if password is not None:
        case = case_for_receipt(receipt, password)
    elif phone is not None:
        case = case_for_receipt_and_phone(receipt, phone)
    else:
        case = None
    reward = None
    if case is not None:
        reward = (
            Reward.objects.filter(case=case, reporter_id=case.reporter_id)
            .exclude(state=RewardState.REJECTED)
            .select_related("policy", "reporter")
            .first()
        )
    if reward is None:
        message = (
            _("No reward to claim matches this receipt and phone number.")
            if password is None
            else _("No reward to claim matches this receipt and password.")
        )
        raise NotFound(message, code="no_reward")
    return reward


def _ensure_claimable(reward: Reward, details: ClaimDetails, *, online: bool) -> None:
    """What any claim needs, online or taken by staff: an open offer, the reporter's own identity."""
    if reward.state == RewardState.OFFERED and reward.claim_by and timezone.localdate() > reward.claim_by:
        raise Conflict(
            _("The claim window closed on %(date)s; this reward can no longer be claimed.")
            % {"date": reward.claim_by.isoformat()},
            code="claim_window_closed",
        )
    if reward.state != RewardState.OFFERED:
        raise state_conflict(reward, "claim")
    reporter = reward.reporter
    if online and reporter.anonymous and not reward.policy.anonymous_claims_allowed:
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
    _ensure_no_duty_to_report(reward, details)


def _ensure_no_duty_to_report(reward: Reward, details: ClaimDetails) -> None:
    """The claimant's ID number and phone, known only now for most reporters, against the staff
    records and the enterprise's safety manager. A match is flagged for the approver (who withdraws
    the offer) and the claim refused without saying which record matched."""
    phones = [details.account] if details.method != ClaimMethod.BANK and "@" not in details.account else []
    claimant = eligibility.Identity.of(id_numbers=[details.id_number], phones=phones)
    excluded = eligibility.duty_to_report(reward.case, eligibility.Identity.of_reporter(reward.reporter) | claimant)
    if excluded:
        reward_flag(reward=reward, flags=excluded)
        raise Forbidden(
            _(
                "People with a duty to report — staff of the bureau and its towns, and the enterprise's safety "
                "manager — cannot receive a reward for it. The bureau will review this reward."
            ),
            code="not_eligible",
        )


def _record_claim(reward: Reward, details: ClaimDetails, *, by: Any = None, reason: str = "") -> Reward:
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
            assisted_by=by,
        )
        return {"method": details.method, "assisted": by is not None}

    with transaction.atomic():
        return run_transition(reward.pk, "claim", by=by, reason=reason, prepare=prepare, after=after)


def reward_claim(
    *, receipt: str, details: ClaimDetails, password: str | None = None, phone: str | None = None
) -> Reward:
    """The reporter claims online with the receipt and either the password or the report's phone."""
    reward = claimable_reward(receipt, password=password, phone=phone)
    _ensure_claimable(reward, details, online=True)
    return _record_claim(reward, details)


def reward_claim_assisted(*, reward: Reward, by: Any, details: ClaimDetails, reason: str) -> Reward:
    """Intake or finance take the claim for a reporter who cannot claim online (no caller ID, a
    joint reporter, no internet), having checked receipt and identity card in person or on the
    phone. The look at the reporter's identity is on record like any other, and the milestone on
    the case timeline names who took the claim and why. Anonymous reports claim here even where
    the policy refuses them online: the in-person visit is what that policy asks for."""
    if not may_assist_claims(by):
        raise Forbidden(_("Only intake and finance take claims for reporters."), code="permission_denied")
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Give a reason."), code="reason_required", fields={"reason": [_("This field is required.")]}
        )
    reward = Reward.objects.select_related("policy", "reporter").get(pk=reward.pk)
    _ensure_claimable(reward, details, online=False)
    with transaction.atomic():
        claimed = _record_claim(reward, details, by=by, reason=reason)
        IdentityAccess.objects.create(
            user=by, reporter_id=reward.reporter_id, case_id=reward.case_id, purpose=ASSISTED_PURPOSE, reason=reason
        )
    return claimed


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
