"""Working days on the Chinese calendar, from the holiday table administrators keep.

The table is seeded from chinesecalendar, which knows only the years the State Council has
published. For a year not in the table the calendar assumes Monday–Friday and says so, so a
deadline that reaches into next year is computed (and marked as an estimate) instead of crashing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cases.models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)

_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Deadline:
    date: date
    estimated: bool  # True when a year without a published schedule was crossed


class WorkCalendar:
    def __init__(self, exceptions: dict[date, bool], known_years: frozenset[int]) -> None:
        self.exceptions = exceptions
        self.known_years = known_years

    def is_workday(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_workdays(self, start: date, workdays: int) -> Deadline:
        """The day on which ``workdays`` full working days after ``start`` have passed."""
        day = start
        remaining = workdays
        estimated = start.year not in self.known_years
        while remaining > 0:
            day += timedelta(days=1)
            estimated = estimated or day.year not in self.known_years
            if self.is_workday(day):
                remaining -= 1
        if estimated:
            logger.warning("No holiday schedule for %s; deadline %s assumes Monday–Friday.", day.year, day)
        return Deadline(day, estimated)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(1 for offset in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=offset)))


class _CalendarCache:
    """The calendar from the table, kept in the process for a few minutes and dropped on edits."""

    def __init__(self) -> None:
        self.loaded_at = 0.0
        self.calendar: WorkCalendar | None = None

    def get(self) -> WorkCalendar:
        if self.calendar is None or time.monotonic() - self.loaded_at > _CACHE_SECONDS:
            exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
            known = frozenset(CalendarYear.objects.values_list("year", flat=True))
            self.calendar, self.loaded_at = WorkCalendar(exceptions, known), time.monotonic()
        return self.calendar

    def clear(self, **_: object) -> None:
        self.calendar = None
        # Also after the transaction ends, so a rolled-back edit is not what the cache keeps.
        transaction.on_commit(self.forget)

    def forget(self) -> None:
        self.calendar = None


calendar_cache = _CalendarCache()
calendar = calendar_cache.get

for _model in (CalendarDay, CalendarYear):
    post_save.connect(calendar_cache.clear, sender=_model, dispatch_uid=f"workdays-{_model.__name__}-save")
    post_delete.connect(calendar_cache.clear, sender=_model, dispatch_uid=f"workdays-{_model.__name__}-delete")
