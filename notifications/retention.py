"""Retention: texts to a reporter whose identity is erased keep their wording, not the number."""

from __future__ import annotations

from notifications.models import OutboundMessage


def erase_recipients(reporter_ids: list[int]) -> int:
    """Registered with ``cases.retention.subscribe``; returns messages changed."""
    return OutboundMessage.objects.filter(reporter__in=reporter_ids).exclude(to="").update(to="")
