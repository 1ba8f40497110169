"""The figures behind the dashboard: exact percentiles, idempotent upkeep, and the seed command."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db.models import Count

from cases import services
from cases.models import Case
from cases.statistics.figures import refresh_case
from cases.statistics.models import TownDayFigure
from cases.statistics.selectors import percentile


def grouped() -> dict[tuple[int, str], int]:
    rows = Case.objects.order_by().values_list("town_id", "state").annotate(n=Count("pk"))
    return {(town or 0, state): n for town, state, n in rows}


def aggregated() -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for town, state, cases in TownDayFigure.objects.values_list("town_id", "state", "cases"):
        if cases:
            out[(town, state)] = out.get((town, state), 0) + cases
    return out


def test_percentiles_are_exact() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({3: 1}, 0.5) == 3
    assert percentile({1: 1, 4: 1}, 0.5) == 2.5  # even count: mean of the two middle values
    assert percentile({1: 2, 9: 1}, 0.5) == 1
    assert percentile({d: 1 for d in range(1, 11)}, 0.9) == 9


def test_upkeep_is_idempotent_and_follows_a_case_back_to_the_bureau(
    case_in: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = case_in("assigned")
        services.case_return_to_bureau(case=case, by=users["officer"], reason="不属本镇")
    refresh_case(case.pk)  # a second run for the same state changes nothing
    refresh_case(case.pk)
    assert aggregated() == grouped() == {(0, "accepted"): 1}


def test_seed_cases_adds_realistic_cases_and_exact_figures(db: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command("seed_cases", count=300, batch=120, stdout=out, stderr=err)
    assert Case.objects.count() == 300
    assert len(set(Case.objects.values_list("state", flat=True))) >= 5
    assert Case.objects.filter(state="closed", closed_at__isnull=True).count() == 0
    assert aggregated() == grouped()
    assert "100.0%" in err.getvalue()  # the progress bar reached the end
