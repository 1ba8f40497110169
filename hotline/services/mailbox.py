"""The web mailbox, Open311 and staff entry: a written report with files becomes a case in one transaction.

Every file is checked (type by content, size, count) before anything is written, so a refused
upload leaves no case, no reporter and no attachment behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import services
from cases.models import Attachment, Case, CaseEvent, EventKind
from cases.phones import normalize_phone
from cases.services.intake import NewCase
from config.errors import ApplicationError
from directory.models import Enterprise, Town
from hotline import conf
from hotline.services.common import clean_text
from hotline.services.media import FileKind, attachment_store, check_file

MIN_PASSWORD_LENGTH = 6


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
    phone = "" if reporter.anonymous else _phone(reporter.phone)
    with transaction.atomic():
        person = services.reporter_create(
            name="" if reporter.anonymous else reporter.name[:100],
            phone=phone,
            email="" if reporter.anonymous else reporter.email[:200],
            id_number="" if reporter.anonymous else reporter.id_number[:32],
            anonymous=reporter.anonymous,
            language=reporter.language,
        )
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
    with transaction.atomic():
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
