"""Intake records in the admin: read-only, and never the stored replies (they can carry receipts)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.models import Open311Client, RemoteMedia, TwilioDelivery


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TwilioDelivery)
class TwilioDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["sid", "kind", "case", "created_at"]
    list_filter = ["kind"]
    fields = ["sid", "kind", "case", "created_at"]
    search_fields = ["sid"]


@admin.register(RemoteMedia)
class RemoteMediaAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "source", "status", "attempts", "transcript_status", "created_at"]
    list_filter = ["status", "source", "transcript_status"]
    fields = [
        "case",
        "source",
        "status",
        "attempts",
        "last_error",
        "recording_sid",
        "duration_seconds",
        "transcript_status",
        "attachment",
        "created_at",
    ]


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin[Open311Client]):
    """Keys are issued with ``manage.py open311_client_create``; here they can only be switched off."""

    list_display = ["name", "active", "created_at"]
    fields = ["name", "active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
