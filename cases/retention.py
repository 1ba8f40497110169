"""Retention: reporters' identities and original evidence are not kept forever.

A case is *past retention* when it ended (closed, rejected, referred or merged) more than
``RETENTION_YEARS`` years ago (default 3) — the end being its last state change, so a reopened
case starts again — and it never had a reward. Cases with a reward keep everything: the ledger and
the claim (identity, account) are the bureau's finance record, kept under finance rules, and the
ledger is append-only.

For cases past retention:

- original evidence files are deleted (the attachment row, its sha256, the stripped display copy
  and any transcript stay, so the case still shows what was reported);
- a reporter's name, phone, e-mail and ID number are erased once *every* case they reported or are
  linked to is past retention — a reporter with a newer case keeps their identity. The
  ``anonymous`` flag stays, so the anonymous share in the statistics does not move.

The case, its events and every statistic stay as they were. Each case changed gets one event
(``change`` / ``retention``) saying what went; running again changes nothing and records nothing.
Free text (the description, follow-ups) is kept as written: a reporter who wrote their number into
the text must be redacted by hand. Apps above ``cases`` that keep a reporter's details (outbound
messages, provider payloads) register an eraser with ``subscribe``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from cases import events
from cases.models import Attachment, Case, CaseReporter, EventKind, Reporter, State

ENDED = [State.CLOSED, State.REJECTED, State.REFERRED, State.MERGED]
EVENT_NAME = "retention"

# ``eraser(reporter_ids)`` erases what another app keeps about these reporters; returns rows changed.
Eraser = Callable[[list[int]], int]
_erasers: list[Eraser] = []


def subscribe(eraser: Eraser) -> None:
    if eraser not in _erasers:
        _erasers.append(eraser)


@dataclass
class Plan:
    cutoff: datetime
    cases: list[int] = field(default_factory=list)  # past retention
    reporters: list[int] = field(default_factory=list)  # to erase now
    evidence: list[int] = field(default_factory=list)  # attachments whose original is still stored

    @property
    def changed_cases(self) -> set[int]:
        reporter_cases = Case.objects.filter(
            Q(reporter__in=self.reporters) | Q(linked_reporters__reporter__in=self.reporters), pk__in=self.cases
        ).values_list("pk", flat=True)
        evidence_cases = Attachment.objects.filter(pk__in=self.evidence).values_list("case_id", flat=True)
        return {*reporter_cases, *evidence_cases}


def cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def past_retention(before: datetime) -> QuerySet[Case]:
    ended = Case.objects.filter(state__in=ENDED).annotate(
        ended_at=Max("events__created_at", filter=Q(events__kind=EventKind.TRANSITION))
    )
    return ended.filter(ended_at__lt=before).exclude(events__kind=EventKind.REWARD)


def plan(now: datetime | None = None) -> Plan:
    result = Plan(cutoff=cutoff(now or timezone.now(), settings.RETENTION_YEARS))
    result.cases = sorted(past_retention(result.cutoff).values_list("pk", flat=True))
    involved = {
        *Case.objects.filter(pk__in=result.cases).values_list("reporter_id", flat=True),
        *CaseReporter.objects.filter(case__in=result.cases).values_list("reporter_id", flat=True),
    }
    # A reporter keeps their identity while any of their cases is not past retention.
    kept = {
        *Case.objects.filter(reporter__in=involved).exclude(pk__in=result.cases).values_list("reporter_id", flat=True),
        *CaseReporter.objects.filter(reporter__in=involved)
        .exclude(case__in=result.cases)
        .values_list("reporter_id", flat=True),
    }
    # Encrypted columns cannot be compared in SQL: read the few candidates and look.
    candidates = Reporter.objects.filter(pk__in=involved - kept).order_by("pk")
    result.reporters = [r.pk for r in candidates if r.name or r.phone or r.email or r.id_number]
    evidence = Attachment.objects.filter(case__in=result.cases).exclude(original_file="")
    result.evidence = sorted(evidence.values_list("pk", flat=True))
    return result


def _erase_reporters(reporter_ids: list[int]) -> None:
    if not reporter_ids:
        return
    for reporter in Reporter.objects.filter(pk__in=reporter_ids):
        reporter.name = reporter.phone = reporter.email = reporter.id_number = ""
        reporter.save()  # recomputes the phone lookup index: empty
    for eraser in list(_erasers):
        eraser(reporter_ids)


def _delete_evidence(attachment_ids: list[int]) -> dict[int, int]:
    """Deletes the original files; returns files deleted per case."""
    per_case: dict[int, int] = {}
    for attachment in Attachment.objects.filter(pk__in=attachment_ids):
        storage, name = attachment.original_file.storage, str(attachment.original_file.name)
        attachment.original_file = ""  # type: ignore[assignment]
        attachment.save(update_fields=["original_file"])
        # Once the row no longer names it: a crash in between leaves an unreferenced file, never a dangling row.
        transaction.on_commit(partial(storage.delete, name))
        per_case[attachment.case_id] = per_case.get(attachment.case_id, 0) + 1
    return per_case


def apply(retention: Plan) -> int:
    """Carry out the plan; returns the number of cases changed (each gets one audit event)."""
    changed = retention.changed_cases
    erased = set(retention.reporters)
    with transaction.atomic():
        _erase_reporters(retention.reporters)
        deleted = _delete_evidence(retention.evidence)
        for case in Case.objects.filter(pk__in=changed).prefetch_related("linked_reporters"):
            reporters = {case.reporter_id, *(link.reporter_id for link in case.linked_reporters.all())}
            events.record(
                case=case,
                kind=EventKind.CHANGE,
                name=EVENT_NAME,
                changes={
                    "retention_years": settings.RETENTION_YEARS,
                    "reporters_erased": sorted(reporters & erased),
                    "evidence_files_deleted": deleted.get(case.pk, 0),
                },
            )
    return len(changed)
