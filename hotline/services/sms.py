"""Incoming SMS/MMS: open a case, join one, or answer a status query — exactly once per MessageSid.

The message and its reply are committed in one ``InboundReport`` row before Twilio hears back, so a
redelivered message finds the row and gets the very same reply without a second case; the case
itself is built by the task worker (``hotline.services.registration``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import selectors
from cases.models import Case, Channel, Reporter
from cases.models.reporter import phone_index
from cases.phones import normalize_phone
from cases.receipts import format_receipt, new_receipt
from config.errors import ApplicationError
from directory.models import Town
from hotline import conf
from hotline.models import InboundReport
from hotline.selectors import inbound_for_receipt, status_line_for_receipt
from hotline.services.common import clean_text, language_of, town_by_keyword, town_keywords, towns_for_keywords
from hotline.services.inbound import Arrival, Join, Recent, inbound_store
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
    inbound: InboundReport
    repeated: bool = False


def sms_receive(message: IncomingSms) -> SmsOutcome:
    """Handle one inbound message and return the reply to send (TwiML ``<Message>``).

    The message and its reply are committed in one row, once per MessageSid, in one statement that
    also decides whether a first message joins the number's latest open report (``inbound.Recent``).
    The case is built by the task worker.
    """
    language = language_of(message.body)
    with translation.override(language):
        try:
            arrival = _arrival(message, language)
        except ApplicationError as refusal:
            arrival = Arrival(channel=Channel.SMS, reply=refusal.message, build=False)
        arrival.sid = message.message_sid
        inbound, created = inbound_store(arrival)
        # Only a message that joined the number's recent report has no reply of its own (``Recent``).
        reply = inbound.reply or _joined_reply()
    return SmsOutcome(reply=reply, inbound=inbound, repeated=not created)


def _arrival(message: IncomingSms, language: str) -> Arrival:
    try:
        sender = normalize_phone(message.sender)
    except ValidationError:
        raise ApplicationError(_("We could not read the number you texted from; please call the hotline.")) from None
    body = message.body
    if _STOP.match(body) or _START.match(body):
        return Arrival(channel=Channel.SMS, reply=_texts_switch(sender, stop=bool(_STOP.match(body))), build=False)
    query = _STATUS_QUERY.match(body)
    if query:
        return Arrival(channel=Channel.SMS, reply=_status_reply(query.group(2)), build=False)

    forced_new = _NEW_REPORT.match(body)
    if forced_new:
        body = body[forced_new.end() :]
    text = clean_text(body, field="Body", required=not message.media_urls)
    payload: dict[str, Any] = {"sender": sender, "text": text, "media": message.media_urls, "language": language}

    quoted = _RECEIPT_IN_TEXT.search(text)
    if quoted and not forced_new:
        digits = quoted.group(1).replace(" ", "").replace("-", "")
        target = _receipt_target(digits)
        if target is None:
            raise ApplicationError(
                _(
                    "No report has the receipt in your message. Nothing was saved; "
                    "check the number, or start with NEW to send a separate report."
                )
            )
        reply = _("Added to your report with receipt %(receipt)s. Thank you.") % {"receipt": format_receipt(digits)}
        return Arrival(channel=Channel.SMS, reply=reply, payload=payload, join=target)

    index = phone_index(sender)
    town, town_note = _town_from(text)
    receipt = new_receipt()
    reply = _(
        "Report received. Your receipt: %(receipt)s. Keep it safe. To add details, reply to this number; "
        "to check progress, text CX and the receipt."
    ) % {"receipt": format_receipt(receipt)}
    return Arrival(
        channel=Channel.SMS,
        reply=" ".join(filter(None, [reply, town_note])),
        receipt=receipt,
        sender_index=index,  # only new reports: later texts from the number join them
        payload={**payload, "town": town.pk if town else None},
        recent=None if forced_new else _recent(index),
    )


def _town_from(text: str) -> tuple[Town | None, str]:
    """A town keyword as the first word routes the case; ``#word`` that names no town is pointed out.

    The text stays as the reporter wrote it, keyword included: it is their account, word for word.
    """
    towns = towns_for_keywords()
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
    line = status_line_for_receipt(typed)
    if line is None:
        return _("No report has that receipt. Text CX followed by the 16 digits of your receipt.")
    return line


def _surviving(case: Case) -> Case:
    while case.merged_into_id is not None and case.merged_into is not None:
        case = case.merged_into
    return case


def _receipt_target(digits: str) -> Join | None:
    """What a quoted receipt joins: its case, or its report still waiting to be registered."""
    case = selectors.case_for_receipt(digits)
    if case is not None:
        return Join(case_id=_surviving(case).pk)
    inbound = inbound_for_receipt(digits)
    if inbound is None or inbound.status == InboundReport.Status.ANSWERED:
        return None
    if inbound.case is not None:
        return Join(case_id=_surviving(inbound.case).pk)
    return Join(inbound_id=inbound.pk)


def _recent(index: str) -> Recent:
    """A first message joins the number's latest report of the join window while it is open, built or
    still waiting (the INSERT decides, ``inbound.Recent``)."""
    return Recent(sender_index=index, since=timezone.now() - timedelta(hours=conf.join_window_hours()))


def _joined_reply() -> str:
    hours = conf.join_window_hours()
    return ngettext(
        "Added to the report you sent in the past hour. To send a separate report instead, "
        "start your message with NEW.",
        "Added to the report you sent in the past %(hours)d hours. To send a separate report instead, "
        "start your message with NEW.",
        hours,
    ) % {"hours": hours}
