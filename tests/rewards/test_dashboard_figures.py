"""The rewards panel of the bureau dashboard: offered, claimed and paid per month and budget used, for
the dashboard's period and town, equal to the budget API, its exports and the monthly report."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from rewards.dashboard_panel import FIGURES
from rewards.models import Budget
from tests.pages.conftest import verified_client
from tests.rewards import flows

THIS_MONTH = timezone.localdate().strftime("%Y-%m")


@pytest.fixture
def rewarded(report: Any, users: Any, town_a: Any) -> None:
    """One reward paid and one only offered, this month, from town A's budget of ¥10,000."""
    Budget.objects.create(year=timezone.localdate().year, town=town_a, amount=Decimal("10000"))
    paid, offered_only = report(), report()
    flows.paid(paid.reward, paid.receipt, users)
    flows.offered(offered_only.reward, users)


def dashboard(users: Any, persona: str = "bureau_supervisor", **filters: Any) -> Any:
    return verified_client(users[persona]).get("/dashboard/", filters)


def month_cells(page: str, month: str) -> list[str]:
    """The numbers shown in the panel's row for ``month`` (``YYYY-MM`` or ``total``)."""
    row = re.search(rf'<tr data-month="{month}">(.*?)</tr>', page, re.S)
    assert row, page
    return re.findall(r">([0-9.]+)<", row.group(1))


def panel(response: Any) -> dict[str, Any]:
    (rewards,) = [p.context for p in response.context["panels"] if p.template == "rewards/_dashboard_panel.html"]
    return rewards


@pytest.mark.django_db
def test_the_dashboard_shows_rewards_offered_claimed_paid_and_budget_used(rewarded: None, users: Any) -> None:
    page = dashboard(users).content.decode()
    assert month_cells(page, THIS_MONTH) == ["2", "1000.00", "1", "500.00", "1", "500.00"]
    assert month_cells(page, "total") == ["2", "1000.00", "1", "500.00", "1", "500.00"]
    budget = re.search(r'data-testid="reward-budget">(.*?)</table>', page, re.S)
    assert budget, page
    # Town A: budget 10,000, used 1,000 (both rewards are committed), left 9,000, paid 500.
    assert re.findall(r">([0-9.]+)<", budget.group(1).split("甲镇", 1)[1]) == [
        "10000.00",
        "1000.00",
        "9000.00",
        "500.00",
    ]


@pytest.mark.django_db
def test_the_panel_follows_the_dashboards_town_and_period(rewarded: None, users: Any, town_b: Any) -> None:
    other_town = panel(dashboard(users, town=town_b.pk))
    assert other_town["totals"]["offered_count"] == 0 and other_town["budget"] == []
    last_year = timezone.localdate().year - 1
    earlier = panel(dashboard(users, start=f"{last_year}-01", end=f"{last_year}-12"))
    assert [month.month for month, _row in earlier["months"]] == list(range(1, 13))
    assert earlier["totals"]["paid_amount"] == 0 and earlier["budget"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["dispatcher", "bureau_supervisor", "reward_approver", "finance", "administrator"])
def test_every_dashboard_role_sees_the_rewards_panel(rewarded: None, users: Any, persona: str) -> None:
    assert 'data-testid="rewards-panel"' in dashboard(users, persona).content.decode()


@pytest.mark.django_db
def test_budget_used_equals_the_budget_api_and_its_csv_export(rewarded: None, users: Any, api_as: Any) -> None:
    year = timezone.localdate().year
    shown = [
        (str(line.year), line.department, f"{line.used:.2f}", f"{line.paid_net:.2f}")
        for line in panel(dashboard(users, start=f"{year}-01", end=f"{year}-12"))["budget"]
    ]
    api = api_as("finance").get("/api/v1/rewards/budgets/", {"year": year}).json()["rows"]
    assert shown == [(str(row["year"]), row["department"], row["used"], row["paid_net"]) for row in api]
    export = api_as("finance").get("/api/v1/rewards/budgets/", {"year": year, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert shown == [(row["year"], row["department"], row["used"], row["paid_net"]) for row in rows]


@pytest.mark.django_db
def test_offered_claimed_paid_equal_the_monthly_reports_rewards_sheet(rewarded: None, users: Any) -> None:
    (shown,) = [row for month, row in panel(dashboard(users))["months"] if f"{month:%Y-%m}" == THIS_MONTH]
    report = verified_client(users["bureau_supervisor"]).get(f"/dashboard/monthly-report.xlsx?month={THIS_MONTH}")
    sheet = load_workbook(io.BytesIO(report.content))["举报奖励"]
    district = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "全区")
    assert list(district[1:7]) == [shown[key] for key in FIGURES] == [2, Decimal("1000.00"), 1, 500, 1, 500]
