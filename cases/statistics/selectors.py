"""Reads for the dashboard and ``/stats/``: a few thousand pre-aggregated rows, never the case table.

"Overdue now" is the one live figure (it changes with the clock, not with events); it is an
index scan on ``case_town_state_due`` (town, state, due_date).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Case, State
from cases.models.states import OPEN_STATES
from cases.statistics.figures import NO_TOWN
from cases.statistics.models import BreakdownDayFigure, CloseDurationFigure, TownDayFigure
from directory.models import Town

# Cases taken on for handling: what a closure rate is measured against.
HANDLED_STATES = frozenset({State.ACCEPTED, State.ASSIGNED, State.INVESTIGATING, State.IN_REVIEW, State.CLOSED})
DECLINED_STATES = frozenset({State.REJECTED, State.REFERRED, State.MERGED})


@dataclass(frozen=True)
class Period:
    """Whole months of receipt: histograms and breakdowns are kept per month, so periods are too."""

    start: date  # first day of the first month, inclusive
    end: date  # last day of the last month, inclusive

    @classmethod
    def months(cls, first: date, last: date) -> Period:
        following = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
        return cls(start=first.replace(day=1), end=following - timedelta(days=1))


@dataclass
class TownFigures:
    town_id: int
    received: int = 0
    handled: int = 0
    declined: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue_now: int = 0
    durations: dict[int, int] = field(default_factory=dict)

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.handled if self.handled else None

    @property
    def on_time_rate(self) -> float | None:
        return self.closed_on_time / self.closed if self.closed else None

    @property
    def median_days(self) -> float | None:
        return percentile(self.durations, 0.5)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.durations, 0.9)


def percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """Exact percentile (nearest-rank; the mean of the two middle values for the median of an even count)."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def value_at(rank: int) -> int:  # rank is 1-based
        seen = 0
        for value, count in ordered:
            seen += count
            if seen >= rank:
                return value
        return ordered[-1][0]

    if fraction == 0.5 and total % 2 == 0:
        return (value_at(total // 2) + value_at(total // 2 + 1)) / 2
    return float(value_at(max(1, math.ceil(total * fraction))))


def _scope(rows: QuerySet, period: Period, town_ids: list[int] | None) -> QuerySet:
    rows = rows.filter(day__gte=period.start, day__lte=period.end)
    return rows.filter(town_id__in=town_ids) if town_ids else rows


def overdue_now(
    town_ids: list[int] | None = None, today: date | None = None, *, all_towns: list[int] | None = None
) -> dict[int, int]:
    """Open cases past their due date, by town (0: not assigned yet).

    Naming the towns (and "no town" separately) lets PostgreSQL answer from the
    (town, state, due_date) index alone instead of intersecting two bitmaps over the table.
    A caller that has already read the towns passes their ids as ``all_towns``.
    """
    late = Case.objects.filter(state__in=OPEN_STATES, due_date__lt=today or timezone.localdate()).order_by()
    towns = town_ids or all_towns or list(Town.objects.values_list("pk", flat=True))
    counts = dict(
        late.filter(town_id__in=towns).values_list("town_id").annotate(n=Count("*")).values_list("town_id", "n")
    )
    if not town_ids:
        unassigned = late.filter(town__isnull=True).count()
        if unassigned:
            counts[NO_TOWN] = unassigned
    return counts


def town_figures(
    period: Period, town_ids: list[int] | None = None, *, all_towns: list[int] | None = None
) -> list[TownFigures]:
    """Per town: received, closure rate, on-time rate, median/p90 days to close, overdue now."""
    towns: dict[int, TownFigures] = {}

    def town(town_id: int) -> TownFigures:
        return towns.setdefault(town_id, TownFigures(town_id=town_id))

    state_rows = (
        _scope(TownDayFigure.objects.all(), period, town_ids)
        .order_by()
        .values_list("town_id", "state")
        .annotate(n=Sum("cases"), on_time=Sum("closed_on_time"))
    )
    for town_id, state, n, on_time in state_rows:
        if not n:  # a row emptied when its cases moved on (e.g. from "no town yet" to a town)
            continue
        figures = town(town_id)
        figures.received += n
        figures.handled += n if state in HANDLED_STATES else 0
        figures.declined += n if state in DECLINED_STATES else 0
        if state == State.CLOSED:
            figures.closed += n
            figures.closed_on_time += on_time
    duration_rows = (
        _scope(CloseDurationFigure.objects.all(), period, town_ids)
        .order_by()
        .values_list("town_id", "days")
        .annotate(n=Sum("cases"))
    )
    for town_id, days, n in duration_rows:
        if n:
            town(town_id).durations[days] = n
    for town_id, n in overdue_now(town_ids, all_towns=all_towns).items():
        town(town_id).overdue_now = n
    return [towns[key] for key in sorted(towns)]


def district_total(rows: list[TownFigures]) -> TownFigures:
    total = TownFigures(town_id=-1)
    for row in rows:
        total.received += row.received
        total.handled += row.handled
        total.declined += row.declined
        total.closed += row.closed
        total.closed_on_time += row.closed_on_time
        total.overdue_now += row.overdue_now
        for days, n in row.durations.items():
            total.durations[days] = total.durations.get(days, 0) + n
    return total


@dataclass
class Breakdown:
    dimension: str
    months: list[date]
    counts: dict[str, dict[date, int]]  # value -> month -> cases

    def row(self, value: str) -> list[int]:
        return [self.counts[value].get(month, 0) for month in self.months]


def monthly_breakdown(dimension: str, period: Period, town_ids: list[int] | None = None) -> Breakdown:
    return monthly_breakdowns([dimension], period, town_ids)[dimension]


def monthly_breakdowns(
    dimensions: list[str], period: Period, town_ids: list[int] | None = None
) -> dict[str, Breakdown]:
    """Cases by value and month of receipt for each dimension (channel, category, industry), one query."""
    rows = (
        _scope(BreakdownDayFigure.objects.filter(dimension__in=dimensions), period, town_ids)
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values_list("dimension", "month", "value")
        .annotate(n=Sum("cases"))
    )
    counts: dict[str, dict[str, dict[date, int]]] = {dimension: defaultdict(dict) for dimension in dimensions}
    months: dict[str, set[date]] = {dimension: set() for dimension in dimensions}
    for dimension, month, value, n in rows:
        if n:
            counts[dimension][value][month] = counts[dimension][value].get(month, 0) + n
            months[dimension].add(month)
    return {
        dimension: Breakdown(dimension=dimension, months=sorted(months[dimension]), counts=dict(counts[dimension]))
        for dimension in dimensions
    }


@dataclass(frozen=True)
class PublicMonth:
    month: date
    received: int
    handled: int
    closed: int

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.handled if self.handled else None


def public_monthly(period: Period) -> list[PublicMonth]:
    """District-wide monthly figures without any case detail, for ``/stats/``."""
    rows = (
        _scope(TownDayFigure.objects.all(), period, None)
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("month")
        .annotate(
            received=Sum("cases"),
            handled=Sum("cases", filter=Q(state__in=HANDLED_STATES)),
            closed=Sum("cases", filter=Q(state=State.CLOSED)),
        )
        .order_by("month")
    )
    return [
        PublicMonth(month=r["month"], received=r["received"] or 0, handled=r["handled"] or 0, closed=r["closed"] or 0)
        for r in rows
    ]
