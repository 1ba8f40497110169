"""Approve (maker-checker), reject, offer, pay, reverse and expire: each one locked transition."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict, Forbidden
from directory.access import access_for
from directory.models import Role
from rewards import eligibility, rules
from rewards.models import EntryKind, LedgerEntry, Reward, RewardState
from rewards.services import ledger
from rewards.services.transitions import CLAIM_PATH, reward_event, run_transition, state_conflict
from rewards.tasks import schedule_expiry


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Give a reason."), code="reason_required", fields={"reason": [_("This field is required.")]}
        )
    return reason


def reward_approve(*, reward: Reward, by: Any) -> Reward:
    """Maker-checker: never the proposer; above the policy's threshold a second, different approver.
    The exclusions are checked again now, so a staff record or safety manager registered since the
    proposal still stops the money."""
    if not access_for(by).has_bureau_role(Role.REWARD_APPROVER):
        raise Forbidden(_("Only reward approvers approve rewards."), code="permission_denied")
    with transaction.atomic():
        locked = (
            Reward.objects.select_for_update(of=("self",))
            .select_related("case__enterprise", "reporter")
            .get(pk=reward.pk)
        )
        if locked.state != RewardState.PROPOSED:  # a double click lands here: 409, not "not yours"
            raise state_conflict(locked, "approve")
        if locked.proposed_by_id == by.pk:
            raise Forbidden(_("You proposed this reward; another approver must approve it."), code="maker_checker")
        if not rules.case_closed(locked):
            raise Conflict(str(rules.case_closed.message), code="transition_not_allowed")
        excluded = eligibility.flags_for(locked.case, locked.reporter)
        if excluded:
            raise Conflict(eligibility.not_eligible_message(excluded), code="not_eligible")
        if locked.first_approved_by_id == by.pk:
            raise Conflict(
                _("You have already approved this reward; it needs a second approver."),
                code="second_approver_needed",
            )
        if locked.first_approved_by_id is None and locked.needs_second_approval:
            return _first_of_two_approvals(locked, by)

        def prepare(r: Reward) -> None:
            if r.first_approved_by_id is None:
                r.first_approved_by = by
            else:
                r.second_approved_by = by
            r.approved_at = timezone.now()
            r.budget_year = timezone.localdate().year
            r.flags = [flag for flag in r.flags if flag["rule"] not in eligibility.EXCLUSIONS]  # no longer hold

        def after(r: Reward) -> dict[str, Any]:
            ledger.check_budget(reward=r, year=r.budget_year or 0)
            ledger.post(reward=r, kind=EntryKind.ACCRUAL, actor=by, value_date=timezone.localdate())
            return {}

        return run_transition(locked.pk, "approve", by=by, prepare=prepare, after=after)


def _first_of_two_approvals(reward: Reward, by: Any) -> Reward:
    reward.first_approved_by = by
    reward.save(update_fields=["first_approved_by"])
    reward_event(reward, "first_approval", actor=by, approvals="1/2")
    return reward


def reward_reject(*, reward: Reward, by: Any, reason: str) -> Reward:
    reason = _reason_required(reason)

    def prepare(r: Reward) -> None:
        r.decision_reason = reason
        r.closed_at = timezone.now()

    return run_transition(reward.pk, "reject", by=by, reason=reason, prepare=prepare)


def reward_withdraw(*, reward: Reward, by: Any, reason: str) -> Reward:
    """Take back a reward that is not due after all, before it is paid (a paid one is reversed).
    What its approval committed goes back to the budget as a release entry."""
    reason = _reason_required(reason)
    if reward.state == RewardState.PAID:
        raise Conflict(_("A paid reward is not withdrawn; reverse the payout instead."), code="transition_not_allowed")

    def prepare(r: Reward) -> None:
        r.decision_reason = reason
        r.closed_at = timezone.now()

    def after(r: Reward) -> dict[str, Any]:
        if r.ledger_entries.filter(kind=EntryKind.ACCRUAL).exists():
            ledger.post(reward=r, kind=EntryKind.RELEASE, actor=by, value_date=timezone.localdate(), note=reason)
        return {}

    return run_transition(reward.pk, "withdraw", by=by, reason=reason, prepare=prepare, after=after)


def reward_offer(*, reward: Reward, by: Any) -> Reward:
    """Tell the reporter (the notifications app texts them from the timeline event) how much and by when."""

    def prepare(r: Reward) -> None:
        r.offered_at = timezone.now()
        r.claim_by = timezone.localdate() + timedelta(days=r.policy.claim_window_days)

    def after(r: Reward) -> dict[str, Any]:
        assert r.claim_by is not None
        transaction.on_commit(lambda: schedule_expiry(r))
        return {"claim_by": r.claim_by.isoformat(), "claim_path": CLAIM_PATH}

    return run_transition(reward.pk, "offer", by=by, public=True, prepare=prepare, after=after)


def reward_pay(*, reward: Reward, by: Any, method: str, reference: str, paid_on: date, idempotency_key: str) -> Reward:
    """Record the payout exactly once: the row lock, the state and the ledger's one-payout-per-reward
    and unique idempotency key constraints each refuse a second one."""
    reference = reference.strip()
    if rules.may_pay(reward, by) and not rules.may_record_payout(reward, by):
        raise Forbidden(
            _("You took this claim for the reporter; another finance officer must record its payout."),
            code="maker_checker",
        )
    if paid_on > timezone.localdate():
        raise ApplicationError(
            _("The payment date cannot be in the future."),
            code="invalid",
            fields={"paid_on": [_("Enter the date the money was sent.")]},
        )
    used = LedgerEntry.objects.filter(idempotency_key=idempotency_key).select_related("reward").first()
    if used is not None and used.reward_id != reward.pk:
        raise Conflict(
            _("This payment key was already used for another reward; nothing was paid."),
            code="idempotency_key_reused",
            fields={"idempotency_key": [_("Use a new key.")]},
        )
    if used is not None:
        raise _already_paid(used)

    def prepare(r: Reward) -> None:
        r.paid_at = timezone.now()

    def after(r: Reward) -> dict[str, Any]:
        ledger.post(
            reward=r,
            kind=EntryKind.PAYOUT,
            actor=by,
            value_date=paid_on,
            idempotency_key=idempotency_key,
            payment_method=method,
            payment_reference=reference,
        )
        return {"paid_on": paid_on.isoformat(), "method": method}

    try:
        return run_transition(reward.pk, "pay", by=by, public=True, prepare=prepare, after=after)
    except Conflict as conflict:
        payout = LedgerEntry.objects.filter(reward_id=reward.pk, kind=EntryKind.PAYOUT).first()
        if payout is not None:
            raise _already_paid(payout) from conflict
        raise


def _already_paid(payout: LedgerEntry) -> Conflict:
    return Conflict(
        _("This reward was already paid on %(date)s (reference “%(reference)s”); nothing was paid again.")
        % {"date": payout.value_date.isoformat(), "reference": payout.payment_reference},
        code="already_paid",
    )


def reward_reverse(*, reward: Reward, by: Any, reason: str) -> Reward:
    """Claw back a paid reward with a new, negative entry; the payout entry itself stays."""
    reason = _reason_required(reason)

    def prepare(r: Reward) -> None:
        r.decision_reason = reason
        r.closed_at = timezone.now()

    def after(r: Reward) -> dict[str, Any]:
        ledger.post(reward=r, kind=EntryKind.REVERSAL, actor=by, value_date=timezone.localdate(), note=reason)
        return {}

    return run_transition(reward.pk, "reverse", by=by, reason=reason, prepare=prepare, after=after)


def reward_expire(*, reward: Reward) -> Reward:
    """The claim window passed: the offer lapses and its money goes back to the budget."""

    def prepare(r: Reward) -> None:
        r.closed_at = timezone.now()

    def after(r: Reward) -> dict[str, Any]:
        ledger.post(reward=r, kind=EntryKind.RELEASE, actor=None, value_date=timezone.localdate())
        return {"claim_by": r.claim_by.isoformat() if r.claim_by else None}

    return run_transition(reward.pk, "expire", by=None, prepare=prepare, after=after)


def rewards_expire_due() -> int:
    """Expire every offer whose claim window has closed; safe to run any number of times."""
    expired = 0
    due = Reward.objects.filter(state=RewardState.OFFERED, claim_by__lt=timezone.localdate())
    for reward in list(due.only("pk")):
        try:
            reward_expire(reward=reward)
        except Conflict:  # claimed or expired by someone else meanwhile
            continue
        expired += 1
    return expired
