"""API for live updates: a websocket ticket for clients that authenticate with a token."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case
from directory.permissions import IsStaffMember
from notifications import selectors
from notifications.services.tickets import ticket_issue


class TicketApi(APIView):
    class TicketOutput(serializers.Serializer[Any]):
        ticket = serializers.CharField(help_text="Pass as /ws/live/?ticket=…; valid once, for a short time.")
        expires_at = serializers.DateTimeField()
        url = serializers.CharField(help_text="The websocket path to connect to.")

    @extend_schema(request=None, responses={201: TicketOutput}, operation_id="live_ticket_create")
    def post(self, request: Request) -> Response:
        ticket, expires_at = ticket_issue(user=request.user)
        payload = {"ticket": ticket, "expires_at": expires_at, "url": f"/ws/live/?ticket={ticket}"}
        return Response(self.TicketOutput(payload).data, status=status.HTTP_201_CREATED)


class EscalationListApi(generics.ListAPIView[Case]):
    """The bureau queue: overdue cases the deadline watch has escalated, oldest deadline first."""

    permission_classes = [IsStaffMember]

    class EscalationOutput(serializers.ModelSerializer[Case]):
        town = serializers.CharField(source="town.name", default=None)
        state = serializers.CharField()

        class Meta:
            model = Case
            fields = ["reference", "state", "category", "town", "due_date", "due_date_estimated"]

    serializer_class = EscalationOutput
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.escalations_for(self.request.user)
