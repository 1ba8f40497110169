"""Retention: what the door kept about a reporter whose identity is erased (their number's hash)."""

from __future__ import annotations

from django.db.models import Q

from cases.models import Case
from hotline.models import InboundReport


def erase_senders(reporter_ids: list[int]) -> int:
    """Registered with ``cases.retention.subscribe``; returns inbound rows changed."""
    cases = Case.objects.filter(Q(reporter__in=reporter_ids) | Q(linked_reporters__reporter__in=reporter_ids))
    rows = InboundReport.objects.filter(Q(case__in=cases) | Q(join_case__in=cases))
    return rows.exclude(sender_index="", payload="").update(sender_index="", payload="")
