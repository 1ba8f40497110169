"""Output shapes of the staff API. Reporter contact details only ever leave masked here."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cases.models import Case, CaseEvent, Reporter
from cases.services.deadlines import overdue_workdays
from config.crypto import mask_name, mask_phone
from directory.models import Town


class ReporterMaskedOutput(serializers.ModelSerializer[Reporter]):
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Reporter
        fields = ["id", "anonymous", "name", "phone", "language"]

    def get_name(self, reporter: Reporter) -> str:
        return mask_name(reporter.name)

    def get_phone(self, reporter: Reporter) -> str:
        return mask_phone(reporter.phone)


class ReporterRevealedOutput(serializers.ModelSerializer[Reporter]):
    class Meta:
        model = Reporter
        fields = ["id", "anonymous", "name", "phone", "email", "id_number", "language"]


class CaseEventOutput(serializers.ModelSerializer[CaseEvent]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "name",
            "actor",
            "from_state",
            "to_state",
            "reason",
            "text",
            "changes",
            "public",
            "reply_to",
            "created_at",
        ]

    def get_actor(self, event: CaseEvent) -> str | None:
        return event.actor.get_username() if event.actor else None


class CaseListOutput(serializers.ModelSerializer[Case]):
    town: serializers.SlugRelatedField[Town] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    suggested_town: serializers.SlugRelatedField[Town] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference",
            "state",
            "channel",
            "category",
            "town",
            "suggested_town",
            "enterprise",
            "enterprise_name",
            "created_at",
            "due_date",
            "due_date_estimated",
            "overdue",
        ]

    def get_overdue(self, case: Case) -> bool:
        today = self.context.get("today")
        return case.due_date is not None and today is not None and case.due_date < today


class CaseDetailOutput(CaseListOutput):
    reporter = ReporterMaskedOutput(read_only=True)
    merged_into: serializers.SlugRelatedField[Case] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    overdue_workdays = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListOutput.Meta):
        fields = [
            *CaseListOutput.Meta.fields,
            "description",
            "address",
            "reporter",
            "merged_into",
            "referred_to",
            "decision_reason",
            "accepted_at",
            "closed_at",
            "feedback_at",
            "extension_workdays",
            "extension_reason",
            "overdue_workdays",
            "substantiated",
            "hazard_level",
            "illegal_acts",
            "fine_amount",
            "rectification",
            "concealed_deaths",
            "accident_grade",
            "findings_summary",
            "result_for_reporter",
            "timeline",
            "allowed_actions",
        ]

    def get_overdue_workdays(self, case: Case) -> int:
        return overdue_workdays(case, self.context.get("today"))

    def get_timeline(self, case: Case) -> list[dict[str, Any]]:
        return CaseEventOutput(self.context["timeline"], many=True).data  # type: ignore[return-value]

    def get_allowed_actions(self, case: Case) -> list[str]:
        user = self.context["request"].user
        transitions = case.get_available_user_state_transitions(user)  # type: ignore[attr-defined]  # added by FSMField
        return sorted(t.name for t in transitions)
