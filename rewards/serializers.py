"""Output shapes of the rewards API. Claimant identity and accounts leave masked, except to finance
through the audited payment-details endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.crypto import mask_identifier, mask_name
from rewards import eligibility
from rewards.models import Reward, RewardClaim
from rewards.validators import account_warning


class ClaimMaskedOutput(serializers.ModelSerializer[RewardClaim]):
    name = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    account = serializers.SerializerMethodField()
    account_warning = serializers.SerializerMethodField(
        help_text="What finance should check before paying; empty: nothing."
    )

    class Meta:
        model = RewardClaim
        fields = ["method", "bank_name", "name", "id_number", "account", "account_warning", "created_at"]

    def get_account_warning(self, claim: RewardClaim) -> str:
        return account_warning(claim.method, claim.account)

    def get_name(self, claim: RewardClaim) -> str:
        return mask_name(claim.name)

    def get_id_number(self, claim: RewardClaim) -> str:
        return mask_identifier(claim.id_number)

    def get_account(self, claim: RewardClaim) -> str:
        return mask_identifier(claim.account)


class ClaimRevealedOutput(serializers.ModelSerializer[RewardClaim]):
    class Meta:
        model = RewardClaim
        fields = ["method", "bank_name", "name", "id_number", "account", "created_at"]


class FlagOutput(serializers.Serializer[Any]):
    """An exclusion found or a change to check; the text is in the user's language."""

    rule = serializers.CharField()
    text = serializers.CharField()


class RewardOutput(serializers.ModelSerializer[Reward]):
    case = serializers.CharField(source="case.reference")
    town = serializers.CharField(source="town.name", allow_null=True, default=None)
    policy = serializers.IntegerField(source="policy.version")
    proposed_by = serializers.SerializerMethodField()
    first_approved_by = serializers.SerializerMethodField()
    second_approved_by = serializers.SerializerMethodField()
    claim = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Reward
        fields = [
            "id",
            "case",
            "reporter",
            "town",
            "category",
            "policy",
            "basis",
            "calculated_amount",
            "amount",
            "working",
            "share",
            "state",
            "proposed_by",
            "proposal_reason",
            "first_approved_by",
            "second_approved_by",
            "needs_second_approval",
            "decision_reason",
            "budget_year",
            "created_at",
            "approved_at",
            "offered_at",
            "claim_by",
            "claimed_at",
            "paid_at",
            "closed_at",
            "claim",
            "flags",
        ]

    def _username(self, user: Any) -> str | None:
        return user.get_username() if user else None

    def get_proposed_by(self, reward: Reward) -> str | None:
        return self._username(reward.proposed_by)

    def get_first_approved_by(self, reward: Reward) -> str | None:
        return self._username(reward.first_approved_by)

    def get_second_approved_by(self, reward: Reward) -> str | None:
        return self._username(reward.second_approved_by)

    def get_claim(self, reward: Reward) -> dict[str, Any] | None:
        try:
            return ClaimMaskedOutput(reward.claim_details).data
        except RewardClaim.DoesNotExist:
            return None

    @extend_schema_field(FlagOutput(many=True))
    def get_flags(self, reward: Reward) -> list[dict[str, str]]:
        return [{"rule": flag["rule"], "text": eligibility.describe(flag)} for flag in reward.flags]
