"""Django admin for cases: a window onto the services, never around them.

Cases change only through transition actions that call ``cases.services`` (so role checks,
conditions, 409s and the ``CaseEvent`` apply); events and identity accesses are read-only;
reporters appear masked only. Administrators maintain the working-day calendar here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import actions, selectors
from cases.models import CalendarDay, CalendarYear, Case, CaseEvent, IdentityAccess, Reporter
from cases.models.reporter import phone_index
from cases.models.states import OPEN_STATES
from cases.phones import normalize_phone
from config.crypto import mask_identifier, mask_name, mask_phone
from config.errors import ApplicationError
from directory.access import access_for
from directory.models import Role


def masked_contact(reporter: Reporter) -> str:
    if reporter.anonymous and not reporter.phone:
        return gettext("anonymous")
    return " · ".join(part for part in (mask_name(reporter.name), mask_phone(reporter.phone)) if part) or "—"


# --- transitions as admin actions -----------------------------------------------------------


def _refusal(case: Case, error: ApplicationError) -> str:
    details = "; ".join(f"{name}: {' '.join(str(m) for m in problems)}" for name, problems in error.fields.items())
    return f"{case.reference}: {error.message}" + (f" ({details})" if details else "")


def _apply(action: actions.CaseAction, request: HttpRequest, cases: QuerySet[Case], given: dict[str, Any]) -> None:
    done = []
    for case in cases:
        try:
            action.run(Case.objects.get(pk=case.pk), request.user, given)
        except ApplicationError as error:
            messages.error(request, _refusal(case, error))
        else:
            done.append(case.reference)
    if done:
        messages.success(
            request,
            gettext("%(action)s: done for %(cases)s.") % {"action": action.label, "cases": ", ".join(done)},
        )


def transition_action(action: actions.CaseAction) -> Callable[..., HttpResponse | None]:
    def run(modeladmin: CaseAdmin, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse | None:
        form = action.form(request.POST if "apply" in request.POST else None)
        if not form.fields:
            _apply(action, request, queryset, {})
            return None
        if form.is_bound and form.is_valid():
            _apply(action, request, queryset, form.cleaned_data)
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
        allowed = [] if case is None else actions.offered(case, request.user)
        context = {**(extra_context or {}), "transition_actions": [(f"transition_{a.name}", a.label) for a in allowed]}
        return super().change_view(request, object_id, form_url, context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Only the transitions the user's roles could make somewhere, so the menu matches their job."""
        menu = super().get_actions(request)
        access = access_for(request.user)
        towns = [None, *access.town_ids]
        for action in actions.ACTIONS:
            if any(action.role_may(Case(town_id=town), request.user) for town in towns):
                run = transition_action(action)
                # Lazy labels and actions that answer with a form page are both fine for the admin.
                menu[run.__name__] = (run, run.__name__, action.label)  # type: ignore[assignment]
        return menu


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
