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

from cases import actions, selectors, services
from cases.filters import CaseFilter
from cases.models import Case
from cases.serializers import (
    CaseDetailOutput,
    CaseEventOutput,
    CaseListOutput,
    ExtendInput,
    FindingsInput,
    NoteInput,
    QuestionInput,
    ReporterRevealedOutput,
    RequiredReasonInput,
)
from directory.permissions import IsStaffMember


def detail_response(request: Request, case: Case) -> Response:
    context = {
        "request": request,
        "today": timezone.localdate(),
        "timeline": selectors.case_timeline(case),
        "allowed_actions": sorted(action.name for action in actions.offered(case, request.user)),
    }
    return Response(CaseDetailOutput(case, context=context).data)


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


class CaseActionApi(APIView):
    """POST one action on one case: validate the input, call the service, answer with the case."""

    permission_classes = [IsStaffMember]
    input_serializer: ClassVar[type[serializers.Serializer[Any]]]
    service: ClassVar[Any]  # called as service(case=…, by=…, **input)

    def act(self, case: Case, user: Any, given: dict[str, Any]) -> Any:
        return type(self).service(case=case, by=user, **given)

    def respond(self, request: Request, result: Any) -> Response:
        # The case as the action left it: a town that returned it to the bureau no longer sees it.
        return detail_response(request, result)

    def post(self, request: Request, reference: str) -> Response:
        case = selectors.case_get(request.user, reference)
        given = self.input_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self.respond(request, self.act(case, request.user, given.validated_data))


class TransitionApi(CaseActionApi):
    """A move in the case's lifecycle (docs/case-lifecycle.md): validate, make it, answer with the case."""

    case_action: ClassVar[actions.CaseAction]  # from the registry in cases.actions

    def act(self, case: Case, user: Any, given: dict[str, Any]) -> Any:
        return self.case_action.run(case, user, given)


class CaseEventCreateApi(CaseActionApi):
    """Actions that add a timeline entry answer with that entry."""

    def respond(self, request: Request, result: Any) -> Response:
        return Response(CaseEventOutput(result).data, status=status.HTTP_201_CREATED)


class RevealApi(CaseActionApi):
    """The reporter's identity in clear: needs a role and a reason, and leaves an audit record."""

    def respond(self, request: Request, result: Any) -> Response:
        return Response(ReporterRevealedOutput(result).data)


def action_api(
    base: type[CaseActionApi],
    service: Any,
    input_serializer: type[serializers.Serializer[Any]],
    response: Any = CaseDetailOutput,
    **attributes: Any,
) -> type[CaseActionApi]:
    name = "".join(part.title() for part in service.__name__.split("_")) + "Api"
    body = {"service": staticmethod(service), "input_serializer": input_serializer, **attributes}
    view = type(name, (base,), body)
    schema = extend_schema(request=input_serializer, responses=response, operation_id=service.__name__)
    return extend_schema_view(post=schema)(view)


EVENT = {201: CaseEventOutput}
ACTIONS: dict[str, type[CaseActionApi]] = {
    **{
        action.slug: action_api(TransitionApi, action.service, action.input, case_action=action)
        for action in actions.ACTIONS
    },
    "extend": action_api(CaseActionApi, services.case_extend, ExtendInput),
    "findings": action_api(CaseActionApi, services.case_findings_record, FindingsInput),
    "notes": action_api(CaseEventCreateApi, services.case_note_add, NoteInput, EVENT),
    "questions": action_api(CaseEventCreateApi, services.case_question_ask, QuestionInput, EVENT),
    "reveal": action_api(RevealApi, services.reporter_reveal, RequiredReasonInput, ReporterRevealedOutput),
}
