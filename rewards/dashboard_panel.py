"""The rewards panel of the bureau dashboard (registered in ``RewardsConfig.ready``).

For the dashboard's period and town: rewards offered, claimed and paid per month (count and
amount, each step in the month it happened) and, for each year the period touches, budget used
and left per paying department. The figures come from the selectors behind the monthly report's
rewards sheet (``reward_statistics``) and the budget API and its exports (``budget_report``), so
they agree with both.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cases.statistics.panels import DashboardPanel, register_panel
from cases.statistics.selectors import Period
from rewards import rules
from rewards.selectors import STEPS, BudgetLine, budget_report, reward_statistics

PANEL = "rewards"
FIGURES = [f"{step}_{measure}" for step in STEPS for measure in ("count", "amount")]


def monthly_figures(period: Period, town_id: int | None) -> list[tuple[date, dict[str, Any]]]:
    """(first day of the month, {offered,claimed,paid}_{count,amount}) for each month of the period."""
    months = []
    for year in range(period.start.year, period.end.year + 1):
        for row in reward_statistics(year=year, town_id=town_id):
            month = date(year, row["month"], 1)
            if period.start <= month <= period.end:
                months.append((month, row))
    return months


def budget_lines(user: Any, period: Period, town_id: int | None) -> list[BudgetLine]:
    """The budget report's lines for the period's years; one town's own line when a town is chosen."""
    return [
        line
        for year in range(period.start.year, period.end.year + 1)
        for line in budget_report(user, year=year)
        if town_id is None or line.town_id == town_id
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
