from rewards.models.claim import ClaimMethod, RewardClaim
from rewards.models.ledger import COMMITTED_KINDS, PAID_KINDS, Budget, EntryKind, LedgerEntry, PaymentMethod
from rewards.models.policy import JointSplit, RewardPolicy
from rewards.models.reward import COMMITTED_STATES, Basis, Reward, RewardState

__all__ = [
    "COMMITTED_KINDS",
    "COMMITTED_STATES",
    "PAID_KINDS",
    "Basis",
    "Budget",
    "ClaimMethod",
    "EntryKind",
    "JointSplit",
    "LedgerEntry",
    "PaymentMethod",
    "Reward",
    "RewardClaim",
    "RewardPolicy",
    "RewardState",
]
