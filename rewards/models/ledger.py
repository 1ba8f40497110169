from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models.event import AppendOnlyModel
from directory.models import Town


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual", _("Accrual on approval")
    PAYOUT = "payout", _("Payout")
    RELEASE = "release", _("Release on expiry or withdrawal")
    REVERSAL = "reversal", _("Reversal")


# What each kind does to the budget. Signed amounts make every balance a plain sum:
#   committed (budget used) = accrual + release + reversal
#   paid                    = payout + reversal
COMMITTED_KINDS = (EntryKind.ACCRUAL, EntryKind.RELEASE, EntryKind.REVERSAL)
PAID_KINDS = (EntryKind.PAYOUT, EntryKind.REVERSAL)


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CASH = "cash", _("Cash at the bureau")


class LedgerEntry(AppendOnlyModel):
    """Every yuan a reward commits, pays, releases or claws back; never changed, corrected by a new entry.

    Each kind happens at most once per reward (a database constraint), which is what makes a payout
    exactly-once whatever retries and double clicks arrive.
    """

    reward = models.ForeignKey("rewards.Reward", on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paying department (empty: the bureau)"),
    )
    year = models.PositiveSmallIntegerField(_("budget year"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    payment_method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    value_date = models.DateField(_("value date"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["reward", "kind"], name="ledger_one_entry_per_kind_and_reward"),
            models.CheckConstraint(
                condition=(Q(kind__in=[EntryKind.ACCRUAL, EntryKind.PAYOUT]) & Q(amount__gt=0))
                | (Q(kind__in=[EntryKind.RELEASE, EntryKind.REVERSAL]) & Q(amount__lt=0)),
                name="ledger_sign_follows_kind",
            ),
        ]
        indexes = [models.Index(fields=["year", "town", "kind"], name="ledger_year_town_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.reward_id})"


class Budget(models.Model):
    """What a paying department may commit to rewards in one year (set by administrators)."""

    year = models.PositiveSmallIntegerField(_("year"))
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paying department (empty: the bureau)"),
    )
    amount = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["year", "town"]
        verbose_name = _("reward budget")
        verbose_name_plural = _("reward budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "town"], condition=Q(town__isnull=False), name="budget_one_per_town_and_year"
            ),
            models.UniqueConstraint(
                fields=["year"], condition=Q(town__isnull=True), name="budget_one_for_the_bureau_per_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.town or _('bureau')}"
