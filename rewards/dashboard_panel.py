"""The rewards panel of the bureau dashboard (registered in ``RewardsConfig.ready``).

For the dashboard's period and town: rewards offered, claimed and paid per month (count and
amount, each step in the month it happened) and, for each year the period touches, budget used
and left per paying department. The figures come from the selectors behind the monthly report's
rewards sheet (``reward_statistics``) and the budget API and its exports (``budget_report``), so
they agree with both.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from cases.statistics.panels import DashboardPanel, register_panel
from cases.statistics.selectors import Period
from rewards import rules
from rewards.models import Reward
from rewards.money import ZERO, to_fen
from rewards.selectors import STEPS, BudgetLine, budget_report

PANEL = "rewards"
FIGURES = [f"{step}_{measure}" for step in STEPS for measure in ("count", "amount")]


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _step_months(
    rewards: QuerySet[Reward], step: str, field: str, period: Period
) -> QuerySet[Any, Any]:  # values() rows: step, month, count, amount
    start, end = _local_midnight(period.start), _local_midnight(period.end + timedelta(days=1))
    return (
        rewards.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(step=Value(step), month=TruncMonth(field))
        .order_by()
        .values("step", "month")
        .annotate(count=Count("id"), amount=Coalesce(Sum("amount"), ZERO))
    )


def monthly_figures(period: Period, town_id: int | None) -> list[tuple[date, dict[str, Any]]]:
    """(first day of the month, {offered,claimed,paid}_{count,amount}) for each month of the period.

    Counted as ``reward_statistics`` counts them (each step in the local month it happened), for
    any run of months and in one query rather than three per calendar year."""
    rewards = Reward.objects.all() if town_id is None else Reward.objects.filter(town_id=town_id)
    months: dict[date, dict[str, Any]] = {}
    month = period.start
    while month <= period.end:
        months[month] = {key: 0 if key.endswith("_count") else ZERO for key in FIGURES}
        month = (month + timedelta(days=31)).replace(day=1)
    steps = [_step_months(rewards, step, field, period) for step, field in STEPS.items()]
    for row in steps[0].union(*steps[1:], all=True):
        figures = months[timezone.localtime(row["month"]).date()]
        figures[f"{row['step']}_count"] = row["count"]
        figures[f"{row['step']}_amount"] = to_fen(row["amount"])
    return list(months.items())


def budget_lines(user: Any, period: Period, town_id: int | None) -> list[BudgetLine]:
    """The budget report's lines for the period's years; one town's own line when a town is chosen."""
    years = range(period.start.year, period.end.year + 1)
    return [
        line
        for line in budget_report(user, year=period.start.year if len(years) == 1 else None)
        if line.year in years and (town_id is None or line.town_id == town_id)
    ]


def rewards_panel(user: Any, period: Period, town_id: int | None) -> DashboardPanel | None:
    if not rules.may_read(user):
        return None
    months = monthly_figures(period, town_id)
    totals = {key: sum(row[key] for _month, row in months) for key in FIGURES}
    peak = max((row[f"{step}_amount"] for _month, row in months for step in STEPS), default=0)
    return DashboardPanel(
        template="rewards/_dashboard_panel.html",
        context={"months": months, "totals": totals, "peak": peak, "budget": budget_lines(user, period, town_id)},
    )


def install() -> None:
    register_panel(PANEL, rewards_panel)
