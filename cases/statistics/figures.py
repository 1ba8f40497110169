"""Keeps the pre-aggregated figures exact: one handler for every case event, and a full rebuild.

Why an event handler and not the services' own transaction: ``cases.services`` is shared code,
and ``cases.events.subscribe`` already calls handlers after commit for every change of a case.
The handler re-reads the case under a row lock and moves its contribution from the row it
counted in last time (``CaseFigure``) to the row it belongs in now. That is idempotent and
order-independent: running it twice, late, or for events that arrive out of order still leaves
the tables equal to a ``GROUP BY`` over the current cases. If a handler ever fails (it logs and
the event row stays), ``rebuild()`` — or ``refresh_case`` for one case — makes them exact again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Case, State
from cases.statistics.bulk import insert_rows
from cases.statistics.models import BreakdownDayFigure, CaseFigure, CloseDurationFigure, TownDayFigure
from cases.workdays import calendar

DIMENSIONS = ("channel", "category", "industry")
NO_INDUSTRY = "none"  # cases without an identified enterprise
NO_TOWN = 0  # cases not (yet) assigned to a town


@dataclass(frozen=True)
class Contribution:
    day: date
    town_id: int
    state: str
    channel: str
    category: str
    industry: str
    on_time: bool | None
    close_days: int | None


@lru_cache(maxsize=4096)
def _closure_deadline(accepted: date, workdays: int) -> date:
    return calendar().add_workdays(accepted, workdays).date


def closed_on_time(accepted: date | None, closed: date, extension_workdays: int) -> bool:
    """Closed by the closure deadline: 60 working days (a setting) after acceptance, plus any extension."""
    if accepted is None:
        return True
    limit = int(settings.HOTLINE_DEADLINES["close_workdays"]) + extension_workdays
    return closed <= _closure_deadline(accepted, limit)


def contribution(
    *,
    received: date,
    town_id: int | None,
    state: str,
    channel: str,
    category: str,
    industry: str | None,
    accepted: date | None,
    closed: date | None,
    extension_workdays: int,
) -> Contribution:
    """Where one case counts; all dates are local (Asia/Shanghai) calendar days."""
    is_closed = state == State.CLOSED and closed is not None
    return Contribution(
        day=received,
        town_id=town_id or NO_TOWN,
        state=state,
        channel=channel,
        category=category,
        industry=industry or NO_INDUSTRY,
        on_time=closed_on_time(accepted, closed, extension_workdays) if is_closed and closed else None,
        close_days=(closed - received).days if is_closed and closed else None,
    )


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def contribution_of(case: Case) -> Contribution:
    return contribution(
        received=timezone.localdate(case.created_at),
        town_id=case.town_id,
        state=case.state,
        channel=case.channel,
        category=case.category,
        industry=case.enterprise.industry if case.enterprise_id and case.enterprise else None,
        accepted=_local_day(case.accepted_at),
        closed=_local_day(case.closed_at),
        extension_workdays=case.extension_workdays,
    )


def _snapshot_fields(c: Contribution) -> dict[str, Any]:
    return {
        "day": c.day,
        "town_id": c.town_id,
        "state": c.state,
        "channel": c.channel,
        "category": c.category,
        "industry": c.industry,
        "on_time": c.on_time,
        "close_days": c.close_days,
    }


def _from_snapshot(row: CaseFigure) -> Contribution:
    return Contribution(
        day=row.day,
        town_id=row.town_id,
        state=row.state,
        channel=row.channel,
        category=row.category,
        industry=row.industry,
        on_time=row.on_time,
        close_days=row.close_days,
    )


def _bump(model: type[models.Model], key: dict[str, Any], **deltas: int) -> None:
    """Add ``deltas`` to the row ``key``, creating it on first use (safe against a concurrent create)."""
    changes = {field: F(field) + delta for field, delta in deltas.items() if delta}
    if not changes or model._default_manager.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**key, **deltas)
    except IntegrityError:
        model._default_manager.filter(**key).update(**changes)


def month_of(day: date) -> date:
    """Histograms and breakdowns are kept per month (their first day): a few thousand rows a year."""
    return day.replace(day=1)


def _apply(c: Contribution, sign: int) -> None:
    _bump(
        TownDayFigure,
        {"day": c.day, "town_id": c.town_id, "state": c.state},
        cases=sign,
        closed_on_time=sign if c.on_time else 0,
    )
    monthly = {"day": month_of(c.day), "town_id": c.town_id}
    if c.close_days is not None:
        _bump(CloseDurationFigure, {**monthly, "days": c.close_days}, cases=sign)
    for dimension in DIMENSIONS:
        _bump(BreakdownDayFigure, {**monthly, "dimension": dimension, "value": getattr(c, dimension)}, cases=sign)


def refresh_case(case_id: int) -> None:
    """Move one case's contribution to where its current attributes put it."""
    with transaction.atomic():
        # The case row lock serialises refreshes of the same case, so each sees the latest commit.
        case = Case.objects.select_for_update(of=("self",)).select_related("enterprise").filter(pk=case_id).first()
        if case is None:
            return
        now = contribution_of(case)
        snapshot = CaseFigure.objects.filter(case_id=case_id).first()
        if snapshot is not None:
            before = _from_snapshot(snapshot)
            if before == now:
                return
            _apply(before, -1)
            CaseFigure.objects.filter(case_id=case_id).update(**_snapshot_fields(now))
        else:
            CaseFigure.objects.create(case_id=case_id, **_snapshot_fields(now))
        _apply(now, +1)


# The database turns timestamps into local days (AT TIME ZONE), a million times faster than Python.
CASE_COLUMNS = {
    "received_day": TruncDate("created_at"),
    "accepted_day": TruncDate("accepted_at"),
    "closed_day": TruncDate("closed_at"),
}
CASE_FIELDS = (
    "pk",
    "received_day",
    "town_id",
    "state",
    "channel",
    "category",
    "enterprise__industry",
    "accepted_day",
    "closed_day",
    "extension_workdays",
)


def _contributions(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[int, Contribution]]:
    for pk, received, town, state, channel, category, industry, accepted, closed, extension in rows:
        yield (
            pk,
            contribution(
                received=received,
                town_id=town,
                state=state,
                channel=channel,
                category=category,
                industry=industry,
                accepted=accepted,
                closed=closed,
                extension_workdays=extension,
            ),
        )


SNAPSHOT_COLUMNS = ("case_id", "day", "town_id", "state", "channel", "category", "industry", "on_time", "close_days")


def rebuild(*, batch_size: int = 20_000, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every figure from the cases table in one pass; returns the number of cases."""
    town_days: Counter[tuple[date, int, str]] = Counter()
    on_time: Counter[tuple[date, int, str]] = Counter()
    durations: Counter[tuple[date, int, int]] = Counter()
    breakdown: Counter[tuple[date, int, str, str]] = Counter()
    count = 0
    with transaction.atomic():
        for model in (CaseFigure, TownDayFigure, CloseDurationFigure, BreakdownDayFigure):
            model._default_manager.all().delete()
        batch: list[tuple[Any, ...]] = []
        rows = (
            Case.objects.order_by().annotate(**CASE_COLUMNS).values_list(*CASE_FIELDS).iterator(chunk_size=batch_size)
        )
        for pk, c in _contributions(rows):
            batch.append((pk, c.day, c.town_id, c.state, c.channel, c.category, c.industry, c.on_time, c.close_days))
            town_days[(c.day, c.town_id, c.state)] += 1
            if c.on_time:
                on_time[(c.day, c.town_id, c.state)] += 1
            if c.close_days is not None:
                durations[(month_of(c.day), c.town_id, c.close_days)] += 1
            for dimension in DIMENSIONS:
                breakdown[(month_of(c.day), c.town_id, dimension, getattr(c, dimension))] += 1
            count += 1
            if len(batch) >= batch_size:
                insert_rows(CaseFigure, SNAPSHOT_COLUMNS, batch)
                batch.clear()
                if progress:
                    progress(count)
        insert_rows(CaseFigure, SNAPSHOT_COLUMNS, batch)
        insert_rows(
            TownDayFigure,
            ("day", "town_id", "state", "cases", "closed_on_time"),
            [(d, t, s, n, on_time[(d, t, s)]) for (d, t, s), n in town_days.items()],
        )
        insert_rows(
            CloseDurationFigure, ("day", "town_id", "days", "cases"), [(*key, n) for key, n in durations.items()]
        )
        insert_rows(
            BreakdownDayFigure,
            ("day", "town_id", "dimension", "value", "cases"),
            [(*key, n) for key, n in breakdown.items()],
        )
    if progress:
        progress(count)
    return count
