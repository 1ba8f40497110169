"""Administrators edit the policy (new versions) and budgets here; rewards and the ledger are read-only:
they change only through the services, which keep maker-checker and the ledger honest."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rewards.models import Budget, LedgerEntry, Reward, RewardPolicy


@admin.register(RewardPolicy)
class RewardPolicyAdmin(admin.ModelAdmin[RewardPolicy]):
    list_display = [
        "version",
        "effective_from",
        "ordinary_amount",
        "major_rate",
        "major_minimum",
        "major_maximum",
        "claim_window_days",
        "second_approval_above",
    ]
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: RewardPolicy | None = None) -> bool:
        # A version that has judged rewards is history: add a new version instead.
        return super().has_change_permission(request, obj) and not (obj is not None and obj.in_use)

    def has_delete_permission(self, request: HttpRequest, obj: RewardPolicy | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.in_use)

    def save_model(self, request: HttpRequest, obj: RewardPolicy, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin[Budget]):
    list_display = ["year", "town", "amount"]
    list_filter = ["year"]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "town", "basis", "amount", "state", "created_at"]
    list_filter = ["state", "basis", "town"]
    list_select_related = ["case", "town"]
    exclude = ["reporter"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "reward", "kind", "amount", "town", "year", "value_date", "created_at"]
    list_filter = ["kind", "year", "town"]
