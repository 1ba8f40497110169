"""Staff API for cases: parse, call one service, format. One class per operation."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.filters import CaseFilter
from cases.models import AccidentGrade, Case, HazardLevel
from cases.serializers import CaseDetailOutput, CaseEventOutput, CaseListOutput, ReporterRevealedOutput
from directory.models import Town
from directory.permissions import IsStaffMember


def detail_response(request: Request, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
    context = {"request": request, "today": timezone.localdate(), "timeline": selectors.case_timeline(case)}
    return Response(CaseDetailOutput(case, context=context).data, status=status_code)


class CaseListApi(generics.ListAPIView[Case]):
    permission_classes = [IsStaffMember]
    serializer_class = CaseListOutput
    filterset_class = CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.case_list(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


class CaseDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=CaseDetailOutput)
    def get(self, request: Request, reference: str) -> Response:
        return detail_response(request, selectors.case_get(request.user, reference))


class ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RequiredReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class NoInput(serializers.Serializer[Any]):
    pass


class ReferInput(RequiredReasonInput):
    agency = serializers.CharField(max_length=200)


class MergeInput(ReasonInput):
    into = serializers.CharField(max_length=12, help_text="Reference of the surviving case.")


class AssignInput(ReasonInput):
    town = serializers.PrimaryKeyRelatedField(queryset=Town.objects.all())


class CloseInput(serializers.Serializer[Any]):
    result_for_reporter = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class ExtendInput(RequiredReasonInput):
    workdays = serializers.IntegerField(min_value=1, max_value=365)


class FindingsInput(serializers.Serializer[Any]):
    substantiated = serializers.BooleanField(allow_null=True, required=False)
    hazard_level = serializers.ChoiceField(choices=HazardLevel.choices, required=False, allow_blank=True)
    illegal_acts = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    fine_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    rectification = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    concealed_deaths = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    accident_grade = serializers.ChoiceField(choices=AccidentGrade.choices, required=False, allow_blank=True)
    findings_summary = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    result_for_reporter = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class NoteInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=8000)
    public = serializers.BooleanField(default=False)


class QuestionInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=4000)


class CaseActionApi(APIView):
    """POST one action on one case: validate the input, call the service, answer with the case."""

    permission_classes = [IsStaffMember]
    input_serializer: ClassVar[type[serializers.Serializer[Any]]] = ReasonInput
    service: ClassVar[Any]

    def act(self, case: Case, user: Any, data: dict[str, Any]) -> Any:
        return type(self).service(case=case, by=user, **data)

    def respond(self, request: Request, reference: str, case: Case) -> Response:
        return detail_response(request, selectors.case_get(request.user, reference))

    def post(self, request: Request, reference: str) -> Response:
        case = selectors.case_get(request.user, reference)
        given = self.input_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = self.act(case, request.user, given.validated_data)
        return self.respond(request, reference, result)


class CaseEventCreateApi(CaseActionApi):
    """Actions that add a timeline entry answer with that entry."""

    def respond(self, request: Request, reference: str, event: Any) -> Response:
        return Response(CaseEventOutput(event).data, status=status.HTTP_201_CREATED)


class MergeApi(CaseActionApi):
    input_serializer = MergeInput

    def act(self, case: Case, user: Any, data: dict[str, Any]) -> Any:
        survivor = selectors.case_get(user, data["into"])
        return services.case_merge(case=case, into=survivor, by=user, reason=data["reason"])


class ReturnToBureauApi(CaseActionApi):
    input_serializer = RequiredReasonInput
    service = staticmethod(services.case_return_to_bureau)

    def respond(self, request: Request, reference: str, case: Case) -> Response:
        # The town no longer sees the case once it is back with the bureau: answer with what it did.
        return detail_response(request, case)


class RevealApi(CaseActionApi):
    """The reporter's identity in clear: needs a role and a reason, and leaves an audit record."""

    input_serializer = RequiredReasonInput
    service = staticmethod(services.reporter_reveal)

    def respond(self, request: Request, reference: str, reporter: Any) -> Response:
        return Response(ReporterRevealedOutput(reporter).data)


def action_api(
    service: Any,
    input_serializer: type[serializers.Serializer[Any]] = ReasonInput,
    base: type[CaseActionApi] = CaseActionApi,
    response: Any = CaseDetailOutput,
) -> type[CaseActionApi]:
    name = "".join(part.title() for part in service.__name__.split("_")) + "Api"
    view = type(name, (base,), {"service": staticmethod(service), "input_serializer": input_serializer})
    schema = extend_schema(request=input_serializer, responses=response, operation_id=service.__name__)
    return extend_schema_view(post=schema)(view)


ACTIONS: dict[str, type[CaseActionApi]] = {
    "accept": action_api(services.case_accept),
    "reject": action_api(services.case_reject, RequiredReasonInput),
    "refer": action_api(services.case_refer, ReferInput),
    "merge": action_api(services.case_merge, MergeInput, MergeApi),
    "assign": action_api(services.case_assign, AssignInput),
    "return-to-bureau": action_api(services.case_return_to_bureau, RequiredReasonInput, ReturnToBureauApi),
    "start": action_api(services.case_start, NoInput),
    "submit": action_api(services.case_submit, NoInput),
    "return-to-officer": action_api(services.case_return_to_officer, RequiredReasonInput),
    "close": action_api(services.case_close, CloseInput),
    "reopen": action_api(services.case_reopen, RequiredReasonInput),
    "extend": action_api(services.case_extend, ExtendInput),
    "findings": action_api(services.case_findings_record, FindingsInput),
    "notes": action_api(services.case_note_add, NoteInput, CaseEventCreateApi, {201: CaseEventOutput}),
    "questions": action_api(services.case_question_ask, QuestionInput, CaseEventCreateApi, {201: CaseEventOutput}),
    "reveal": action_api(services.reporter_reveal, RequiredReasonInput, RevealApi, ReporterRevealedOutput),
}
