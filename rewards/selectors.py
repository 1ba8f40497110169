"""Reads of rewards and the ledger, scoped to the user. Every balance is a sum of ledger entries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from cases.selectors import case_for_receipt
from config.errors import NotFound
from rewards import rules
from rewards.models import COMMITTED_KINDS, PAID_KINDS, Budget, EntryKind, LedgerEntry, Reward, RewardState
from rewards.money import ZERO, to_fen

REPORT_DIMENSIONS = {"town": "town__name", "year": "year", "state": "state", "category": "category"}


def rewards_visible_to(user: Any) -> QuerySet[Reward]:
    """Rewards are a bureau matter: town staff and intake see none (a 404, like a case they may not see)."""
    if not rules.may_read(user):
        return Reward.objects.none()
    return Reward.objects.all()


def reward_list(user: Any) -> QuerySet[Reward]:
    return (
        rewards_visible_to(user)
        .select_related(
            "case", "town", "policy", "claim_details", "proposed_by", "first_approved_by", "second_approved_by"
        )
        .annotate(year=ExtractYear("created_at"))
    )


def reward_get(user: Any, reward_id: int) -> Reward:
    reward = reward_list(user).filter(pk=reward_id).first()
    if reward is None:
        raise NotFound(_("No reward with this number is visible to you."))
    return reward


def reward_get_for_claim(user: Any, reward_id: int) -> Reward:
    """A reward staff may take a claim for: what the user may read, and for intake (who reads no
    rewards otherwise) only rewards on offer, the ones a reporter can come to claim, and those whose
    claim they took."""
    rewards = rewards_visible_to(user)
    if rules.may_assist_claims(user) and not rules.may_read(user):
        rewards = Reward.objects.filter(Q(state=RewardState.OFFERED) | Q(claim_details__assisted_by=user.pk))
    reward = (
        rewards.select_related(
            "case",
            "town",
            "policy",
            "reporter",
            "claim_details",
            "proposed_by",
            "first_approved_by",
            "second_approved_by",
        )
        .annotate(year=ExtractYear("created_at"))
        .filter(pk=reward_id)
        .first()
    )
    if reward is None:
        raise NotFound(_("No reward with this number is visible to you."))
    return reward


def rewards_on_offer_for_receipt(user: Any, receipt: str) -> list[Reward]:
    """The rewards a reporter at the counter (or on the phone) can claim with this receipt: every
    reporter's share on the case, for staff who take claims. The staff member has the receipt and
    the identity card in front of them, so no password is asked; the claim records how they checked."""
    if not rules.may_assist_claims(user):
        return []
    case = case_for_receipt(receipt)
    if case is None:
        return []
    return list(
        Reward.objects.filter(case=case, state=RewardState.OFFERED).select_related("case", "reporter").order_by("id")
    )


def reward_report(user: Any, *, by: list[str], filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Count and amount of rewards grouped by any of town, year (proposed), state and category."""
    columns = [REPORT_DIMENSIONS[name] for name in by]
    rows = (
        reward_list(user)
        .filter(**(filters or {}))
        .order_by()
        .values(*columns)
        .annotate(count=Count("id"), amount=Coalesce(Sum("amount"), ZERO))
        .order_by(*columns)
    )
    return [
        {name: row[REPORT_DIMENSIONS[name]] for name in by} | {"count": row["count"], "amount": to_fen(row["amount"])}
        for row in rows
    ]


@dataclass(frozen=True)
class BudgetLine:
    year: int
    town_id: int | None
    department: str
    budget: Decimal | None
    accrued: Decimal
    released: Decimal
    paid: Decimal
    reversed: Decimal

    @property
    def used(self) -> Decimal:
        """Committed: accrued, less what expired offers released and reversals clawed back."""
        return self.accrued + self.released + self.reversed

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.used

    @property
    def paid_net(self) -> Decimal:
        return self.paid + self.reversed


def budget_report(user: Any, *, year: int | None = None) -> list[BudgetLine]:
    """Per year and paying department: budget, used, left, and the ledger sums behind them."""
    if not rules.may_read(user):
        return []
    entries = LedgerEntry.objects.all() if year is None else LedgerEntry.objects.filter(year=year)
    sums: dict[tuple[int, int | None, str | None], dict[str, Any]] = {
        (row["year"], row["town_id"], row["town__name"]): dict(row)
        for row in entries.order_by()
        .values("year", "town_id", "town__name")
        .annotate(**{kind.value: Coalesce(Sum("amount", filter=Q(kind=kind)), ZERO) for kind in EntryKind})
    }
    budgets = (
        Budget.objects.select_related("town")
        if year is None
        else Budget.objects.filter(year=year).select_related("town")
    )
    amounts = {(b.year, b.town_id): b.amount for b in budgets}
    names: set[tuple[int, int | None, str | None]] = {
        (b.year, b.town_id, b.town.name if b.town else None) for b in budgets
    }
    lines = []
    for key in sorted(set(sums) | names, key=lambda k: (k[0], k[2] or "")):
        row: dict[str, Any] = sums.get(key, {})
        lines.append(
            BudgetLine(
                year=key[0],
                town_id=key[1],
                department=key[2] or _("Bureau"),
                budget=amounts.get(key[:2]),
                accrued=to_fen(row.get(EntryKind.ACCRUAL, ZERO)),
                released=to_fen(row.get(EntryKind.RELEASE, ZERO)),
                paid=to_fen(row.get(EntryKind.PAYOUT, ZERO)),
                reversed=to_fen(row.get(EntryKind.REVERSAL, ZERO)),
            )
        )
    return lines


def ledger_totals() -> dict[str, Decimal]:
    """Budget used and money paid, straight from the entries: the figures reports must agree with."""
    committed = LedgerEntry.objects.filter(kind__in=COMMITTED_KINDS).aggregate(total=Sum("amount"))["total"]
    paid = LedgerEntry.objects.filter(kind__in=PAID_KINDS).aggregate(total=Sum("amount"))["total"]
    return {"used": committed or ZERO, "paid": paid or ZERO}


def reward_of_reporter(case: Any) -> Reward | None:
    """The receipt holder's live reward on their own case, for the reporter's status page (amount,
    state and claim deadline are theirs to see; nothing about other reporters)."""
    return (
        Reward.objects.filter(case=case, reporter_id=case.reporter_id)
        .exclude(state=RewardState.REJECTED)
        .only("amount", "state", "claim_by", "offered_at", "claimed_at", "paid_at")
        .first()
    )


# Each step counts in the month it happened, whatever became of the reward afterwards.
STEPS = {"offered": "offered_at", "claimed": "claimed_at", "paid": "paid_at"}


def reward_statistics(*, year: int, town_id: int | None = None) -> list[dict[str, Any]]:
    """Rewards offered, claimed and paid per month of the year (count and amount), from the dates
    each step happened: aggregate figures only, fit for the public statistics page."""
    rewards = Reward.objects.all() if town_id is None else Reward.objects.filter(town_id=town_id)
    months: dict[int, dict[str, Any]] = {
        month: {"month": month}
        | {f"{step}_{m}": 0 if m == "count" else ZERO for step in STEPS for m in ("count", "amount")}
        for month in range(1, 13)
    }
    for step, field in STEPS.items():
        rows = (
            rewards.filter(**{f"{field}__year": year})
            .annotate(month=ExtractMonth(field))
            .order_by()
            .values("month")
            .annotate(count=Count("id"), amount=Coalesce(Sum("amount"), ZERO))
        )
        for row in rows:
            months[row["month"]][f"{step}_count"] = row["count"]
            months[row["month"]][f"{step}_amount"] = to_fen(row["amount"])
    return list(months.values())
