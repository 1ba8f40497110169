"""Who may move a reward, and what must hold first. Used by the model's transitions.

Permissions take ``(reward, user)``; the reward is typed ``Any`` because django-fsm-2's stubs
type a permission as accepting any model. Maker-checker lives here: an approver never approves a
reward they proposed, and the second approval comes from a third person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.states import State
from directory.access import access_for
from directory.models import Role

if TYPE_CHECKING:
    from rewards.models import Reward

PROPOSER_ROLES = (Role.BUREAU_SUPERVISOR, Role.DISPATCHER)
READER_ROLES = (Role.BUREAU_SUPERVISOR, Role.DISPATCHER, Role.REWARD_APPROVER, Role.FINANCE, Role.ADMINISTRATOR)


def may_propose(user: Any) -> bool:
    return access_for(user).has_bureau_role(*PROPOSER_ROLES)


def may_read(user: Any) -> bool:
    return access_for(user).has_bureau_role(*READER_ROLES)


def may_approve(reward: Any, user: Any) -> bool:
    return access_for(user).has_bureau_role(Role.REWARD_APPROVER) and user.pk not in reward.approver_exclusions


def may_decide(reward: Any, user: Any) -> bool:
    """Rejecting is the approver's call too, and the proposer cannot reject on the approver's behalf."""
    return access_for(user).has_bureau_role(Role.REWARD_APPROVER) and user.pk != reward.proposed_by_id


def may_offer(reward: Any, user: Any) -> bool:
    return access_for(user).has_bureau_role(Role.REWARD_APPROVER, Role.BUREAU_SUPERVISOR)


def may_pay(reward: Any, user: Any) -> bool:
    return access_for(user).has_bureau_role(Role.FINANCE)


# Intake takes calls and visitors; finance meets reporters at the counter.
CLAIM_TAKER_ROLES = (Role.INTAKE, Role.FINANCE)


def may_assist_claims(user: Any) -> bool:
    return access_for(user).has_bureau_role(*CLAIM_TAKER_ROLES)


def may_record_payout(reward: Any, user: Any) -> bool:
    """Finance records payouts, but not of a claim they took for the reporter themselves: the
    account they typed in is checked by someone else before money goes to it."""
    claim = getattr(reward, "claim_details", None)  # the reverse one-to-one raises when absent
    return may_pay(reward, user) and (claim is None or claim.assisted_by_id != user.pk)


def may_reverse(reward: Any, user: Any) -> bool:
    return access_for(user).has_bureau_role(Role.FINANCE, Role.REWARD_APPROVER)


def may_withdraw(reward: Any, user: Any) -> bool:
    """Approvers withdraw a reward found not due; the system does when a reopened case closes again."""
    return user is None or access_for(user).has_bureau_role(Role.REWARD_APPROVER)


def reporter_or_system(reward: Any, user: Any) -> bool:
    """Claims come from the reporter (no staff user) and expiry from the scheduler."""
    return True


def _condition(field: str, message: Any) -> Any:
    def decorate(check: Any) -> Any:
        check.field = field
        check.message = message
        return check

    return decorate


@_condition("approvals", _("This amount needs a second approver."))
def approvals_complete(reward: Reward) -> bool:
    return reward.first_approved_by_id is not None and (
        not reward.needs_second_approval or reward.second_approved_by_id is not None
    )


@_condition("claim_by", _("The claim window has closed."))
def claim_window_open(reward: Reward) -> bool:
    return reward.claim_by is not None and timezone.localdate() <= reward.claim_by


@_condition("claim_by", _("The claim window is still open."))
def claim_window_closed(reward: Reward) -> bool:
    return reward.claim_by is not None and timezone.localdate() > reward.claim_by


@_condition("case", _("The case was reopened; its reward waits until the case is closed again."))
def case_closed(reward: Reward) -> bool:
    return bool(reward.case.state == State.CLOSED)
