"""Voicemail reports from the IVR: one case per CallSid, receipt read back and texted to mobiles."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases import services
from cases.models import Attachment, Case, Channel
from cases.phones import is_mobile, normalize_phone
from cases.receipts import format_receipt
from directory.models import Town
from hotline.models import TwilioDelivery
from hotline.services.common import remote_media_add
from hotline.services.deliveries import delivery_claim
from hotline.services.transcripts import transcript_status_for
from notifications.services import message_send


@dataclass(frozen=True)
class Voicemail:
    call_sid: str
    caller: str
    recording_url: str
    recording_sid: str
    duration_seconds: int
    town: Town | None
    language: str


@dataclass(frozen=True)
class VoicemailOutcome:
    case: Case | None
    receipt: str
    texted: bool


def voicemail_receive(voicemail: Voicemail) -> VoicemailOutcome:
    """Store the report before the caller hears the receipt; a redelivered callback gets the same one."""
    with transaction.atomic():
        delivery, created = delivery_claim(sid=voicemail.call_sid, kind=TwilioDelivery.Kind.VOICEMAIL)
        if not created:
            return VoicemailOutcome(case=delivery.case, receipt=delivery.reply, texted=False)
        phone = _caller_number(voicemail.caller)
        reporter = (services.reporter_find_by_phone(phone) if phone else None) or services.reporter_create(
            phone=phone, anonymous=not phone, language=voicemail.language
        )
        new = services.case_create(
            channel=Channel.VOICE, reporter=reporter, description="", suggested_town=voicemail.town
        )
        remote_media_add(
            case=new.case,
            urls=[voicemail.recording_url],
            source=Attachment.Source.VOICEMAIL,
            recording_sid=voicemail.recording_sid,
            duration_seconds=voicemail.duration_seconds,
            transcript_status=transcript_status_for(voicemail.duration_seconds),
        )
        texted = bool(phone) and is_mobile(phone)
        if texted:
            _text_receipt(new.case, phone, new.receipt, voicemail)
        delivery.case, delivery.reply = new.case, new.receipt
        delivery.save(update_fields=["case", "reply"])
    return VoicemailOutcome(case=new.case, receipt=new.receipt, texted=texted)


def _caller_number(caller: str) -> str:
    """The caller ID as E.164, or "" when withheld or unreadable (the report is then anonymous)."""
    try:
        return normalize_phone(caller) if caller else ""
    except ValidationError:
        return ""


def _text_receipt(case: Case, phone: str, receipt: str, voicemail: Voicemail) -> None:
    with translation.override(voicemail.language):
        body = _(
            "Your phoned report was received. Receipt: %(receipt)s. Keep it safe; text CX and the receipt "
            "to this number to check progress."
        ) % {"receipt": format_receipt(receipt)}
    message_send(
        to=phone,
        body=body,
        purpose="receipt",
        dedupe_key=f"receipt:{voicemail.call_sid}",
        case=case,
        reporter=case.reporter,
    )
