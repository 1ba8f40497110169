"""Forms of the staff pages: they parse and validate; the services decide and write.

Choice fields are the guard against tampered input: a town, enterprise or state that is not
among the offered choices is refused with the field's own message before any service runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.actions import CaseAction
from cases.models import AccidentGrade, Category, Channel, HazardLevel
from cases.models.states import TOWN_VISIBLE_STATES, State
from cases.phones import normalize_phone
from directory.models import Enterprise, Town

TEXT_LIMIT = 5000

# Reasons the desk gives most often; a typed reason wins over the chosen template.
REASON_TEMPLATES = [
    ("", _("— write your own —")),
    ("not_safety", _("Not a work-safety matter.")),
    ("no_detail", _("Not enough detail to act on; the reporter cannot be reached.")),
    ("handled", _("Already being handled under another report.")),
    ("other_agency", _("Belongs to another agency's remit.")),
    ("outside", _("Outside this district.")),
]


class DecisionForm(forms.Form):
    """The desk's decision on a received case: one of ``moves`` (accept, reject, refer), with a ready reason.

    The fields a move takes (reason, agency) are the move's own from ``cases.actions``, shown once
    each; whether one is needed depends on the decision, so the chosen move's form checks them.
    """

    action = forms.ChoiceField(label=_("Decision"))
    reason_template = forms.ChoiceField(label=_("Reason template"), choices=REASON_TEMPLATES, required=False)

    def __init__(self, *args: Any, moves: Sequence[CaseAction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.moves = moves
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [(move.name, move.label) for move in moves]
        for move in moves:
            for name, field in move.form().fields.items():
                if name not in self.fields:
                    field.required = False
                    self.fields[name] = field

    def given(self) -> dict[str, Any]:
        """The posted input for the chosen move; the template's text when no reason was typed."""
        given = dict(self.data.items())
        template = self.cleaned_data["reason_template"]
        if template and not str(given.get("reason", "")).strip():
            given["reason"] = str(dict(REASON_TEMPLATES)[template])
        return given


class TriageForm(forms.Form):
    """Desk corrections: the (transcribed) text, category, address, enterprise and suggested town."""

    description = forms.CharField(label=_("Description / transcript"), max_length=TEXT_LIMIT, widget=forms.Textarea)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.all(), required=False)
    suggested_town = forms.ModelChoiceField(label=_("Suggested town"), queryset=Town.objects.all(), required=False)


STAFF_ENTRY_CHANNELS = [
    (Channel.LETTER.value, Channel.LETTER.label),
    (Channel.VISIT.value, Channel.VISIT.label),
    (Channel.OPERATOR_CALL.value, Channel.OPERATOR_CALL.label),
]


class StaffEntryForm(TriageForm):
    """A letter, visit or call entered on the reporter's behalf."""

    channel = forms.ChoiceField(label=_("Received by"), choices=STAFF_ENTRY_CHANNELS)
    anonymous = forms.BooleanField(label=_("The reporter wants to stay anonymous"), required=False)
    name = forms.CharField(label=_("Reporter's name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Reporter's phone"), max_length=32, required=False)
    field_order = [
        "channel",
        "anonymous",
        "name",
        "phone",
        "category",
        "description",
        "address",
        "enterprise",
        "suggested_town",
    ]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return normalize_phone(phone) if phone else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anonymous") and data.get("name"):
            self.add_error("name", _("An anonymous report has no name; clear it or untick anonymous."))
        return data


YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class FindingsForm(forms.Form):
    substantiated = forms.TypedChoiceField(
        label=_("Substantiated"), choices=YES_NO, coerce=lambda v: v == "yes", empty_value=None
    )
    hazard_level = forms.ChoiceField(label=_("Hazard level"), choices=[("", "—"), *HazardLevel.choices], required=False)
    illegal_acts = forms.CharField(
        label=_("Illegal acts found"), max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fine_amount = forms.DecimalField(label=_("Fine (yuan)"), min_value=0, max_digits=12, decimal_places=2, initial=0)
    rectification = forms.CharField(
        label=_("Rectification"), max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    concealed_deaths = forms.IntegerField(label=_("Concealed deaths"), min_value=0, max_value=1000, initial=0)
    accident_grade = forms.ChoiceField(
        label=_("Accident grade"), choices=[("", "—"), *AccidentGrade.choices], required=False
    )
    findings_summary = forms.CharField(
        label=_("Findings"), max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    result_for_reporter = forms.CharField(
        label=_("Result told to the reporter"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("substantiated") is None and "substantiated" not in self.errors:
            self.add_error("substantiated", _("Say whether the report is substantiated."))
        if data.get("substantiated") and not data.get("hazard_level"):
            self.add_error("hazard_level", _("A substantiated report needs a hazard level."))
        return data


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Visible to the reporter"), required=False)


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question to the reporter"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the reporter's identity?"), max_length=1000, min_length=4)


INBOX_SORTS = [
    ("due", _("Deadline, soonest first")),
    ("-due", _("Deadline, latest first")),
    ("-received", _("Newest first")),
]


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All open")), *[(s.value, s.label) for s in State if s in TOWN_VISIBLE_STATES]],
    )
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=INBOX_SORTS, required=False)

    def __init__(self, *args: Any, town_ids: set[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enterprises = Enterprise.objects.order_by("name")
        field = self.fields["enterprise"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = enterprises.filter(town__in=town_ids) if town_ids is not None else enterprises
        # The options from one plain query: the model field's own iterator opens a server-side cursor.
        field.choices = [("", field.empty_label), *field.queryset.values_list("pk", "name")]


class DashboardFilterForm(forms.Form):
    """``towns``: (id, name) of every town, read once by the dashboard for the choices and its rows."""

    start = forms.DateField(
        label=_("Received from"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label=_("Received until"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    town = forms.TypedChoiceField(label=_("Town"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, towns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["town"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All towns")), *towns]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("The start of the period is after its end."))
        return data
