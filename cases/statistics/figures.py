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
from django.utils import timezone

from cases.models import Case, CaseEvent, State
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


def closed_on_time(accepted_at: datetime | None, closed_at: datetime, extension_workdays: int) -> bool:
    """Closed by the closure deadline: 60 working days (a setting) after acceptance, plus any extension."""
    if accepted_at is None:
        return True
    limit = int(settings.HOTLINE_DEADLINES["close_workdays"]) + extension_workdays
    return timezone.localdate(closed_at) <= _closure_deadline(timezone.localdate(accepted_at), limit)


def contribution(
    *,
    created_at: datetime,
    town_id: int | None,
    state: str,
    channel: str,
    category: str,
    industry: str | None,
    accepted_at: datetime | None,
    closed_at: datetime | None,
    extension_workdays: int,
) -> Contribution:
    day = timezone.localdate(created_at)
    closed = state == State.CLOSED and closed_at is not None
    return Contribution(
        day=day,
        town_id=town_id or NO_TOWN,
        state=state,
        channel=channel,
        category=category,
        industry=industry or NO_INDUSTRY,
        on_time=closed_on_time(accepted_at, closed_at, extension_workdays) if closed and closed_at else None,
        close_days=(timezone.localdate(closed_at) - day).days if closed and closed_at else None,
    )


def contribution_of(case: Case) -> Contribution:
    return contribution(
        created_at=case.created_at,
        town_id=case.town_id,
        state=case.state,
        channel=case.channel,
        category=case.category,
        industry=case.enterprise.industry if case.enterprise_id and case.enterprise else None,
        accepted_at=case.accepted_at,
        closed_at=case.closed_at,
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


def _apply(c: Contribution, sign: int) -> None:
    where = {"day": c.day, "town_id": c.town_id}
    _bump(TownDayFigure, {**where, "state": c.state}, cases=sign, closed_on_time=sign if c.on_time else 0)
    if c.close_days is not None:
        _bump(CloseDurationFigure, {**where, "days": c.close_days}, cases=sign)
    for dimension in DIMENSIONS:
        _bump(BreakdownDayFigure, {**where, "dimension": dimension, "value": getattr(c, dimension)}, cases=sign)


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


def on_case_event(event: CaseEvent) -> None:
    refresh_case(event.case_id)


CASE_COLUMNS = (
    "pk",
    "created_at",
    "town_id",
    "state",
    "channel",
    "category",
    "enterprise__industry",
    "accepted_at",
    "closed_at",
    "extension_workdays",
)


def _contributions(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[int, Contribution]]:
    for pk, created, town, state, channel, category, industry, accepted, closed, extension in rows:
        yield (
            pk,
            contribution(
                created_at=created,
                town_id=town,
                state=state,
                channel=channel,
                category=category,
                industry=industry,
                accepted_at=accepted,
                closed_at=closed,
                extension_workdays=extension,
            ),
        )


def rebuild(*, batch_size: int = 10_000, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every figure from the cases table in one pass; returns the number of cases."""
    town_days: Counter[tuple[date, int, str]] = Counter()
    on_time: Counter[tuple[date, int, str]] = Counter()
    durations: Counter[tuple[date, int, int]] = Counter()
    breakdown: Counter[tuple[date, int, str, str]] = Counter()
    count = 0
    with transaction.atomic():
        for model in (CaseFigure, TownDayFigure, CloseDurationFigure, BreakdownDayFigure):
            model._default_manager.all().delete()
        batch: list[CaseFigure] = []
        rows = Case.objects.order_by().values_list(*CASE_COLUMNS).iterator(chunk_size=batch_size)
        for pk, c in _contributions(rows):
            batch.append(CaseFigure(case_id=pk, **_snapshot_fields(c)))
            town_days[(c.day, c.town_id, c.state)] += 1
            if c.on_time:
                on_time[(c.day, c.town_id, c.state)] += 1
            if c.close_days is not None:
                durations[(c.day, c.town_id, c.close_days)] += 1
            for dimension in DIMENSIONS:
                breakdown[(c.day, c.town_id, dimension, getattr(c, dimension))] += 1
            count += 1
            if len(batch) >= batch_size:
                CaseFigure.objects.bulk_create(batch)
                batch.clear()
                if progress:
                    progress(count)
        CaseFigure.objects.bulk_create(batch)
        TownDayFigure.objects.bulk_create(
            [
                TownDayFigure(day=d, town_id=t, state=s, cases=n, closed_on_time=on_time[(d, t, s)])
                for (d, t, s), n in town_days.items()
            ],
            batch_size=batch_size,
        )
        CloseDurationFigure.objects.bulk_create(
            [CloseDurationFigure(day=d, town_id=t, days=days, cases=n) for (d, t, days), n in durations.items()],
            batch_size=batch_size,
        )
        BreakdownDayFigure.objects.bulk_create(
            [
                BreakdownDayFigure(day=d, town_id=t, dimension=dim, value=v, cases=n)
                for (d, t, dim, v), n in breakdown.items()
            ],
            batch_size=batch_size,
        )
    if progress:
        progress(count)
    return count
