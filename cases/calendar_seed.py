"""Fill the working-day table from chinesecalendar (the years the State Council has published)."""

from __future__ import annotations

from typing import Any

import chinese_calendar


def seed(day_model: Any, year_model: Any) -> int:
    """Add the exceptions to Monday–Friday for every year the package knows; existing rows stay."""
    known = set(day_model.objects.values_list("date", flat=True))
    rows = [
        day_model(date=day, is_workday=False, name=name)
        for day, name in chinese_calendar.holidays.items()
        if day.weekday() < 5 and day not in known
    ] + [
        day_model(date=day, is_workday=True, name=name)
        for day, name in chinese_calendar.workdays.items()
        if day.weekday() >= 5 and day not in known
    ]
    day_model.objects.bulk_create(rows)
    years = {day.year for day in chinese_calendar.holidays}
    for year in sorted(years):
        year_model.objects.get_or_create(year=year, defaults={"source": "chinesecalendar"})
    return len(rows)
