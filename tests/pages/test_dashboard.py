"""Dashboard figures are exact: equal to a plain GROUP BY over the cases, to a rebuild, and to the export."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import Count
from openpyxl import load_workbook

from cases import services
from cases.models import Case
from cases.statistics.figures import rebuild
from cases.statistics.models import BreakdownDayFigure, TownDayFigure
from tests.factories import CaseFactory


def figures() -> set[tuple[Any, ...]]:
    return {(r.day, r.town_id, r.state, r.cases, r.closed_on_time) for r in TownDayFigure.objects.exclude(cases=0)}


def plain_group_by() -> dict[tuple[int, str], int]:
    rows = Case.objects.order_by().values_list("town_id", "state").annotate(n=Count("pk"))
    return {(town or 0, state): n for town, state, n in rows}


def aggregated() -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for row in TownDayFigure.objects.all():
        if row.cases:
            out[(row.town_id, row.state)] = out.get((row.town_id, row.state), 0) + row.cases
    return out


def run_flows(case_in: Any, users: dict[str, Any]) -> list[Case]:
    made = [
        case_in(state)
        for state in (
            "received",
            "assigned",
            "investigating",
            "in_review",
            "closed",
            "closed",
            "rejected",
            "referred",
            "merged",
        )
    ]
    services.case_reopen(case=Case.objects.get(pk=made[5].pk), by=users["bureau_supervisor"], reason="复查")
    services.case_update(case=Case.objects.get(pk=made[0].pk), by=users["dispatcher"], category="machinery")
    return made


def test_figures_follow_every_event_exactly(
    case_in: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run_flows(case_in, users)
    assert aggregated() == plain_group_by()
    categories = dict(
        BreakdownDayFigure.objects.filter(dimension="category", cases__gt=0)
        .values_list("value")
        .annotate(n=Count("pk"))
        .values_list("value", "cases")
    )
    assert categories.get("machinery") == 1
    incremental = figures()
    rebuild()
    assert figures() == incremental


def test_dashboard_shows_the_figures_and_the_export_matches(
    page_as: Any, case_in: Any, users: dict[str, Any], town_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run_flows(case_in, users)
    response = page_as("bureau_supervisor").get(f"/dashboard/?town={town_a.pk}")
    ((name, row),) = response.context["towns"]
    assert name == town_a.name
    assert row.received == Case.objects.filter(town=town_a).count()
    assert row.closed == Case.objects.filter(town=town_a, state="closed").count() == 1
    assert row.closure_rate == row.closed / row.handled
    assert row.median_days == 0.0 and row.on_time_rate == 1.0

    export = page_as("bureau_supervisor").get(f"/dashboard/export.csv?{response.context['export_query']}")
    lines = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(lines) - 1 == row.received

    xlsx = page_as("bureau_supervisor").get(f"/dashboard/export.xlsx?{response.context['export_query']}")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) - 1 == row.received


def test_export_neutralises_formulas_and_refuses_a_reversed_range(page_as: Any, db: Any, users: Any) -> None:
    CaseFactory(enterprise_name='=HYPERLINK("http://x")')
    export = page_as("dispatcher").get("/dashboard/export.csv")
    assert "'=HYPERLINK" in b"".join(export.streaming_content).decode("utf-8-sig")
    refused = page_as("dispatcher").get("/dashboard/export.csv?received_after=2026-02-01&received_before=2026-01-01")
    assert refused.status_code == 400


def test_export_has_no_reporter_data(page_as: Any, db: Any, users: Any) -> None:
    CaseFactory()
    body = b"".join(page_as("dispatcher").get("/dashboard/export.csv").streaming_content).decode("utf-8-sig")
    assert "13812341234" not in body and "张三" not in body


def test_public_stats_show_monthly_figures_without_case_detail(
    client: Any, case_in: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = run_flows(case_in, users)
    response = client.get("/stats/")
    body = response.content.decode()
    (month,) = response.context["months"]
    assert month.received == len(Case.objects.all())
    assert all(case.reference not in body for case in made)


def test_dashboard_refuses_a_reversed_period_with_a_message(page_as: Any, db: Any, users: Any) -> None:
    response = page_as("dispatcher").get("/dashboard/?start=2026-05&end=2026-01")
    assert response.context["filter_errors"]


def test_the_dashboard_reads_a_fixed_number_of_queries(
    page_as: Any, case_in: Any, users: Any, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    """Session, user, second factor, roles, towns, town figures, durations, overdue by town and
    unassigned, the three breakdowns, the rewards panel (steps, ledger, budgets), the session's expiry."""
    with django_capture_on_commit_callbacks(execute=True):
        run_flows(case_in, users)
    client = page_as("bureau_supervisor")
    with django_assert_max_num_queries(16):
        assert client.get("/dashboard/").status_code == 200
