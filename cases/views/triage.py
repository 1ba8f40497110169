"""Reads of the triage desk: the queue in working order and the suggested duplicates of a case.

They stand on ``cases_visible_to`` so the desk never lists a case its user may not see.
"""

from __future__ import annotations

from datetime import timedelta
from difflib import SequenceMatcher
from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from cases.models import Case, Channel
from cases.models.states import OPEN_STATES, State
from cases.selectors import cases_visible_to

DUPLICATE_WINDOW_DAYS = 30
SIMILAR_TEXT_RATIO = 0.6
_TEXT_CANDIDATES = 300  # recent cases compared by text; keeps the page fast on a busy desk


def desk_queue(user: Any) -> QuerySet[Case]:
    """Received cases, SMS and voice first (they arrive without a form, so need a person), oldest first."""
    spoken_first = When_(
        When(channel__in=[Channel.SMS, Channel.VOICE], then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        cases_visible_to(user)
        .filter(state=State.RECEIVED)
        .select_related("suggested_town", "enterprise")
        .annotate(spoken_first=spoken_first)
        .order_by("spoken_first", "created_at")
    )


def awaiting_assignment(user: Any) -> QuerySet[Case]:
    return cases_visible_to(user).filter(state=State.ACCEPTED).select_related("suggested_town").order_by("due_date")


def _similar(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    return bool(a and b) and SequenceMatcher(None, a, b).ratio() >= SIMILAR_TEXT_RATIO


def suggested_duplicates(user: Any, case: Case, limit: int = 10) -> list[tuple[Case, list[str]]]:
    """Open cases of the last 30 days with the same enterprise, the same reporter number, or similar text."""
    since = timezone.now() - timedelta(days=DUPLICATE_WINDOW_DAYS)
    recent = (
        cases_visible_to(user)
        .filter(created_at__gte=since, state__in=OPEN_STATES)
        .exclude(pk=case.pk)
        .select_related("reporter", "enterprise")
        .order_by("-created_at")
    )
    by_link = Q(pk__in=[])
    if case.enterprise_id:
        by_link |= Q(enterprise_id=case.enterprise_id)
    phone_index = case.reporter.phone_index if case.reporter_id else ""
    if phone_index:
        by_link |= Q(reporter__phone_index=phone_index)
    found: dict[int, tuple[Case, list[str]]] = {}
    for other in recent.filter(by_link)[:limit]:
        reasons = []
        if case.enterprise_id and other.enterprise_id == case.enterprise_id:
            reasons.append("enterprise")
        if phone_index and other.reporter.phone_index == phone_index:
            reasons.append("phone")
        found[other.pk] = (other, reasons)
    for other in recent[:_TEXT_CANDIDATES]:
        if _similar(case.description, other.description):
            found.setdefault(other.pk, (other, []))[1].append("text")
    return sorted(found.values(), key=lambda item: -item[0].created_at.timestamp())[:limit]
