"""Who may not earn a reward for a case, checked rather than left to the approver's memory.

The policy excludes reporters with a duty to report (staff of the bureau and its towns, the
enterprise's safety manager) and matters already known and being handled. Each exclusion found
becomes a *flag* on the reward: a small dict (``{"rule": "already_known", "case": "HX…"}``) that
names the rule and, where it helps, the evidence, but never anyone's ID or phone number. A flagged
reward cannot be approved; the approver sees the reasons and rejects or withdraws it.

Identity is compared through the directory's blind-index keys, so nothing is decrypted in bulk.
It is checked twice: when the reward is proposed (what the report says about the reporter) and
when it is claimed (the ID number and account the claimant gives).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from cases.models import Case, Reporter, State
from directory.identity import id_number_key, phone_key
from directory.models import StaffIdentity

Flag = dict[str, Any]

BUREAU_STAFF = "bureau_staff"
SAFETY_MANAGER = "safety_manager"
ALREADY_KNOWN = "already_known"
FINDINGS_CHANGED = "findings_changed"
# Rules that make a reporter ineligible, as against flags that only ask someone to look.
EXCLUSIONS = frozenset({BUREAU_STAFF, SAFETY_MANAGER, ALREADY_KNOWN})

TEXT = {
    BUREAU_STAFF: gettext_lazy(
        "Not eligible: the reporter is on the staff of the bureau or a town, who have a duty to report."
    ),
    SAFETY_MANAGER: gettext_lazy(
        "Not eligible: the reporter is the enterprise's registered safety manager, who has a duty to report."
    ),
    ALREADY_KNOWN: gettext_lazy(
        "Not eligible: the matter was already known and being handled — case %(case)s of the same enterprise "
        "and hazard type was accepted before this report arrived."
    ),
    FINDINGS_CHANGED: gettext_lazy(
        "Paid before the case was reopened; its new findings give %(now)s instead of %(was)s. "
        "Nothing was changed: reverse the payout, or leave it and say why on the case."
    ),
}


def describe(flag: Flag) -> str:
    """The flag as staff read it, in their language."""
    return str(TEXT[flag["rule"]]) % {key: value for key, value in flag.items() if key != "rule"}


def exclusions(flags: Iterable[Flag]) -> list[Flag]:
    return [flag for flag in flags if flag["rule"] in EXCLUSIONS]


@dataclass(frozen=True)
class Identity:
    """Blind-index keys of whatever ID and phone numbers are known for one person."""

    id_keys: frozenset[str]
    phone_keys: frozenset[str]

    @classmethod
    def of(cls, *, id_numbers: Iterable[str] = (), phones: Iterable[str] = ()) -> Identity:
        return cls(
            frozenset(key for key in map(id_number_key, id_numbers) if key),
            frozenset(key for key in map(phone_key, phones) if key),
        )

    @classmethod
    def of_reporter(cls, reporter: Reporter) -> Identity:
        return cls.of(id_numbers=[reporter.id_number], phones=[reporter.phone])

    def __or__(self, other: Identity) -> Identity:
        return Identity(self.id_keys | other.id_keys, self.phone_keys | other.phone_keys)


def duty_to_report(case: Case, identity: Identity) -> list[Flag]:
    """Active staff (anyone holding a role) and the safety manager registered for the case's enterprise."""
    flags: list[Flag] = []
    staff = StaffIdentity.objects.filter(
        Q(id_number_key__in=identity.id_keys) | Q(phone_key__in=identity.phone_keys),
        user__is_active=True,
        user__memberships__isnull=False,
    )
    if (identity.id_keys or identity.phone_keys) and staff.exists():
        flags.append({"rule": BUREAU_STAFF})
    enterprise = case.enterprise
    if enterprise is not None and (
        enterprise.safety_manager_id_key in identity.id_keys
        or enterprise.safety_manager_phone_key in identity.phone_keys
    ):
        flags.append({"rule": SAFETY_MANAGER})
    return flags


def already_known(case: Case) -> list[Flag]:
    """An earlier case on the same enterprise and hazard type that had been accepted and was still
    open when this report arrived. Reports naming no registered enterprise cannot be matched."""
    if case.enterprise_id is None:
        return []
    earlier = (
        Case.objects.filter(
            enterprise_id=case.enterprise_id,
            category=case.category,
            accepted_at__lt=case.created_at,
            merged_into__isnull=True,
        )
        .exclude(pk=case.pk)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=case.created_at))
        .exclude(state__in=[State.REJECTED, State.REFERRED, State.MERGED])
        .order_by("accepted_at")
        .values_list("reference", flat=True)
        .first()
    )
    return [{"rule": ALREADY_KNOWN, "case": earlier}] if earlier else []


def flags_for(case: Case, reporter: Reporter, claimant: Identity | None = None) -> list[Flag]:
    """Every exclusion that applies to ``reporter`` earning a reward for ``case``."""
    identity = Identity.of_reporter(reporter)
    if claimant is not None:
        identity = identity | claimant
    return duty_to_report(case, identity) + already_known(case)


def not_eligible_message(flags: Iterable[Flag]) -> str:
    return " ".join(describe(flag) for flag in flags)
