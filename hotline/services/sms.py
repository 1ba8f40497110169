"""Incoming SMS/MMS: open a case, join one, or answer a status query — exactly once per MessageSid.

Everything, including the reply, is stored in one transaction before Twilio hears back, so a
redelivered message finds its delivery row and gets the very same reply without a second case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import selectors, services
from cases.models import Attachment, Case, Channel, Reporter
from cases.models.reporter import phone_index
from cases.models.states import OPEN_STATES
from cases.phones import normalize_phone
from cases.receipts import format_receipt
from config.errors import ApplicationError
from directory.models import Town
from hotline import conf
from hotline.models import TwilioDelivery
from hotline.selectors import public_status_line
from hotline.services.common import clean_text, language_of, remote_media_add, town_by_keyword, town_keywords
from hotline.services.deliveries import delivery_claim
from notifications.services import reporter_opt_out

# "CX 1234 5678 …" or "查询" alone; "查询到某厂…" is a report that happens to start with the word.
_STATUS_QUERY = re.compile(r"^\s*(CX|查询|查詢)\s*[:：]?\s*([\d\s\-]*)$", re.IGNORECASE)
_STOP = re.compile(r"^\s*(TD|STOP|UNSUBSCRIBE|退订)\s*[.!。！]?\s*$", re.IGNORECASE)
_START = re.compile(r"^\s*(START|UNSTOP|恢复)\s*[.!。！]?\s*$", re.IGNORECASE)
_NEW_REPORT = re.compile(r"^\s*(NEW\b|新(?=[\s:：,，]|$))[\s:：,，]*", re.IGNORECASE)
_RECEIPT_IN_TEXT = re.compile(r"(?<![\d])(\d{4}[ \-]?\d{4}[ \-]?\d{4}[ \-]?\d{4})(?![\d])")
_CJK_KEYWORD = re.compile(r"^[\u3400-\u9fff]{2,}$")
_FIRST_WORD = re.compile(r"^\s*([#＃]?[^\s,，:：;；。.!！?？]+)[\s,，:：;；。.!！?？]*")


@dataclass(frozen=True)
class IncomingSms:
    message_sid: str
    sender: str
    body: str
    media_urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SmsOutcome:
    reply: str
    case: Case | None
    repeated: bool = False


def sms_receive(message: IncomingSms) -> SmsOutcome:
    """Handle one inbound message and return the reply to send (TwiML ``<Message>``)."""
    language = language_of(message.body)
    with transaction.atomic():
        delivery, created = delivery_claim(sid=message.message_sid, kind=TwilioDelivery.Kind.SMS)
        if not created:
            return SmsOutcome(reply=delivery.reply, case=delivery.case, repeated=True)
        with translation.override(language):
            try:
                with transaction.atomic():
                    case, reply = _handle(message, language)
            except ApplicationError as refusal:
                case, reply = None, refusal.message
        delivery.case = case
        delivery.reply = reply
        delivery.save(update_fields=["case", "reply"])
    return SmsOutcome(reply=reply, case=case)


def _handle(message: IncomingSms, language: str) -> tuple[Case | None, str]:
    try:
        sender = normalize_phone(message.sender)
    except ValidationError:
        raise ApplicationError(_("We could not read the number you texted from; please call the hotline.")) from None
    body = message.body
    if _STOP.match(body) or _START.match(body):
        return None, _texts_switch(sender, stop=bool(_STOP.match(body)))
    query = _STATUS_QUERY.match(body)
    if query:
        return None, _status_reply(query.group(2))

    forced_new = _NEW_REPORT.match(body)
    if forced_new:
        body = body[forced_new.end() :]
    text = clean_text(body, field="Body", required=not message.media_urls)
    town, town_note = _town_from(text)

    quoted = _RECEIPT_IN_TEXT.search(text)
    if quoted and not forced_new:
        case = selectors.case_for_receipt(quoted.group(1))
        if case is None:
            raise ApplicationError(
                _(
                    "No report has the receipt in your message. Nothing was saved; "
                    "check the number, or start with NEW to send a separate report."
                )
            )
        case = _surviving(case)
        _add_to(case, text, message)
        return case, _("Added to your report with receipt %(receipt)s. Thank you.") % {
            "receipt": format_receipt(quoted.group(1).replace(" ", "").replace("-", ""))
        }

    recent = None if forced_new else _recent_case(sender)
    if recent is not None:
        _add_to(recent, text, message)
        opened = date_format(timezone.localtime(recent.created_at), "SHORT_DATETIME_FORMAT")
        return recent, _(
            "Added to the report you sent at %(time)s. To send a separate report instead, start your message with NEW."
        ) % {"time": opened}

    reporter = services.reporter_find_by_phone(sender) or services.reporter_create(phone=sender, language=language)
    new = services.case_create(channel=Channel.SMS, reporter=reporter, description=text, suggested_town=town)
    _media(new.case, message)
    reply = _(
        "Report received. Your receipt: %(receipt)s. Keep it safe. To add details, reply to this number; "
        "to check progress, text CX and the receipt."
    ) % {"receipt": format_receipt(new.receipt)}
    return new.case, " ".join(filter(None, [reply, town_note]))


def _town_from(text: str) -> tuple[Town | None, str]:
    """A town keyword as the first word routes the case; ``#word`` that names no town is pointed out.

    The text stays as the reporter wrote it, keyword included: it is their account, word for word.
    """
    towns = list(Town.objects.all())  # a handful of rows, read once per message
    for candidate in towns:
        for keyword in candidate.sms_keywords:
            # Chinese has no spaces: "甲镇某厂…" starts with the keyword without a separator.
            if _CJK_KEYWORD.match(keyword) and text.startswith(keyword) and len(text) > len(keyword):
                return candidate, ""
    first = _FIRST_WORD.match(text)
    if not first:
        return None, ""
    word = first.group(1)
    town = town_by_keyword(word, towns)
    if town is not None:
        return town, ""
    if word[0] in "#＃":
        note = _("“%(word)s” is not a town keyword (known: %(known)s); the bureau will route your report.") % {
            "word": word[:20],
            "known": ", ".join(town_keywords(towns)),
        }
        return None, note
    return None, ""


def _texts_switch(sender: str, *, stop: bool) -> str:
    """TD/STOP and START: every reporter record of this number stops (or resumes) getting texts."""
    for reporter in Reporter.objects.filter(phone_index=phone_index(sender)):
        reporter_opt_out(reporter, opted_out=stop)
    if stop:
        return _("You will get no more texts from the hotline. Send START to receive them again.")
    return _("Texts from the hotline are on again.")


def _status_reply(typed: str) -> str:
    case = selectors.case_for_receipt(typed)
    if case is None:
        return _("No report has that receipt. Text CX followed by the 16 digits of your receipt.")
    return public_status_line(_surviving(case))


def _surviving(case: Case) -> Case:
    while case.merged_into_id is not None and case.merged_into is not None:
        case = case.merged_into
    return case


def _recent_case(sender: str) -> Case | None:
    since = timezone.now() - timedelta(hours=conf.join_window_hours())
    latest = (
        Case.objects.filter(reporter__phone_index=phone_index(sender), created_at__gte=since)
        .order_by("-created_at")
        .first()
    )
    return latest if latest is not None and latest.state in OPEN_STATES else None


def _add_to(case: Case, text: str, message: IncomingSms) -> None:
    if not text:
        count = len(message.media_urls)
        text = ngettext("[%(count)s photo sent by MMS]", "[%(count)s photos sent by MMS]", count) % {"count": count}
    services.case_followup_add(case=case, text=text)
    _media(case, message)


def _media(case: Case, message: IncomingSms) -> None:
    remote_media_add(case=case, urls=message.media_urls, source=Attachment.Source.MMS)
