"""The worker's half of the intake: turn a stored ``InboundReport`` into a case, exactly once.

It does what the reply at the door already promised: open a case under the receipt it gave, or
add the message to the case (or the still-waiting report) it said it joined. Everything happens in
one transaction with the row locked, so a failure leaves the row ``pending`` and whole for a retry,
and a second run of the same task finds it built and does nothing.

Which rows to build comes from the table itself (``inbound_waiting``): the door stores no task per
report, and the workers' watch enqueues a drain when rows wait (``hotline.tasks.inbound_watch``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from cases import services
from cases.models import Attachment, Case, Channel
from directory.models import Enterprise, Town
from hotline.models import InboundReport
from hotline.services import common  # a module import: common enqueues tasks, which import this module
from hotline.services.media import StoredEvidence, attachment_from_evidence

_BATCH = 100

logger = logging.getLogger(__name__)


def _first_tries() -> QuerySet[InboundReport]:
    return InboundReport.objects.filter(status=InboundReport.Status.PENDING, attempts=0)


def inbound_waits() -> bool:
    """True when a report waits for its first try (a row that failed is left to its own retries)."""
    return _first_tries().exists()


def inbound_waiting() -> Iterator[tuple[int, str]]:
    """(id, request id) of every row waiting for its first try, oldest first: what a drain builds.

    Rows are read in batches after the last id seen, so a concurrent drain only waits on the lock of
    the row both reached. A row committed behind a batch this drain already read is the next drain's
    (``hotline.tasks.inbound_watch`` enqueues one while rows wait and none is queued).
    """
    after = 0
    waiting = _first_tries().order_by("pk")
    while batch := list(waiting.filter(pk__gt=after).values_list("pk", "request_id")[:_BATCH]):
        yield from batch
        after = batch[-1][0]


def inbound_build(inbound_id: int) -> Case | None:
    """Build the case of a waiting row (or return the one already built); None for a row with nothing to build."""
    with transaction.atomic():
        inbound = InboundReport.objects.select_for_update().filter(pk=inbound_id).first()
        if inbound is None or inbound.status != InboundReport.Status.PENDING:
            return inbound.case if inbound is not None else None
        payload: dict[str, Any] = json.loads(inbound.payload)
        if inbound.join_case_id is not None or inbound.join_inbound_id is not None:
            case = _join(inbound, payload)
        elif inbound.channel == Channel.SMS:
            case = _open_from_sms(inbound, payload)
        else:
            case = _open_from_mailbox(inbound, payload)
        inbound.case = case
        inbound.status = InboundReport.Status.BUILT
        inbound.payload = ""  # the case holds it now; the mailbox password leaves with it, hashed on the case
        inbound.built_at = timezone.now()
        inbound.save(update_fields=["case", "status", "payload", "built_at"])
    return case


def inbound_failed(inbound_id: int, error: BaseException) -> None:
    """Note a failed try on the row, which stays ``pending`` for the next one."""
    InboundReport.objects.filter(pk=inbound_id, status=InboundReport.Status.PENDING).update(
        attempts=F("attempts") + 1, last_error=type(error).__name__[:200]
    )


def _join(inbound: InboundReport, payload: dict[str, Any]) -> Case:
    # The report this one joins may itself still be waiting: build it first (same transaction).
    case = inbound_build(inbound.join_inbound_id) if inbound.join_inbound_id is not None else inbound.join_case
    if case is None:
        raise LookupError(f"inbound report {inbound.pk} joins a report that has no case")
    while case.merged_into_id is not None and case.merged_into is not None:
        case = case.merged_into
    text = payload["text"]
    media = payload.get("media", [])
    if not text:
        with override(payload.get("language", "zh-hans")):
            text = ngettext("[%(count)s photo sent by MMS]", "[%(count)s photos sent by MMS]", len(media)) % {
                "count": len(media)
            }
    services.case_followup_add(case=case, text=text)
    common.remote_media_add(case=case, urls=media, source=Attachment.Source.MMS)
    return case


def _open_from_sms(inbound: InboundReport, payload: dict[str, Any]) -> Case:
    sender = payload["sender"]
    reporter = services.reporter_find_by_phone(sender) or services.reporter_create(
        phone=sender, language=payload.get("language", "zh-hans")
    )
    town = Town.objects.filter(pk=payload["town"]).first() if payload.get("town") else None
    new = services.case_create(
        channel=Channel.SMS,
        reporter=reporter,
        description=payload["text"],
        suggested_town=town,
        receipt_hash=inbound.receipt_index or "",
    )
    common.remote_media_add(case=new.case, urls=payload.get("media", []), source=Attachment.Source.MMS)
    return new.case


def _open_from_mailbox(inbound: InboundReport, payload: dict[str, Any]) -> Case:
    details = payload["reporter"]
    person = services.reporter_create(**details)
    town = Town.objects.filter(pk=payload["town"]).first() if payload.get("town") else None
    enterprise = Enterprise.objects.filter(pk=payload["enterprise"]).first() if payload.get("enterprise") else None
    new = services.case_create(
        channel=inbound.channel,
        reporter=person,
        description=payload["description"],
        category=payload["category"],
        address=payload["address"],
        suggested_town=town,
        enterprise=enterprise,
        enterprise_name=payload["enterprise_name"],
        password=payload["password"],  # hashed here, off the request path (cases.receipts)
        receipt_hash=inbound.receipt_index or "",
    )
    for evidence in payload.get("evidence", []):
        attachment_from_evidence(case=new.case, evidence=StoredEvidence(**evidence), source=Attachment.Source.REPORTER)
    if refused := payload.get("files_not_kept"):
        # Staff see why a photo the reporter sent is missing (they were told to send it again).
        note = _("These files could not be stored when the report arrived: %(names)s") % {"names": ", ".join(refused)}
        services.case_note_add(case=new.case, by=None, text=note)
    return new.case
