"""Background work: expire unclaimed offers, and catch up missed proposals."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from rewards import services  # the package, not its names: services import this module too
from rewards.models import Reward


@task()
def expire_unclaimed_offers() -> int:
    """Sweep: every offer whose claim window has closed expires and releases its money."""
    return services.rewards_expire_due()


@task()
def propose_missing_rewards() -> int:
    return services.rewards_propose_missing()


def schedule_expiry(reward: Reward) -> None:
    """Queue the sweep for the first moment after this offer's window; backends that cannot defer
    (the immediate one in tests) rely on the daily ``expire_reward_offers`` command instead."""
    if reward.claim_by is None or not expire_unclaimed_offers.get_backend().supports_defer:
        return
    after_window = datetime.combine(
        reward.claim_by + timedelta(days=1), time(0, 5), tzinfo=timezone.get_current_timezone()
    )
    expire_unclaimed_offers.using(run_after=after_window).enqueue()
