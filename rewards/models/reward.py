from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models import Category
from directory.models import Town
from rewards import rules


class RewardState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    OFFERED = "offered", _("Offered to the reporter")
    CLAIMED = "claimed", _("Claimed")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired unclaimed")
    REVERSED = "reversed", _("Reversed")


# States whose amount is committed in the ledger (accrued and neither released nor reversed).
COMMITTED_STATES = (RewardState.APPROVED, RewardState.OFFERED, RewardState.CLAIMED, RewardState.PAID)


class Basis(models.TextChoices):
    ORDINARY_HAZARD = "ordinary_hazard", _("Ordinary hazard")
    MAJOR_HAZARD = "major_hazard", _("Major hazard or illegal act")
    CONCEALED_ACCIDENT = "concealed_accident", _("Concealed or falsely reported accident")


class Reward(ConcurrentTransitionMixin, models.Model):
    """What one reporter earns for one case; joint reporters each get their own share."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="rewards", verbose_name=_("case"))
    reporter = models.ForeignKey(
        "cases.Reporter", on_delete=models.PROTECT, related_name="rewards", verbose_name=_("reporter")
    )
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rewards",
        verbose_name=_("paying department (empty: the bureau)"),
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    policy = models.ForeignKey(
        "rewards.RewardPolicy", on_delete=models.PROTECT, related_name="rewards", verbose_name=_("policy version")
    )
    basis = models.CharField(_("basis"), max_length=24, choices=Basis.choices)
    calculated_amount = models.DecimalField(_("amount by the policy (yuan)"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    working = models.TextField(_("calculation"))
    share = models.CharField(_("share"), max_length=16, default="1/1")
    state = FSMField(
        _("state"), default=RewardState.PROPOSED, choices=RewardState.choices, protected=True, db_index=True
    )

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by (empty: the system)"),
    )
    proposal_reason = models.TextField(_("reason of the proposal"), blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second approver"),
    )
    needs_second_approval = models.BooleanField(_("needs a second approver"), default=False)
    decision_reason = models.TextField(_("reason of the last decision"), blank=True)
    budget_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)
    # Exclusions found and changes to check (``rewards.eligibility``): a flagged reward is not approved.
    flags = models.JSONField(_("flags"), default=list, blank=True)

    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    claim_by = models.DateField(_("claim by"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("rejected, expired or reversed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            # One live reward per reporter and case: the automatic proposal after closing is
            # idempotent, and a new proposal is only possible once the old one was rejected.
            models.UniqueConstraint(
                fields=["case", "reporter"],
                condition=~Q(state="rejected"),
                name="reward_one_live_per_case_and_reporter",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="reward_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["town", "budget_year", "state"], name="reward_town_year_state")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.reporter_id}: {self.amount}"

    @property
    def approver_exclusions(self) -> set[int]:
        """Users who may not approve: the proposer and, for the second approval, the first approver."""
        return {pk for pk in (self.proposed_by_id, self.first_approved_by_id) if pk is not None}

    # --- lifecycle: transitions change this row only; services save, write the ledger and events.

    @transition(
        field=state,
        source=RewardState.PROPOSED,
        target=RewardState.APPROVED,
        permission=rules.may_approve,
        conditions=[rules.case_closed, rules.approvals_complete],
    )
    def approve(self) -> None:
        pass

    @transition(field=state, source=RewardState.PROPOSED, target=RewardState.REJECTED, permission=rules.may_decide)
    def reject(self) -> None:
        pass

    @transition(
        field=state,
        source=RewardState.APPROVED,
        target=RewardState.OFFERED,
        permission=rules.may_offer,
        conditions=[rules.case_closed],
    )
    def offer(self) -> None:
        pass

    @transition(
        field=state,
        source=RewardState.OFFERED,
        target=RewardState.CLAIMED,
        permission=rules.reporter_or_system,
        conditions=[rules.claim_window_open],
    )
    def claim(self) -> None:
        pass

    @transition(
        field=state,
        source=RewardState.CLAIMED,
        target=RewardState.PAID,
        permission=rules.may_record_payout,
        conditions=[rules.case_closed],
    )
    def pay(self) -> None:
        pass

    @transition(
        field=state,
        source=[RewardState.PROPOSED, RewardState.APPROVED, RewardState.OFFERED, RewardState.CLAIMED],
        target=RewardState.REJECTED,
        permission=rules.may_withdraw,
    )
    def withdraw(self) -> None:
        """No longer due (not eligible after all, or the case's findings changed) before any money
        went out; what approval committed is released by a ledger entry."""

    @transition(
        field=state,
        source=RewardState.OFFERED,
        target=RewardState.EXPIRED,
        permission=rules.reporter_or_system,
        conditions=[rules.claim_window_closed],
    )
    def expire(self) -> None:
        pass

    @transition(field=state, source=RewardState.PAID, target=RewardState.REVERSED, permission=rules.may_reverse)
    def reverse(self) -> None:
        pass
