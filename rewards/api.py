"""Staff API for rewards: parse, call one service, format. One class per operation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Category
from cases.selectors import case_get
from config.errors import ApplicationError, Forbidden
from directory.models import Town
from directory.permissions import IsStaffMember
from rewards import rules, selectors, services
from rewards.claim_api import ClaimDetailsInput
from rewards.exports import csv_response, xlsx_response
from rewards.models import PaymentMethod, Reward, RewardPolicy, RewardState
from rewards.serializers import ClaimRevealedOutput, RewardOutput


class RewardFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=RewardState.choices)
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    town = filters.ModelChoiceFilter(queryset=Town.objects.all())
    year = filters.NumberFilter(field_name="year", min_value=2000, max_value=2100)
    case = filters.CharFilter(field_name="case__reference")

    class Meta:
        model = Reward
        fields: list[str] = []


class RewardListApi(generics.ListAPIView[Reward]):
    permission_classes = [IsStaffMember]
    serializer_class = RewardOutput
    filterset_class = RewardFilter

    def get_queryset(self) -> QuerySet[Reward]:
        return selectors.reward_list(self.request.user)


class RewardDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=RewardOutput)
    def get(self, request: Request, reward_id: int) -> Response:
        return Response(RewardOutput(selectors.reward_get(request.user, reward_id)).data)


class ProposeInput(serializers.Serializer[Any]):
    case = serializers.CharField(max_length=12, help_text="Reference of the closed case.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(max_length=2000)


class RewardProposeApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=ProposeInput, responses={201: RewardOutput(many=True)})
    def post(self, request: Request) -> Response:
        given = ProposeInput(data=request.data)
        given.is_valid(raise_exception=True)
        case = case_get(request.user, given.validated_data["case"])
        rewards = services.reward_propose(
            case=case, by=request.user, amount=given.validated_data["amount"], reason=given.validated_data["reason"]
        )
        fresh = selectors.reward_list(request.user).filter(pk__in=[r.pk for r in rewards]).order_by("id")
        return Response(RewardOutput(fresh, many=True).data, status=status.HTTP_201_CREATED)


class CalculationOutput(serializers.Serializer[Any]):
    policy = serializers.IntegerField()
    basis = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    working = serializers.CharField()


class RewardCalculationApi(APIView):
    """What the policy in force at acceptance gives for a case's findings, with the working —
    for the bureau before it proposes by hand; implausible findings answer 400 naming the field."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=CalculationOutput)
    def get(self, request: Request, reference: str) -> Response:
        if not rules.may_propose(request.user):
            raise Forbidden(
                _("Only the bureau's dispatchers and supervisors propose rewards."), code="permission_denied"
            )
        case = case_get(request.user, reference)
        policy, calculation = services.reward_calculate(case=case)
        return Response(
            CalculationOutput(
                {
                    "policy": policy.version,
                    "basis": calculation.basis,
                    "amount": calculation.amount,
                    "working": calculation.working,
                }
            ).data
        )


class RewardNoInput(serializers.Serializer[Any]):
    pass


class RewardReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class RewardPayInput(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=100)
    paid_on = serializers.DateField()
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        help_text="One key per payment the user means to make; the Idempotency-Key header works too.",
    )


class RewardActionApi(APIView):
    """POST one action on one reward: validate the input, call the service, answer with the reward."""

    permission_classes = [IsStaffMember]
    input_serializer: ClassVar[type[serializers.Serializer[Any]]] = RewardNoInput
    service: ClassVar[Any]

    def act(self, request: Request, reward: Reward, data: dict[str, Any]) -> Any:
        return type(self).service(reward=reward, by=request.user, **data)

    def post(self, request: Request, reward_id: int) -> Response:
        reward = selectors.reward_get(request.user, reward_id)
        given = self.input_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        self.act(request, reward, dict(given.validated_data))
        return Response(RewardOutput(selectors.reward_get(request.user, reward_id)).data)


class ApproveApi(RewardActionApi):
    service = staticmethod(services.reward_approve)


class RejectApi(RewardActionApi):
    input_serializer = RewardReasonInput
    service = staticmethod(services.reward_reject)


class OfferApi(RewardActionApi):
    service = staticmethod(services.reward_offer)


class ReverseApi(RewardActionApi):
    input_serializer = RewardReasonInput
    service = staticmethod(services.reward_reverse)


class WithdrawApi(RewardActionApi):
    input_serializer = RewardReasonInput
    service = staticmethod(services.reward_withdraw)


class PayApi(RewardActionApi):
    input_serializer = RewardPayInput

    def act(self, request: Request, reward: Reward, data: dict[str, Any]) -> Any:
        key = data.pop("idempotency_key", None) or request.headers.get("Idempotency-Key", "")
        if not key.strip():
            raise ApplicationError(
                _("Send an idempotency key so the payment is recorded only once."),
                code="invalid",
                fields={"idempotency_key": [_("This field is required.")]},
            )
        if len(key) > 64:
            raise ApplicationError(
                _("The idempotency key is too long."),
                code="invalid",
                fields={"idempotency_key": [_("At most 64 characters.")]},
            )
        return services.reward_pay(reward=reward, by=request.user, idempotency_key=key.strip(), **data)


class AssistedClaimInput(ClaimDetailsInput):
    reason = serializers.CharField(max_length=2000)


class AssistedClaimApi(APIView):
    """Intake or finance take the claim for a reporter who cannot claim online."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=AssistedClaimInput, responses={201: RewardOutput}, operation_id="reward_claim_assisted")
    def post(self, request: Request, reward_id: int) -> Response:
        reward = selectors.reward_get_for_claim(request.user, reward_id)
        given = AssistedClaimInput(data=request.data)
        given.is_valid(raise_exception=True)
        claimed = services.reward_claim_assisted(
            reward=reward, by=request.user, details=given.claim_details(), reason=given.validated_data["reason"]
        )
        return Response(RewardOutput(claimed).data, status=status.HTTP_201_CREATED)


class PaymentDetailsApi(APIView):
    """The claimant's identity and account in clear, for finance to pay; leaves an audit record."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=RewardReasonInput, responses=ClaimRevealedOutput)
    def post(self, request: Request, reward_id: int) -> Response:
        reward = selectors.reward_get(request.user, reward_id)
        given = RewardReasonInput(data=request.data)
        given.is_valid(raise_exception=True)
        claim = services.claim_reveal(reward=reward, by=request.user, reason=given.validated_data["reason"])
        return Response(ClaimRevealedOutput(claim).data)


class ReportQuery(serializers.Serializer[Any]):
    by = serializers.CharField(required=False, default="town,year,state,category")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    # Not "format": DRF reads that query parameter to choose a renderer.
    export = serializers.ChoiceField(choices=["json", "csv", "xlsx"], required=False, default="json")

    def validate_by(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in selectors.REPORT_DIMENSIONS]
        if unknown or not names:
            raise serializers.ValidationError(_("Group by any of: town, year, state, category."))
        return list(dict.fromkeys(names))


def _json_money(row: dict[str, Any]) -> dict[str, Any]:
    """Amounts leave as strings with two decimals, like the serializers' DecimalFields: never as floats."""
    return {key: f"{value:.2f}" if isinstance(value, Decimal) else value for key, value in row.items()}


def _download(kind: str, fmt: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    name = f"rewards-{kind}-{timezone.localdate().isoformat()}"
    return (csv_response if fmt == "csv" else xlsx_response)(name, header, rows)


class RewardReportApi(APIView):
    """Rewards by town, year (proposed), state and category: count and amount; CSV and XLSX too."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str),
            OpenApiParameter("year", int),
            OpenApiParameter("export", str, enum=["json", "csv", "xlsx"]),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        by, fmt, year = query.validated_data["by"], query.validated_data["export"], query.validated_data.get("year")
        rows = selectors.reward_report(request.user, by=by, filters={"year": year} if year else None)
        if fmt == "json":
            return Response({"by": by, "rows": [_json_money(row) for row in rows]})
        return _download(
            "report", fmt, [*by, "count", "amount"], [[row[k] for k in [*by, "count", "amount"]] for row in rows]
        )


BUDGET_COLUMNS = ["year", "department", "budget", "used", "left", "accrued", "released", "paid", "reversed", "paid_net"]


class BudgetReportApi(APIView):
    """Per year and paying department: budget, used and left, summed from the ledger."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("export", str, enum=["json", "csv", "xlsx"])],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines = selectors.budget_report(request.user, year=query.validated_data.get("year"))
        rows = [[getattr(line, column) for column in BUDGET_COLUMNS] for line in lines]
        if query.validated_data["export"] == "json":
            return Response({"rows": [_json_money(dict(zip(BUDGET_COLUMNS, row, strict=True))) for row in rows]})
        return _download("budget", query.validated_data["export"], BUDGET_COLUMNS, rows)


class PolicyOutput(serializers.ModelSerializer[RewardPolicy]):
    class Meta:
        model = RewardPolicy
        exclude = ["created_by"]


class PolicyInput(serializers.ModelSerializer[RewardPolicy]):
    effective_from = serializers.DateTimeField(required=False)

    class Meta:
        model = RewardPolicy
        exclude = ["id", "version", "created_by", "created_at"]

    def validate_exclusions(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise serializers.ValidationError(_("List each exclusion as a line of text."))
        return [item.strip() for item in value]


class PolicyListApi(APIView):
    """The policy versions (readers), and a new version (administrators)."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=PolicyOutput(many=True))
    def get(self, request: Request) -> Response:
        policies = RewardPolicy.objects.all() if rules.may_read(request.user) else RewardPolicy.objects.none()
        return Response(PolicyOutput(policies, many=True).data)

    @extend_schema(request=PolicyInput, responses={201: PolicyOutput})
    def post(self, request: Request) -> Response:
        given = PolicyInput(data=request.data)
        given.is_valid(raise_exception=True)
        policy = services.policy_create(by=request.user, **given.validated_data)
        return Response(PolicyOutput(policy).data, status=status.HTTP_201_CREATED)


def _documented(name: str, view: type[RewardActionApi]) -> type[RewardActionApi]:
    schema = extend_schema(request=view.input_serializer, responses=RewardOutput, operation_id=f"reward_{name}")
    return extend_schema_view(post=schema)(view)


ACTIONS: dict[str, type[RewardActionApi]] = {
    name: _documented(name, view)
    for name, view in {
        "approve": ApproveApi,
        "reject": RejectApi,
        "offer": OfferApi,
        "pay": PayApi,
        "reverse": ReverseApi,
        "withdraw": WithdrawApi,
    }.items()
}
