from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import AccidentGrade
from cases.models.event import AppendOnlyError

NATIONAL_EXCLUSIONS = [
    "Matters already known to the authorities and being handled when reported.",
    "Reporters with a duty to report: staff of the bureau and its towns, the enterprise's safety manager.",
    "Reports that turn out to be unfounded, or based on information obtained unlawfully.",
]


class JointSplit(models.TextChoices):
    EQUAL = "equal", _("Shared equally between joint reporters")
    FIRST_REPORTER = "first_reporter", _("All to the first reporter")


def default_exclusions() -> list[str]:
    return list(NATIONAL_EXCLUSIONS)


def _money(verbose_name: Any, default: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        verbose_name, max_digits=12, decimal_places=2, default=Decimal(default), validators=[MinValueValidator(0)]
    )


class RewardPolicy(models.Model):
    """One version of the reward table. A case is judged by the version in force when it was accepted,
    so a version that has judged a reward is never edited: administrators add a new version instead."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateTimeField(_("in force from"))
    ordinary_amount = _money(_("ordinary hazard: fixed amount"), "500")
    ordinary_monthly_cap = _money(_("ordinary hazard: most per reporter, hazard type and month"), "1000")
    major_rate = models.DecimalField(
        _("major hazard or illegal act: share of the fine"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.15"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    major_minimum = _money(_("major hazard or illegal act: minimum"), "3000")
    major_maximum = _money(_("major hazard or illegal act: maximum"), "300000")
    death_general = _money(_("concealed accident, per death: general"), "30000")
    death_larger = _money(_("concealed accident, per death: larger"), "40000")
    death_major = _money(_("concealed accident, per death: major"), "50000")
    death_especially_major = _money(_("concealed accident, per death: especially major"), "60000")
    concealed_maximum = _money(_("concealed accident: maximum"), "300000")
    fine_plausible_maximum = _money(_("largest fine accepted without correction"), "100000000")
    claim_window_days = models.PositiveSmallIntegerField(_("claim window (days after the offer)"), default=60)
    anonymous_claims_allowed = models.BooleanField(
        _("anonymous reporters may claim with receipt and identity proof"), default=True
    )
    second_approval_above = _money(_("amounts above this need a second approver"), "50000")
    joint_split = models.CharField(
        _("joint reporters"), max_length=16, choices=JointSplit.choices, default=JointSplit.EQUAL
    )
    exclusions = models.JSONField(_("not eligible"), default=default_exclusions, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("reward policy")
        verbose_name_plural = _("reward policies")

    def __str__(self) -> str:
        return f"v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.in_use:
            raise AppendOnlyError("A policy version that has judged rewards cannot change; add a new version.")
        super().save(*args, **kwargs)

    def per_death(self, grade: str) -> Decimal:
        return {
            AccidentGrade.GENERAL: self.death_general,
            AccidentGrade.LARGER: self.death_larger,
            AccidentGrade.MAJOR: self.death_major,
            AccidentGrade.ESPECIALLY_MAJOR: self.death_especially_major,
        }[AccidentGrade(grade)]

    @property
    def in_use(self) -> bool:
        return self.pk is not None and self.rewards.exists()
