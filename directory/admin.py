"""Django admin for the directory: towns, villages, parks, the enterprise register and staff roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField
from directory.models import HIGH_RISK_INDUSTRIES, Enterprise, Membership, Park, StaffIdentity, Town, Village


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "ivr_digit", "duty_phone", "sms_keywords"]
    search_fields = ["code", "name", "name_en"]
    prepopulated_fields = {"code": ["name_en"]}


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "town"]
    list_filter = ["town"]
    search_fields = ["name"]
    list_select_related = ["town"]


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ["name", "town"]
    list_filter = ["town"]
    search_fields = ["name"]
    list_select_related = ["town"]


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "address",
            "town",
            "park",
            "industry",
            "safety_grade",
            "safety_manager_name",
            "safety_manager_id_number",
            "safety_manager_phone",
        ]
        widgets = {
            "safety_manager_name": forms.TextInput,
            "safety_manager_id_number": forms.TextInput,
            "safety_manager_phone": forms.TextInput,
        }

    def clean_credit_code(self) -> str:
        # The register prints codes in capitals; store them so, so lookups and uniqueness agree.
        return str(self.cleaned_data["credit_code"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        park, town = cleaned.get("park"), cleaned.get("town")
        if park is not None and town is not None and park.town_id != town.pk:
            self.add_error("park", _("This park lies in another town."))
        return cleaned


class HighRiskFilter(admin.SimpleListFilter):
    title = _("high-risk industry")
    parameter_name = "high_risk"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
        high_risk = [str(industry) for industry in HIGH_RISK_INDUSTRIES]
        if self.value() == "yes":
            return queryset.filter(industry__in=high_risk)
        if self.value() == "no":
            return queryset.exclude(industry__in=high_risk)
        return queryset


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    form = EnterpriseForm
    list_display = ["name", "credit_code", "town", "park", "industry", "high_risk", "safety_grade"]
    list_filter = ["town", "industry", HighRiskFilter, "safety_grade", "park"]
    search_fields = ["name", "credit_code", "address"]
    list_select_related = ["town", "park"]
    autocomplete_fields = ["town", "park"]

    @admin.display(description=_("high risk"), boolean=True)
    def high_risk(self, enterprise: Enterprise) -> bool:
        return enterprise.high_risk


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "town"]
    list_filter = ["role", "town"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "town"]
    autocomplete_fields = ["user", "town"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "town"]
    verbose_name = _("role")
    verbose_name_plural = _("roles (town roles name their town; bureau roles none)")


class StaffIdentityInline(admin.StackedInline):
    model = StaffIdentity
    extra = 0
    max_num = 1
    fields = ["id_number", "phone"]
    formfield_overrides = {EncryptedTextField: {"widget": forms.TextInput}}
    verbose_name_plural = _("identity (staff have a duty to report and earn no reward)")


# Roles are edited where a person is: on their user page.
User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [MembershipInline, StaffIdentityInline]
