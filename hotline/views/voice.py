"""The IVR: ``POST /hotline/twilio/voice/`` and its steps below it, answered with TwiML.

Mandarin first, English on 9. The caller's language and town travel in the action URLs'
query strings (signed by Twilio like the rest), so the IVR keeps no session of its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from twilio.twiml.voice_response import VoiceResponse

from config import ratelimit
from config.crypto import blind_index
from directory.models import Town
from hotline import conf
from hotline.selectors import status_line_for_receipt
from hotline.services.transcripts import transcription_receive
from hotline.services.voice import Voicemail, voicemail_receive
from hotline.views.twilio_edge import sid_valid, twilio_webhook, twiml, voice_apology
from hotline.voice_hours import duty_line_open

VOICE_LANGUAGE = {"zh-hans": "zh-CN", "en": "en-US"}
MAX_RECORDING_SECONDS = 180
DONT_KNOW_DIGIT = "0"


def _language(request: HttpRequest) -> str:
    return "en" if request.GET.get("lang") == "en" else "zh-hans"


def _step(name: str, language: str, **params: object) -> str:
    return reverse(f"hotline:{name}") + "?" + urlencode({"lang": "en" if language == "en" else "zh", **params})


class Ivr:
    """One TwiML answer in one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.voice_language = VOICE_LANGUAGE[language]
        self.response = VoiceResponse()

    def say(self, text: str, target: Any = None) -> None:
        (target or self.response).say(text, language=self.voice_language)

    def done(self) -> HttpResponse:
        return twiml(self.response)


@twilio_webhook(apology=voice_apology)
def welcome(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    ivr = Ivr(language)
    with translation.override(language):
        gather = ivr.response.gather(num_digits=1, action=_step("twilio-voice-menu", language), timeout=6)
        ivr.say(
            _(
                "Welcome to the work-safety reporting hotline. To report a hazard or violation, press 1. "
                "To check a report with your receipt, press 2. To speak to the duty officer, press 0."
            ),
            gather,
        )
        if language == "zh-hans":
            gather.say("For English, press 9.", language="en-US")
        ivr.say(_("We did not hear a choice. Goodbye."))
    ivr.response.hangup()
    return ivr.done()


@twilio_webhook(apology=voice_apology)
def menu(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    digit = request.POST.get("Digits", "")
    ivr = Ivr(language)
    with translation.override(language):
        if digit == "9":
            ivr.response.redirect(_step("twilio-voice", "en"))
        elif digit == "1":
            _choose_town(ivr, purpose="report")
        elif digit == "2":
            gather = ivr.response.gather(num_digits=16, action=_step("twilio-voice-status", language), timeout=15)
            ivr.say(_("Please type the sixteen digits of your receipt."), gather)
            ivr.say(_("We did not hear a receipt. Goodbye."))
        elif digit == "0":
            if duty_line_open(timezone.localtime()):
                _choose_town(ivr, purpose="dial")
            else:
                ivr.say(_("The duty line is closed now. Please leave a message after choosing the town."))
                _choose_town(ivr, purpose="report")
        else:
            ivr.say(_("Sorry, that is not an option."))
            ivr.response.redirect(_step("twilio-voice", language))
    return ivr.done()


def _choose_town(ivr: Ivr, *, purpose: str) -> None:
    towns = Town.objects.filter(ivr_digit__isnull=False).order_by("ivr_digit")
    gather = ivr.response.gather(
        num_digits=1, action=_step("twilio-voice-town", ivr.language, purpose=purpose), timeout=8
    )
    for town in towns:
        name = town.name if ivr.language == "zh-hans" else town.name_en
        ivr.say(_("For %(town)s, press %(digit)s.") % {"town": name, "digit": town.ivr_digit}, gather)
    ivr.say(_("If you do not know the town, press 0."), gather)
    ivr.response.redirect(_step("twilio-voice-town", ivr.language, purpose=purpose, Digits=DONT_KNOW_DIGIT))


@twilio_webhook(apology=voice_apology)
def town_chosen(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    digit = request.POST.get("Digits") or request.GET.get("Digits", DONT_KNOW_DIGIT)
    town = Town.objects.filter(ivr_digit=int(digit)).first() if digit.isdigit() and digit != DONT_KNOW_DIGIT else None
    ivr = Ivr(language)
    with translation.override(language):
        if request.GET.get("purpose") == "dial":
            number = (town.duty_phone if town else "") or conf.bureau_duty_phone()
            if number:
                ivr.say(_("Connecting you to the duty officer."))
                ivr.response.dial(number, timeout=25)
                ivr.say(_("The duty officer did not answer. Please leave a message."))
        ivr.say(
            _(
                "After the beep, describe what you saw: where, which company, and what is dangerous. "
                "You have up to three minutes. Press the hash key when you are done."
            )
        )
        ivr.response.record(
            max_length=MAX_RECORDING_SECONDS,
            finish_on_key="#",
            play_beep=True,
            transcribe=True,
            action=_step("twilio-voice-recorded", language, town=town.pk if town else ""),
            transcribe_callback=reverse("hotline:twilio-voice-transcription"),
        )
        ivr.say(_("We did not receive a recording. Goodbye."))
    ivr.response.hangup()
    return ivr.done()


@twilio_webhook(apology=voice_apology)
def recorded(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    form = request.POST
    ivr = Ivr(language)
    recording_url = form.get("RecordingUrl", "")
    try:
        duration = int(form.get("RecordingDuration") or 0)
    except ValueError:
        duration = 0
    with translation.override(language):
        if not recording_url or duration <= 0 or not sid_valid(form.get("CallSid", "")):
            ivr.say(_("We did not receive a recording, so no report was made. Please call again."))
            ivr.response.hangup()
            return ivr.done()
        limit, window = conf.rate_limit("voice_number")
        if not ratelimit.hit(
            "voice:" + blind_index("phone:" + form.get("From", "")), limit=limit, window_seconds=window
        ):
            ivr.say(_("We have received many reports from your number in the last hour. Please call again later."))
            ivr.response.hangup()
            return ivr.done()
        town_id = request.GET.get("town", "")
        town = Town.objects.filter(pk=int(town_id)).first() if town_id.isdigit() else None
        outcome = voicemail_receive(
            Voicemail(
                call_sid=form["CallSid"],
                caller=form.get("From", ""),
                recording_url=recording_url,
                recording_sid=form.get("RecordingSid", ""),
                duration_seconds=duration,
                town=town,
                language=language,
            )
        )
        digits = ", ".join(outcome.receipt)
        ivr.say(_("Thank you, your report is saved. Your receipt number is:"))
        ivr.say(digits)
        ivr.say(_("Again, your receipt number is:"))
        ivr.say(digits)
        if outcome.texted:
            ivr.say(_("We have also sent it to you by text message."))
        ivr.say(_("Goodbye."))
    ivr.response.hangup()
    return ivr.done()


@twilio_webhook(apology=voice_apology)
def case_status(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    ivr = Ivr(language)
    limit, window = conf.rate_limit("lookup_receipt")
    caller_key = "voice-lookup:" + blind_index("phone:" + request.POST.get("From", ""))
    with translation.override(language):
        allowed = ratelimit.hit(caller_key, limit=limit, window_seconds=window)
        line = status_line_for_receipt(request.POST.get("Digits", "")) if allowed else None
        ivr.say(line or _("No report has this receipt. Please check the number and call again."))
        ivr.say(_("Goodbye."))
    ivr.response.hangup()
    return ivr.done()


@twilio_webhook(apology=voice_apology)
def transcription(request: HttpRequest) -> HttpResponse:
    form = request.POST
    transcription_receive(
        recording_sid=form.get("RecordingSid", ""),
        text=form.get("TranscriptionText", ""),
        completed=form.get("TranscriptionStatus") == "completed",
    )
    return HttpResponse(status=204)
