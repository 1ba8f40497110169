"""Posting to the append-only ledger. Balances are sums of entries, computed in ``rewards.selectors``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from config.errors import Conflict
from rewards.models import COMMITTED_KINDS, Budget, EntryKind, LedgerEntry, Reward
from rewards.money import ZERO, format_yuan

SIGN = {EntryKind.ACCRUAL: 1, EntryKind.PAYOUT: 1, EntryKind.RELEASE: -1, EntryKind.REVERSAL: -1}


def committed(*, year: int, town_id: int | None) -> Decimal:
    entries = LedgerEntry.objects.filter(year=year, kind__in=COMMITTED_KINDS)
    entries = entries.filter(town__isnull=True) if town_id is None else entries.filter(town_id=town_id)
    total = entries.aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def check_budget(*, reward: Reward, year: int) -> None:
    """Refuse an accrual the paying department's budget cannot carry; no budget set means no limit.
    The budget row is locked so two approvals at once cannot both take the last yuan."""
    budgets = Budget.objects.select_for_update().filter(year=year)
    budget = (
        budgets.filter(town__isnull=True) if reward.town_id is None else budgets.filter(town_id=reward.town_id)
    ).first()
    if budget is None:
        return
    left = budget.amount - committed(year=year, town_id=reward.town_id)
    if reward.amount > left:
        raise Conflict(
            _("The %(year)s reward budget of this department has %(left)s left, not enough for %(amount)s.")
            % {"year": year, "left": format_yuan(left), "amount": format_yuan(reward.amount)},
            code="budget_exhausted",
        )


def post(
    *,
    reward: Reward,
    kind: EntryKind,
    actor: Any,
    value_date: date,
    idempotency_key: str | None = None,
    **payment: Any,
) -> LedgerEntry:
    """One entry for ``reward``; a second entry of the same kind (a retry, a double click) is a 409."""
    assert reward.budget_year is not None
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                reward=reward,
                kind=kind,
                amount=reward.amount * SIGN[kind],
                town_id=reward.town_id,
                year=reward.budget_year,
                actor=actor if actor and actor.pk else None,
                value_date=value_date,
                idempotency_key=idempotency_key,
                **payment,
            )
    except IntegrityError:
        raise Conflict(
            _("This has already been booked for this reward; nothing was booked twice."), code="already_booked"
        ) from None
