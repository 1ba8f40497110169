"""Django admin for cases: a window onto the services, never around them.

Cases change only through transition actions that call ``cases.services`` (so role checks,
conditions, 409s and the ``CaseEvent`` apply); events and identity accesses are read-only;
reporters appear masked only. Administrators maintain the working-day calendar here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import selectors, services
from cases.models import CalendarDay, CalendarYear, Case, CaseEvent, IdentityAccess, Reporter
from cases.models.reporter import phone_index
from cases.models.states import OPEN_STATES
from cases.phones import normalize_phone
from config.crypto import mask_identifier, mask_name, mask_phone
from config.errors import ApplicationError
from directory.access import access_for
from directory.models import Role, Town


def masked_contact(reporter: Reporter) -> str:
    if reporter.anonymous and not reporter.phone:
        return gettext("anonymous")
    return " · ".join(part for part in (mask_name(reporter.name), mask_phone(reporter.phone)) if part) or "—"


# --- transitions as admin actions -----------------------------------------------------------


class TransitionForm(forms.Form):
    """What a transition needs besides the case; each action keeps only the fields it uses."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    town = forms.ModelChoiceField(label=_("Town"), queryset=Town.objects.all())
    agency = forms.CharField(label=_("Agency the case is referred to"), max_length=200)
    into = forms.CharField(label=_("Reference of the surviving case"), max_length=12)
    result_for_reporter = forms.CharField(
        label=_("Result told to the reporter"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args: Any, required: tuple[str, ...], optional: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in required + optional:
                del self.fields[name]
            else:
                self.fields[name].required = name in required


@dataclass(frozen=True)
class TransitionAction:
    name: str
    label: Promise
    run: Callable[[Case, Any, dict[str, Any]], Case]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def needs_input(self) -> bool:
        return bool(self.required or self.optional)


def _merge(case: Case, by: Any, data: dict[str, Any]) -> Case:
    survivor = selectors.case_get(by, data["into"].strip().upper())
    return services.case_merge(case=case, into=survivor, by=by, reason=data.get("reason", ""))


TRANSITIONS = [
    TransitionAction(
        "accept",
        _("Accept"),
        lambda c, by, d: services.case_accept(case=c, by=by, reason=d["reason"]),
        optional=("reason",),
    ),
    TransitionAction(
        "reject",
        _("Reject"),
        lambda c, by, d: services.case_reject(case=c, by=by, reason=d["reason"]),
        required=("reason",),
    ),
    TransitionAction(
        "refer",
        _("Refer to another agency"),
        lambda c, by, d: services.case_refer(case=c, by=by, agency=d["agency"], reason=d["reason"]),
        required=("agency", "reason"),
    ),
    TransitionAction("merge", _("Merge into another case"), _merge, required=("into",), optional=("reason",)),
    TransitionAction(
        "assign",
        _("Assign to a town"),
        lambda c, by, d: services.case_assign(case=c, town=d["town"], by=by, reason=d["reason"]),
        required=("town",),
        optional=("reason",),
    ),
    TransitionAction(
        "return_to_bureau",
        _("Return to the bureau"),
        lambda c, by, d: services.case_return_to_bureau(case=c, by=by, reason=d["reason"]),
        required=("reason",),
    ),
    TransitionAction("start", _("Start the investigation"), lambda c, by, d: services.case_start(case=c, by=by)),
    TransitionAction("submit", _("Submit for review"), lambda c, by, d: services.case_submit(case=c, by=by)),
    TransitionAction(
        "return_to_officer",
        _("Return to the officer"),
        lambda c, by, d: services.case_return_to_officer(case=c, by=by, reason=d["reason"]),
        required=("reason",),
    ),
    TransitionAction(
        "close",
        _("Close"),
        lambda c, by, d: services.case_close(case=c, by=by, result_for_reporter=d["result_for_reporter"]),
        optional=("result_for_reporter",),
    ),
    TransitionAction(
        "reopen",
        _("Reopen"),
        lambda c, by, d: services.case_reopen(case=c, by=by, reason=d["reason"]),
        required=("reason",),
    ),
]


def may_make(case: Case, name: str, user: Any, *, any_state: bool = False) -> bool:
    """Role and state, not conditions: those (a town, a reason…) are what the action's form supplies."""
    transitions = Case._meta.get_field("state").get_all_transitions(Case)  # type: ignore[union-attr]
    return any(t.name == name and (any_state or t.source == case.state) and t.has_perm(case, user) for t in transitions)


def _refusal(case: Case, error: ApplicationError) -> str:
    details = "; ".join(f"{name}: {' '.join(str(m) for m in problems)}" for name, problems in error.fields.items())
    return f"{case.reference}: {error.message}" + (f" ({details})" if details else "")


def _apply(action: TransitionAction, request: HttpRequest, cases: QuerySet[Case], data: dict[str, Any]) -> None:
    done = []
    for case in cases:
        try:
            action.run(Case.objects.get(pk=case.pk), request.user, data)
        except ApplicationError as error:
            messages.error(request, _refusal(case, error))
        else:
            done.append(case.reference)
    if done:
        messages.success(
            request,
            gettext("%(action)s: done for %(cases)s.") % {"action": action.label, "cases": ", ".join(done)},
        )


def transition_action(action: TransitionAction) -> Callable[..., HttpResponse | None]:
    def run(modeladmin: CaseAdmin, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        if not action.needs_input:
            _apply(action, request, queryset, {})
            return None
        form_kwargs = {"required": action.required, "optional": action.optional}
        form = TransitionForm(request.POST if "apply" in request.POST else None, **form_kwargs)
        if form.is_bound and form.is_valid():
            data = {name: form.cleaned_data.get(name, "") for name in TransitionForm.base_fields}
            _apply(action, request, queryset, data)
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": action.label,
            "opts": modeladmin.model._meta,
            "action_name": f"transition_{action.name}",
            "cases": queryset,
            "form": form,
        }
        return TemplateResponse(request, "admin/cases/transition_form.html", context)

    run.__name__ = f"transition_{action.name}"
    run.short_description = action.label  # type: ignore[attr-defined]
    return run


# --- cases ----------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        overdue = {"state__in": list(OPEN_STATES), "due_date__lt": timezone.localdate()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    readonly_fields = ("created_at", "kind", "name", "actor", "from_state", "to_state", "reason", "text", "public")
    fields = readonly_fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "state",
        "channel",
        "category",
        "town",
        "enterprise",
        "reporter_contact",
        "due_date",
        "created_at",
    ]
    list_filter = ["state", OverdueFilter, "channel", "category", "town", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["reference", "enterprise_name", "enterprise__name", "enterprise__credit_code"]
    list_select_related = ["town", "enterprise", "reporter"]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "state",
                    "channel",
                    "category",
                    "description",
                    "address",
                    "enterprise",
                    "enterprise_name",
                    "town",
                    "suggested_town",
                    "assignee",
                    "reporter_contact",
                    "merged_into",
                    "referred_to",
                    "decision_reason",
                ]
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": [
                    "created_at",
                    "accepted_at",
                    "closed_at",
                    "feedback_at",
                    "due_date",
                    "due_date_estimated",
                    "extension_workdays",
                    "extension_reason",
                ]
            },
        ),
        (
            _("Findings"),
            {
                "fields": [
                    "substantiated",
                    "hazard_level",
                    "illegal_acts",
                    "fine_amount",
                    "rectification",
                    "concealed_deaths",
                    "accident_grade",
                    "findings_summary",
                    "result_for_reporter",
                ]
            },
        ),
    ]
    # Every field is read-only: changes go through the actions (services), which record events.
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]  # type: ignore[misc]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        cases = Case.objects.all() if request.user.is_superuser else selectors.cases_visible_to(request.user)
        return cases.select_related("town", "enterprise", "reporter", "suggested_town", "assignee", "merged_into")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports arrive through the intake channels and staff entry, which issue receipts

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a case is evidence; it ends rejected, referred, merged or closed, never deleted

    @admin.display(description=_("reporter"))
    def reporter_contact(self, case: Case) -> str:
        return masked_contact(case.reporter)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Offer the moves this user may make from the case's current state, as buttons to the actions."""
        case = self.get_object(request, object_id)
        allowed = (
            [] if case is None else [action for action in TRANSITIONS if may_make(case, action.name, request.user)]
        )
        context = {**(extra_context or {}), "transition_actions": [(f"transition_{a.name}", a.label) for a in allowed]}
        return super().change_view(request, object_id, form_url, context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Only the transitions the user's roles could make somewhere, so the menu matches their job."""
        actions = super().get_actions(request)
        access = access_for(request.user)
        towns = [None, *access.town_ids]
        for action in TRANSITIONS:
            if any(may_make(Case(town_id=town), action.name, request.user, any_state=True) for town in towns):
                run = transition_action(action)
                # Lazy labels and actions that answer with a form page are both fine for the admin.
                actions[run.__name__] = (run, run.__name__, action.label)  # type: ignore[assignment]
        return actions


# --- reporters, events, identity accesses ---------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit rows and personal data: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reporter)
class ReporterAdmin(ReadOnlyAdmin):
    """Masked only; a full reveal goes through the audited ``reporter_reveal`` service."""

    list_display = ["__str__", "masked_name", "masked_phone", "anonymous", "language", "sms_opt_out", "created_at"]
    list_filter = ["anonymous", "language", "sms_opt_out"]
    readonly_fields = (
        "masked_name",
        "masked_phone",
        "masked_email",
        "masked_id_number",
        "anonymous",
        "language",
        "sms_opt_out",
        "created_at",
    )
    fields = readonly_fields
    search_fields = ["phone_index"]
    search_help_text = _("Search by the full phone number; it is matched by its index, never stored in clear.")

    @admin.display(description=_("name"))
    def masked_name(self, reporter: Reporter) -> str:
        return mask_name(reporter.name)

    @admin.display(description=_("phone"))
    def masked_phone(self, reporter: Reporter) -> str:
        return mask_phone(reporter.phone)

    @admin.display(description=_("e-mail"))
    def masked_email(self, reporter: Reporter) -> str:
        local, _at, domain = reporter.email.partition("@")
        return f"{mask_name(local)}@{domain}" if domain else mask_name(local)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, reporter: Reporter) -> str:
        return mask_identifier(reporter.id_number)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Reporter], search_term: str
    ) -> tuple[QuerySet[Reporter], bool]:
        if not search_term.strip():
            return queryset, False
        try:
            number = normalize_phone(search_term)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
            return queryset.none(), False
        return queryset.filter(phone_index=phone_index(number)), False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "kind", "name", "actor", "from_state", "to_state", "public", "created_at"]
    list_filter = ["kind", "public", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["case__reference", "name"]
    list_select_related = ["case", "actor"]
    readonly_fields = ("created_at",)  # without change permission every other field shows read-only


@admin.register(IdentityAccess)
class IdentityAccessAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "reporter", "case", "purpose", "created_at"]
    list_filter = ["purpose", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user", "reporter", "case"]
    readonly_fields = ("created_at",)  # without change permission every other field shows read-only


# --- working-day calendar ---------------------------------------------------------------------


class AdministratorsEdit(admin.ModelAdmin):
    """Staff may look; only administrators change the calendar that deadlines are counted on."""

    def _is_administrator(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or access_for(request.user).has_bureau_role(Role.ADMINISTRATOR)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._is_administrator(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_administrator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_administrator(request) and super().has_delete_permission(request, obj)


@admin.register(CalendarDay)
class CalendarDayAdmin(AdministratorsEdit):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(AdministratorsEdit):
    list_display = ["year", "source"]
