"""The rewards sheet of the monthly report to the city bureau (registered in ``RewardsConfig.ready``).

Offered / claimed / paid count each step in the month it happened (``reward_statistics``, the same
figures as the public statistics), per paying town and for the district. Budget used is the sum of
committing ledger entries of the month's budget year booked up to the month's end, so a report
for a past month does not change when later months commit more.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.statistics.monthly_report import ReportMonth, register_section, write_table
from directory.models import Town
from rewards.models import COMMITTED_KINDS, PAID_KINDS, Budget, LedgerEntry, Reward
from rewards.money import ZERO, to_fen
from rewards.selectors import STEPS, reward_statistics

SECTION = "rewards"


def month_figures(month: ReportMonth, town_id: int | None = None) -> dict[str, Any]:
    """{offered,claimed,paid}_{count,amount} for the month, for one town or all of them."""
    figures = reward_statistics(year=month.period.start.year, town_id=town_id)
    return figures[month.period.start.month - 1]


def budget_lines(month: ReportMonth) -> list[dict[str, Any]]:
    """Per paying department of the month's year: budget, used in the month, used to its end, left."""
    year, start, end = month.period.start.year, month.period.start, month.period.end
    committed = Q(kind__in=COMMITTED_KINDS, value_date__lte=end)
    sums = {
        town_id: row
        for town_id, *row in LedgerEntry.objects.filter(year=year)
        .order_by()
        .values_list("town_id")
        .annotate(
            in_month=Coalesce(Sum("amount", filter=committed & Q(value_date__gte=start)), ZERO),
            to_date=Coalesce(Sum("amount", filter=committed), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(kind__in=PAID_KINDS, value_date__lte=end)), ZERO),
        )
        .values_list("town_id", "in_month", "to_date", "paid")
    }
    budgets = dict(Budget.objects.filter(year=year).values_list("town_id", "amount"))
    names = dict(Town.objects.values_list("pk", "name"))
    lines = []
    for town_id in sorted(set(sums) | set(budgets), key=lambda t: (t is not None, names.get(t, ""))):
        in_month, to_date, paid = sums.get(town_id, [ZERO, ZERO, ZERO])
        budget: Decimal | None = budgets.get(town_id)
        lines.append(
            {
                "department": names.get(town_id, "") if town_id else _("Bureau"),
                "budget": budget,
                "used_in_month": to_fen(in_month),
                "used_to_date": to_fen(to_date),
                "paid_to_date": to_fen(paid),
                "left": None if budget is None else to_fen(budget - to_date),
            }
        )
    return lines


def _figure_line(name: str, figures: dict[str, Any]) -> list[Any]:
    return [name, *(figures[f"{step}_{m}"] for step in STEPS for m in ("count", "amount"))]


def rewards_sheet(workbook: Workbook, month: ReportMonth) -> None:
    sheet = workbook.create_sheet(_("Rewards"))
    towns = Town.objects.filter(pk__in=Reward.objects.values("town_id")).order_by("name").values_list("pk", "name")
    by_town = [(name, month_figures(month, pk)) for pk, name in towns]
    district = month_figures(month)
    # Rewards without a town are paid by the bureau: what the district has beyond the towns' sum.
    bureau = {key: value - sum(f[key] for _name, f in by_town) for key, value in district.items() if key != "month"}
    if any(bureau.values()):
        by_town.append((_("Bureau"), bureau))
    write_table(
        sheet,
        [
            _("Town"),
            _("Offered"),
            _("Offered (yuan)"),
            _("Claimed"),
            _("Claimed (yuan)"),
            _("Paid"),
            _("Paid (yuan)"),
        ],
        [
            *(_figure_line(name, figures) for name, figures in by_town),
            _figure_line(_("District"), district),
        ],
    )
    sheet.append([])
    write_table(
        sheet,
        [
            _("Paying department"),
            _("Budget %(year)s (yuan)") % {"year": month.period.start.year},
            _("Used in the month (yuan)"),
            _("Used to the month's end (yuan)"),
            _("Paid to the month's end (yuan)"),
            _("Left (yuan)"),
        ],
        [
            [line[key] for key in ("department", "budget", "used_in_month", "used_to_date", "paid_to_date", "left")]
            for line in budget_lines(month)
        ],
    )


def install() -> None:
    register_section(SECTION, rewards_sheet)
