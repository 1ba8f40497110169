"""The case transitions, once: name, label, service, input and who may — for every interface.

The staff API, the admin and the case page offer, validate and run the moves of a case from this
table, so a transition cannot be added to one of them and forgotten in another. Who may make a
move is the model's business (django-fsm-2 permissions and conditions from ``cases.rules``); this
module only asks it. The services check everything again when the move is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm
from rest_framework import serializers

from cases import selectors, services
from cases.models import Case
from cases.serializers import (
    AssignInput,
    CloseInput,
    MergeInput,
    NoInput,
    ReasonInput,
    ReferInput,
    RequiredReasonInput,
)

Input = type[serializers.Serializer[Any]]


def _form_field(field: serializers.Field[Any, Any, Any, Any]) -> forms.Field:
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return forms.ModelChoiceField(queryset=field.get_queryset(), label=field.label, required=field.required)
    if isinstance(field, serializers.CharField):
        widget = forms.Textarea(attrs={"rows": 3}) if field.style.get("base_template") == "textarea.html" else None
        return forms.CharField(label=field.label, required=field.required, max_length=field.max_length, widget=widget)
    raise TypeError(f"no form field for {type(field).__name__} {field.field_name}")


@cache
def _form_class(given: Input) -> type[forms.Form]:
    """The HTML form of an action's input: the serializer's fields, labels and limits."""
    fields = {name: _form_field(field) for name, field in given().fields.items()}
    return type(f"{given.__name__}Form", (forms.Form,), fields)


@dataclass(frozen=True)
class CaseAction:
    name: str  # the transition method on Case
    label: Promise
    service: Callable[..., Case]  # called as service(case=…, by=…, **input)
    input: Input = NoInput
    # The transition's conditions check what the input supplies (a town, an agency, the surviving
    # case), so they cannot hold before it is given: the move is offered on role and state alone.
    input_meets_conditions: bool = False
    # Turns the validated input into the service's arguments where they differ.
    resolve: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None

    @property
    def slug(self) -> str:
        """The action's path segment in the staff API."""
        return self.name.replace("_", "-")

    def form(self, *args: Any, **kwargs: Any) -> forms.Form:
        return _form_class(self.input)(*args, **kwargs)

    def run(self, case: Case, by: Any, given: dict[str, Any]) -> Case:
        arguments = self.resolve(by, given) if self.resolve else given
        return self.service(case=case, by=by, **arguments)

    def may_run(self, case: Case, user: Any) -> bool:
        """May ``user`` make this move on ``case`` now (role, state and the conditions it cannot supply)?"""
        move = getattr(case, self.name)
        if not self.input_meets_conditions:
            return has_transition_perm(move, user)
        return can_proceed(move, check_conditions=False) and move._django_fsm.has_transition_perm(
            case, case.state, user
        )

    def role_may(self, case: Case, user: Any) -> bool:
        """Could ``user`` make this move on ``case`` in some state: the role alone."""
        transitions = getattr(Case, self.name)._django_fsm.transitions.values()
        return any(transition.has_perm(case, user) for transition in transitions)


def _survivor(by: Any, given: dict[str, Any]) -> dict[str, Any]:
    return {**given, "into": selectors.case_get(by, given["into"].strip().upper())}


ACTIONS: tuple[CaseAction, ...] = (
    CaseAction("accept", _("Accept"), services.case_accept, ReasonInput),
    CaseAction("reject", _("Reject"), services.case_reject, RequiredReasonInput),
    CaseAction("refer", _("Refer to another agency"), services.case_refer, ReferInput, input_meets_conditions=True),
    CaseAction(
        "merge",
        _("Merge into another case"),
        services.case_merge,
        MergeInput,
        input_meets_conditions=True,
        resolve=_survivor,
    ),
    CaseAction("assign", _("Assign to a town"), services.case_assign, AssignInput, input_meets_conditions=True),
    CaseAction("return_to_bureau", _("Return to the bureau"), services.case_return_to_bureau, RequiredReasonInput),
    CaseAction("start", _("Start investigating"), services.case_start),
    CaseAction("submit", _("Submit for review"), services.case_submit),
    CaseAction("return_to_officer", _("Return to the officer"), services.case_return_to_officer, RequiredReasonInput),
    CaseAction("close", _("Close the case"), services.case_close, CloseInput),
    CaseAction("reopen", _("Reopen"), services.case_reopen, RequiredReasonInput),
)


def offered(case: Case, user: Any) -> list[CaseAction]:
    """The moves ``user`` may make on ``case`` now, in the table's order."""
    return [action for action in ACTIONS if action.may_run(case, user)]
