"""Moving a reward along through the services, for tests that start further down the line."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.utils import timezone

from rewards import services
from rewards.models import Reward
from rewards.services import ClaimDetails
from tests.rewards.helpers import PASSWORD, valid_card, valid_id_number


def fresh(reward: Reward) -> Reward:
    return Reward.objects.get(pk=reward.pk)


def approved(reward: Reward, users: dict[str, Any]) -> Reward:
    return services.reward_approve(reward=reward, by=users["reward_approver"])


def offered(reward: Reward, users: dict[str, Any]) -> Reward:
    return services.reward_offer(reward=approved(reward, users), by=users["reward_approver"])


def claimed(reward: Reward, receipt: str, users: dict[str, Any]) -> Reward:
    offered(reward, users)
    details = ClaimDetails(
        name="张三", id_number=valid_id_number(), method="bank", account=valid_card(), bank_name="中国工商银行"
    )
    return services.reward_claim(receipt=receipt, password=PASSWORD, details=details)


def paid(reward: Reward, receipt: str, users: dict[str, Any], *, on: date | None = None) -> Reward:
    claimed(reward, receipt, users)
    return services.reward_pay(
        reward=reward,
        by=users["finance"],
        method="bank_transfer",
        reference="TX-1",
        paid_on=on or timezone.localdate(),
        idempotency_key=uuid.uuid4().hex,
    )
