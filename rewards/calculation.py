"""The reward table applied to a case's findings, with the working shown the way a clerk writes it.

Which rule applies, in order: a concealed or falsely reported accident with hidden deaths; else a
major hazard or an illegal act (a fine counts as one); else an ordinary hazard. Amounts are
rounded once per step to the fen, half up (see ``rewards.money``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from cases.models import AccidentGrade, Case, HazardLevel, Reporter
from config.errors import ApplicationError, Conflict
from rewards.models import Basis, Reward, RewardPolicy, RewardState
from rewards.money import ZERO, format_percent, format_yuan, to_fen


@dataclass(frozen=True)
class Findings:
    """What the reward depends on, as recorded when the case was closed."""

    hazard_level: str = ""
    illegal_acts: str = ""
    fine: Decimal = ZERO
    concealed_deaths: int = 0
    accident_grade: str = ""

    @classmethod
    def of(cls, case: Case) -> Findings:
        return cls(case.hazard_level, case.illegal_acts, case.fine_amount, case.concealed_deaths, case.accident_grade)


@dataclass(frozen=True)
class Calculation:
    basis: str
    amount: Decimal
    working: str
    details: dict[str, Any] = field(default_factory=dict)


def policy_in_force(at: datetime | None) -> RewardPolicy:
    policy = None
    if at is not None:
        policy = RewardPolicy.objects.filter(effective_from__lte=at).order_by("-effective_from").first()
    if policy is None:
        raise Conflict(_("No reward policy was in force when this case was accepted."), code="no_policy")
    return policy


def _check(findings: Findings, policy: RewardPolicy) -> None:
    if findings.fine < 0:
        raise ApplicationError(
            _("The fine cannot be negative."),
            code="invalid_findings",
            fields={"fine_amount": [_("Enter the fine in yuan, 0 or more.")]},
        )
    if findings.fine > policy.fine_plausible_maximum:
        limit = format_yuan(policy.fine_plausible_maximum)
        raise ApplicationError(
            _("A fine above %(limit)s is not plausible; correct the findings first.") % {"limit": limit},
            code="invalid_findings",
            fields={"fine_amount": [_("At most %(limit)s.") % {"limit": limit}]},
        )
    if findings.concealed_deaths < 0 or findings.concealed_deaths > 1000:
        raise ApplicationError(
            _("The number of hidden deaths is not plausible."),
            code="invalid_findings",
            fields={"concealed_deaths": [_("Enter a number between 0 and 1000.")]},
        )
    if findings.concealed_deaths and findings.accident_grade not in AccidentGrade.values:
        raise ApplicationError(
            _("Record the accident grade to reward a concealed accident."),
            code="invalid_findings",
            fields={"accident_grade": [_("This field is required.")]},
        )


def calculate(findings: Findings, policy: RewardPolicy, *, awarded_this_month: Decimal = ZERO) -> Calculation:
    """The amount the policy gives for these findings. ``awarded_this_month`` counts the reporter's
    other ordinary-hazard rewards of the same hazard type in the same month, for the monthly cap."""
    _check(findings, policy)
    if findings.concealed_deaths:
        return _concealed_accident(findings, policy)
    if findings.hazard_level == HazardLevel.MAJOR or findings.illegal_acts.strip() or findings.fine > 0:
        return _major_hazard(findings, policy)
    return _ordinary_hazard(policy, awarded_this_month)


def _concealed_accident(findings: Findings, policy: RewardPolicy) -> Calculation:
    per_death = policy.per_death(findings.accident_grade)
    raw = to_fen(per_death * findings.concealed_deaths)
    amount = min(raw, policy.concealed_maximum)
    working = _("%(deaths)s hidden deaths × %(per_death)s (%(grade)s accident) = %(raw)s") % {
        "deaths": findings.concealed_deaths,
        "per_death": format_yuan(per_death),
        "grade": AccidentGrade(findings.accident_grade).label,
        "raw": format_yuan(raw),
    }
    if amount < raw:
        working += _(", capped at the maximum %(maximum)s") % {"maximum": format_yuan(amount)}
    details = {"deaths": findings.concealed_deaths, "grade": findings.accident_grade, "per_death": str(per_death)}
    return Calculation(Basis.CONCEALED_ACCIDENT, amount, working, details)


def _major_hazard(findings: Findings, policy: RewardPolicy) -> Calculation:
    raw = to_fen(policy.major_rate * findings.fine)
    amount = min(max(raw, policy.major_minimum), policy.major_maximum)
    working = _("%(rate)s × %(fine)s fine = %(raw)s") % {
        "rate": format_percent(policy.major_rate),
        "fine": format_yuan(findings.fine),
        "raw": format_yuan(raw),
    }
    if amount > raw:
        working += _(", raised to the minimum %(minimum)s") % {"minimum": format_yuan(amount)}
    elif amount < raw:
        working += _(", capped at the maximum %(maximum)s") % {"maximum": format_yuan(amount)}
    details = {"rate": str(policy.major_rate), "fine": str(findings.fine)}
    return Calculation(Basis.MAJOR_HAZARD, amount, working, details)


def _ordinary_hazard(policy: RewardPolicy, awarded_this_month: Decimal) -> Calculation:
    room = max(policy.ordinary_monthly_cap - awarded_this_month, ZERO)
    amount = min(policy.ordinary_amount, room)
    working = _("fixed amount for an ordinary hazard: %(amount)s") % {"amount": format_yuan(policy.ordinary_amount)}
    if amount < policy.ordinary_amount:
        working += _(
            "; %(awarded)s already awarded this month for this hazard type, the monthly cap of "
            "%(cap)s leaves %(amount)s"
        ) % {
            "awarded": format_yuan(awarded_this_month),
            "cap": format_yuan(policy.ordinary_monthly_cap),
            "amount": format_yuan(amount),
        }
    details = {"awarded_this_month": str(awarded_this_month), "cap": str(policy.ordinary_monthly_cap)}
    return Calculation(Basis.ORDINARY_HAZARD, amount, working, details)


def awarded_this_month(*, reporter: Reporter, case: Case) -> Decimal:
    """The reporter's other live ordinary-hazard rewards of this hazard type in the month the case was
    accepted. The same person often has one reporter record per report, so numbers match by phone."""
    assert case.accepted_at is not None
    same_person: dict[str, Any] = (
        {"reporter__phone_index": reporter.phone_index} if reporter.phone_index else {"reporter": reporter}
    )
    month = case.accepted_at
    total = (
        Reward.objects.filter(
            basis=Basis.ORDINARY_HAZARD,
            category=case.category,
            case__accepted_at__year=month.year,
            case__accepted_at__month=month.month,
            **same_person,
        )
        .exclude(case=case)
        .exclude(state__in=[RewardState.REJECTED, RewardState.EXPIRED, RewardState.REVERSED])
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or ZERO
