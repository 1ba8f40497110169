"""Flags on a reward: exclusions found and changes someone must look at (``rewards.eligibility``)."""

from __future__ import annotations

from django.db import transaction

from rewards.eligibility import Flag
from rewards.models import Reward
from rewards.services.transitions import reward_event


def reward_flag(*, reward: Reward, flags: list[Flag]) -> Reward:
    """Add the flags the reward does not carry yet and put them on the case timeline (rules only,
    never the identifiers that matched)."""
    with transaction.atomic():
        locked = Reward.objects.select_for_update().select_related("case").get(pk=reward.pk)
        new = [flag for flag in flags if flag not in locked.flags]
        if new:
            locked.flags = [*locked.flags, *new]
            locked.save(update_fields=["flags"])
            reward_event(locked, "flagged", flags=[flag["rule"] for flag in new])
        return locked
