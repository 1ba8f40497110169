"""Run one reward transition on a locked row, in one transaction, and put it on the case timeline.

Order of checks, so the answer tells the person what to do: may this role make this move at all
(403), is the reward in a state that allows it (409, saying what state it is in), is everything
it needs there (409, naming what is missing). The row is locked first, so of two simultaneous
requests the second sees the first one's result and gets a 409 instead of doing it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from cases import events
from cases.models import EventKind
from config.errors import Conflict, Forbidden
from rewards.models import Reward, RewardState

CLAIM_PATH = "/report/claim/"

# What to tell someone who tries to move a reward that has already moved on.
ALREADY = {
    RewardState.PROPOSED: gettext_lazy("This reward is still waiting for approval."),
    RewardState.APPROVED: gettext_lazy("This reward has already been approved."),
    RewardState.OFFERED: gettext_lazy("This reward has already been offered to the reporter."),
    RewardState.CLAIMED: gettext_lazy("This reward has already been claimed."),
    RewardState.PAID: gettext_lazy("This reward has already been paid; nothing was paid again."),
    RewardState.REJECTED: gettext_lazy("This reward was rejected."),
    RewardState.EXPIRED: gettext_lazy("This reward expired unclaimed."),
    RewardState.REVERSED: gettext_lazy("This reward was reversed."),
}
# Timeline names of the milestones, as the notifications app listens for them.
MILESTONE = {
    "approve": "approved",
    "reject": "rejected",
    "offer": "offered",
    "claim": "claimed",
    "pay": "paid",
    "expire": "expired",
    "reverse": "reversed",
    "withdraw": "withdrawn",
}


def reward_event(
    reward: Reward,
    name: str,
    *,
    actor: Any = None,
    reason: str = "",
    public: bool = False,
    from_state: str = "",
    **changes: Any,
) -> None:
    """A reward milestone on the case timeline, with what a message to the reporter needs."""
    events.record(
        case=reward.case,
        kind=EventKind.REWARD,
        name=name,
        actor=actor,
        reason=reason,
        public=public,
        from_state=from_state,
        to_state=reward.state,
        changes={
            "reward": reward.pk,
            "reporter": reward.reporter_id,
            "amount": str(reward.amount),
            "share": reward.share,
            **changes,
        },
    )


LIFECYCLE = [RewardState.PROPOSED, RewardState.APPROVED, RewardState.OFFERED, RewardState.CLAIMED, RewardState.PAID]
SOURCE = {
    "approve": RewardState.PROPOSED,
    "reject": RewardState.PROPOSED,
    "offer": RewardState.APPROVED,
    "claim": RewardState.OFFERED,
    "pay": RewardState.CLAIMED,
    "expire": RewardState.OFFERED,
    "reverse": RewardState.PAID,
    "withdraw": RewardState.PROPOSED,
}


def state_conflict(reward: Reward, name: str) -> Conflict:
    state = RewardState(reward.state)
    if state in LIFECYCLE and LIFECYCLE.index(state) < LIFECYCLE.index(SOURCE[name]):
        message = _("Not possible yet: the reward is “%(state)s”.") % {"state": state.label}
    else:
        message = str(ALREADY[state])
    return Conflict(message, code="transition_not_allowed")


def run_transition(
    reward_id: int,
    name: str,
    *,
    by: Any,
    reason: str = "",
    public: bool = False,
    prepare: Callable[[Reward], None] | None = None,
    after: Callable[[Reward], dict[str, Any] | None] | None = None,
) -> Reward:
    """Lock, check, run transition ``name``; ``prepare`` sets what its conditions look at, ``after``
    does what follows (ledger entries) and returns extra ``changes`` for the timeline event."""
    try:
        with transaction.atomic():
            reward = Reward.objects.select_for_update().select_related("case").get(pk=reward_id)
            method = getattr(reward, name)
            before = reward.state
            transition = method._django_fsm.get_transition(before)
            if not any(t.has_perm(reward, by) for t in reward.get_all_state_transitions() if t.name == name):
                raise Forbidden(_("Your role may not do this to the reward."), code="permission_denied")
            if transition is None:
                raise state_conflict(reward, name)
            if prepare:
                prepare(reward)
            unmet = [condition for condition in transition.conditions if not condition(reward)]
            if unmet:
                raise Conflict(
                    str(unmet[0].message),
                    code="transition_not_allowed",
                    fields={c.field: [str(c.message)] for c in unmet},
                )
            method()
            reward.save()
            extra = after(reward) if after else None
            reward_event(
                reward, MILESTONE[name], actor=by, reason=reason, public=public, from_state=before, **(extra or {})
            )
            return reward
    except ConcurrentTransition:
        raise Conflict(
            _("Someone else changed this reward at the same time; reload it and try again."), code="concurrent_change"
        ) from None
    except OperationalError as error:
        # SQLite has no row locks: a simultaneous writer finds the database locked. That is the same
        # situation as losing the row lock on PostgreSQL, and gets the same answer.
        if "locked" not in str(error):
            raise
        raise Conflict(
            _("Someone else changed this reward at the same time; reload it and try again."), code="concurrent_change"
        ) from None
