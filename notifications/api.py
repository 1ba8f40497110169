"""API for live updates: a websocket ticket for clients that authenticate with a token."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.services.tickets import ticket_issue


class TicketApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        ticket = serializers.CharField(help_text="Pass as /ws/live/?ticket=…; valid once, for a short time.")
        expires_at = serializers.DateTimeField()
        url = serializers.CharField(help_text="The websocket path to connect to.")

    @extend_schema(request=None, responses={201: OutputSerializer}, operation_id="live_ticket_create")
    def post(self, request: Request) -> Response:
        ticket, expires_at = ticket_issue(user=request.user)
        payload = {"ticket": ticket, "expires_at": expires_at, "url": f"/ws/live/?ticket={ticket}"}
        return Response(self.OutputSerializer(payload).data, status=status.HTTP_201_CREATED)
