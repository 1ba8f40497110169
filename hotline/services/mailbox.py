"""The web mailbox, Open311 and staff entry: a written report with files becomes a case.

Every file is checked (type by content, size, count) before anything is written, so a refused
upload leaves no case, no reporter and no attachment behind. The public mailbox answers from the
door (``mailbox_submit``: one stored row, the case built by the task worker); staff entry and Open311
build the case in the request (``report_submit``), since their callers want the case reference.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import services
from cases.models import Attachment, Case, CaseEvent, Channel, EventKind
from cases.phones import normalize_phone
from cases.receipts import new_receipt
from cases.services.intake import NewCase
from config.errors import ApplicationError
from directory.models import Enterprise, Town
from hotline import conf
from hotline.services.common import clean_text
from hotline.services.inbound import Arrival, inbound_store
from hotline.services.media import (
    FileKind,
    attachment_store,
    check_file,
    evidence_removed_on_failure,
    evidence_store,
)

MIN_PASSWORD_LENGTH = 6

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class ReporterDetails:
    anonymous: bool = True
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    language: str = "zh-hans"


@dataclass(frozen=True)
class WrittenReport:
    description: str
    category: str = "other"
    town: Town | None = None
    enterprise: Enterprise | None = None
    enterprise_name: str = ""
    address: str = ""


@dataclass(frozen=True)
class Stored:
    """What the door answers: the receipt (shown once), and the files the media storage refused."""

    receipt: str
    files_not_kept: list[str] = field(default_factory=list)


def uploads_check(uploads: list[Upload]) -> list[tuple[Upload, FileKind]]:
    limit = conf.max_files()
    if len(uploads) > limit:
        message = ngettext(
            "At most %(limit)s file can be attached.", "At most %(limit)s files can be attached.", limit
        ) % {"limit": limit}
        raise ApplicationError(message, code="too_many_files", fields={"files": [message]})
    return [(upload, check_file(upload.name, upload.content)) for upload in uploads]


def password_check(password: str, *, required: bool) -> str:
    if not password and not required:
        return ""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = _("Choose a password of at least %(count)s characters.") % {"count": MIN_PASSWORD_LENGTH}
        raise ApplicationError(message, code="weak_password", fields={"password": [message]})
    return password


def _phone(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return normalize_phone(raw)
    except ValidationError as error:
        raise ApplicationError(_("The phone number is not valid."), fields={"phone": list(error.messages)}) from None


def _reporter_fields(reporter: ReporterDetails) -> dict[str, Any]:
    """What ``cases.services.reporter_create`` stores: nothing but the language for an anonymous report."""
    named = not reporter.anonymous
    return {
        "name": reporter.name[:100] if named else "",
        "phone": _phone(reporter.phone) if named else "",
        "email": reporter.email[:200] if named else "",
        "id_number": reporter.id_number[:32] if named else "",
        "anonymous": reporter.anonymous,
        "language": reporter.language,
    }


def files_not_kept_message(names: list[str]) -> str:
    return _(
        "These files could not be stored: %(names)s. Your report is kept without them; please send them "
        "again on the status page with your receipt and password."
    ) % {"names": ", ".join(names)}


def _evidence_kept(checked: list[tuple[Upload, FileKind]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The originals written, and the names of those the media storage refused (a full or failing
    disk): the report's text must not be lost with its photos, so the reporter is told instead."""
    kept, refused = [], []
    for upload, kind in checked:
        try:
            kept.append(asdict(evidence_store(content=upload.content, kind=kind, original_name=upload.name)))
        except OSError as error:
            logger.error("Media storage refused an evidence file (%s); the report is kept without it", error.strerror)
            refused.append(upload.name[:200])
    return kept, refused


def mailbox_submit(*, report: WrittenReport, reporter: ReporterDetails, password: str, uploads: list[Upload]) -> Stored:
    """Store a public mailbox report at the door and return its receipt (shown once).

    The request checks everything, writes the encrypted originals and commits one row plus its build
    task; the worker builds reporter, case, attachments and hashes the password (``cases.receipts``).
    """
    description = clean_text(report.description)
    checked = uploads_check(uploads)
    password = password_check(password, required=True)
    person = _reporter_fields(reporter)
    receipt = new_receipt()
    with evidence_removed_on_failure():
        evidence, refused = _evidence_kept(checked)
        inbound_store(
            Arrival(
                channel=Channel.WEB,
                receipt=receipt,
                payload={
                    "description": description,
                    "category": report.category,
                    "town": report.town.pk if report.town else None,
                    "enterprise": report.enterprise.pk if report.enterprise else None,
                    "enterprise_name": report.enterprise_name.strip()[:200],
                    "address": report.address.strip()[:300],
                    "reporter": person,
                    "password": password,
                    "evidence": evidence,
                    "files_not_kept": refused,
                },
            )
        )
    return Stored(receipt=receipt, files_not_kept=refused)


def report_submit(
    *,
    report: WrittenReport,
    reporter: ReporterDetails,
    password: str,
    uploads: list[Upload],
    channel: str,
    password_required: bool = True,
    entered_by: Any = None,
) -> NewCase:
    """Store the report, its reporter and files together; returns the receipt (shown once)."""
    description = clean_text(report.description)
    checked = uploads_check(uploads)
    password = password_check(password, required=password_required)
    person_fields = _reporter_fields(reporter)
    with evidence_removed_on_failure(), transaction.atomic():
        person = services.reporter_create(**person_fields)
        new = services.case_create(
            channel=channel,
            reporter=person,
            description=description,
            category=report.category,
            address=report.address.strip()[:300],
            suggested_town=report.town,
            enterprise=report.enterprise,
            enterprise_name=report.enterprise_name.strip()[:200],
            entered_by=entered_by,
            password=password or "",
        )
        source = Attachment.Source.STAFF if entered_by is not None else Attachment.Source.REPORTER
        for upload, kind in checked:
            attachment_store(case=new.case, content=upload.content, kind=kind, source=source, original_name=upload.name)
    return new


def report_followup(*, case: Case, text: str, uploads: list[Upload], question_id: int | None = None) -> CaseEvent:
    """The reporter adds detail or files, or answers an officer's question."""
    text = clean_text(text, field="text", required=not uploads)
    checked = uploads_check(uploads)
    question = None
    if question_id is not None:
        question = CaseEvent.objects.filter(pk=question_id, case=case, kind=EventKind.QUESTION).first()
        if question is None:
            raise ApplicationError(
                _("That question does not belong to this report."), fields={"question": [_("Unknown question.")]}
            )
    if not text:
        text = ngettext("[%(count)s file added]", "[%(count)s files added]", len(uploads)) % {"count": len(uploads)}
    with evidence_removed_on_failure(), transaction.atomic():
        event = services.case_followup_add(case=case, text=text, reply_to=question)
        for upload, kind in checked:
            attachment_store(
                case=case,
                content=upload.content,
                kind=kind,
                source=Attachment.Source.REPORTER,
                original_name=upload.name,
            )
    return event
