"""The reporter's claim: ``POST /api/v1/reports/claim/`` with receipt, password or phone, identity
and account.

No login: the receipt and the password prove the report is theirs; reports made without a password
(SMS, voice) prove it with the phone number they came from instead. Guessing is slowed per client
address and per receipt, and every refusal says which field to fix in the reporter's language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.crypto import blind_index, mask_identifier
from config.errors import ApplicationError
from config.ratelimit import hit
from rewards import services
from rewards.models import ClaimMethod, Reward
from rewards.validators import normalize_bank_account, normalize_id_number, normalize_mobile_payment_account

ATTEMPTS_PER_CLIENT = 10
ATTEMPTS_PER_RECEIPT = 5
WINDOW_SECONDS = 15 * 60


class ClaimDetailsInput(serializers.Serializer[Any]):
    """Who is paid and where; shared by the reporter's claim and the claim staff take for them."""

    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30)
    method = serializers.ChoiceField(choices=ClaimMethod.choices)
    account = serializers.CharField(max_length=64)
    bank_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_id_number(self, value: str) -> str:
        return normalize_id_number(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            if attrs["method"] == ClaimMethod.BANK:
                attrs["account"] = normalize_bank_account(attrs["account"])
            else:
                attrs["account"] = normalize_mobile_payment_account(attrs["account"])
        except DjangoValidationError as error:
            raise serializers.ValidationError({"account": error.messages}) from None
        if attrs["method"] == ClaimMethod.BANK and not attrs["bank_name"].strip():
            raise serializers.ValidationError({"bank_name": [gettext_lazy("Name the bank of this account.")]})
        return attrs

    def claim_details(self) -> services.ClaimDetails:
        data = self.validated_data
        return services.ClaimDetails(
            name=data["name"].strip(),
            id_number=data["id_number"],
            method=data["method"],
            account=data["account"],
            bank_name=data["bank_name"].strip(),
        )


PROOF_REQUIRED = gettext_lazy("Give your receipt password, or the phone number you reported from if you set none.")
ONE_PROOF = gettext_lazy("Give the password or the phone number, not both.")


class ClaimInput(ClaimDetailsInput):
    receipt = serializers.CharField(max_length=40)
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)
    phone = serializers.CharField(max_length=32, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("password", "phone") if attrs.get(name)]
        if not given:
            raise serializers.ValidationError({"password": [PROOF_REQUIRED], "phone": [PROOF_REQUIRED]})
        if len(given) == 2:
            raise serializers.ValidationError({"password": [ONE_PROOF], "phone": [ONE_PROOF]})
        return super().validate(attrs)


class ClaimOutput(serializers.ModelSerializer[Reward]):
    account = serializers.SerializerMethodField()
    method = serializers.CharField(source="claim_details.method")

    class Meta:
        model = Reward
        fields = ["amount", "state", "claimed_at", "method", "account"]

    def get_account(self, reward: Reward) -> str:
        return mask_identifier(reward.claim_details.account)


def _client_address(request: Request) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class RewardClaimApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=ClaimInput, responses={201: ClaimOutput})
    def post(self, request: Request) -> Response:
        submitted = request.data if isinstance(request.data, dict) else {}
        receipt_key = "".join(ch for ch in str(submitted.get("receipt", "")) if ch.isdigit())
        within_limits = hit(
            f"claim:ip:{blind_index(_client_address(request))}",
            limit=ATTEMPTS_PER_CLIENT,
            window_seconds=WINDOW_SECONDS,
        )
        if receipt_key:
            within_limits &= hit(
                f"claim:receipt:{blind_index(receipt_key)}", limit=ATTEMPTS_PER_RECEIPT, window_seconds=WINDOW_SECONDS
            )
        if not within_limits:
            raise ApplicationError(
                _("Too many attempts. Please wait a quarter of an hour and try again."),
                code="too_many_attempts",
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        given = ClaimInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        reward = services.reward_claim(
            receipt=data["receipt"],
            password=data.get("password"),
            phone=data.get("phone"),
            details=given.claim_details(),
        )
        return Response(
            ClaimOutput(Reward.objects.select_related("claim_details").get(pk=reward.pk)).data,
            status=status.HTTP_201_CREATED,
        )
