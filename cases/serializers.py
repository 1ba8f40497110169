"""Shapes of the staff API: what its case actions take, and what it answers.

Reporter contact details only ever leave masked here, except through the audited reveal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import AccidentGrade, Case, CaseEvent, HazardLevel, Reporter
from cases.services.deadlines import overdue_workdays
from config.crypto import mask_name, mask_phone
from directory.models import Town

# --- inputs of the case actions ---------------------------------------------------------------
# The labels and the textarea style also shape the admin's and the case page's forms
# (cases.actions builds those forms from these serializers).

TEXTAREA = {"base_template": "textarea.html"}


class ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(
        label=_("Reason"), required=False, allow_blank=True, max_length=2000, default="", style=TEXTAREA
    )


class RequiredReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(label=_("Reason"), max_length=2000, style=TEXTAREA)


class NoInput(serializers.Serializer[Any]):
    pass


class ReferInput(RequiredReasonInput):
    agency = serializers.CharField(label=_("Agency the case is referred to"), max_length=200)


class MergeInput(ReasonInput):
    into = serializers.CharField(
        label=_("Reference of the surviving case"), max_length=12, help_text="Reference of the surviving case."
    )


class AssignInput(ReasonInput):
    town = serializers.PrimaryKeyRelatedField(label=_("Town"), queryset=Town.objects.all())


class CloseInput(serializers.Serializer[Any]):
    result_for_reporter = serializers.CharField(
        label=_("Result told to the reporter"),
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        style=TEXTAREA,
    )


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


# --- answers ------------------------------------------------------------------------------------


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
        return self.context["allowed_actions"]  # type: ignore[no-any-return]
