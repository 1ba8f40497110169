"""Every write to a reward goes through these functions: keyword-only, typed, one transaction each."""

from rewards.services.claims import ClaimDetails, claim_reveal, reward_claim, reward_claim_assisted
from rewards.services.decisions import (
    reward_approve,
    reward_expire,
    reward_offer,
    reward_pay,
    reward_reject,
    reward_reverse,
    reward_withdraw,
    rewards_expire_due,
)
from rewards.services.flags import reward_flag
from rewards.services.policy import policy_create
from rewards.services.proposal import (
    reward_calculate,
    reward_propose,
    reward_propose_for_case,
    rewards_propose_missing,
)

__all__ = [
    "ClaimDetails",
    "claim_reveal",
    "policy_create",
    "reward_approve",
    "reward_calculate",
    "reward_claim",
    "reward_claim_assisted",
    "reward_expire",
    "reward_flag",
    "reward_offer",
    "reward_pay",
    "reward_propose",
    "reward_propose_for_case",
    "reward_reject",
    "reward_reverse",
    "reward_withdraw",
    "rewards_expire_due",
    "rewards_propose_missing",
]
