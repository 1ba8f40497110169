"""The outbox in the admin: what was sent to whom (masked), its delivery state, and the sandbox."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notifications.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin[OutboundMessage]):
    list_display = ["id", "created_at", "channel", "recipient", "purpose", "case", "status", "sandbox", "attempts"]
    list_filter = ["status", "channel", "sandbox", "purpose"]
    search_fields = ["case__reference", "provider_sid"]
    # ``to`` is never shown in clear here: the reporter's number appears masked only.
    fields = readonly_fields = (
        "channel",
        "recipient",
        "subject",
        "body",
        "purpose",
        "case",
        "status",
        "sandbox",
        "provider_sid",
        "attempts",
        "last_error",
        "created_at",
        "updated_at",
        "sent_at",
    )
    list_select_related = ["case"]

    @admin.display(description=_("recipient"))
    def recipient(self, message: OutboundMessage) -> str:
        return message.masked_to

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
