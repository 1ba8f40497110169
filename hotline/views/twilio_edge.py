"""What every Twilio webhook does first and last: check the signature, turn a storage failure into a 5xx.

A forged or missing ``X-Twilio-Signature`` gets 403 before anything is read or stored. When the
database fails, the caller still hears or reads an apology, and Twilio gets a 500 so its
fallback URL takes over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from xml.sax.saxutils import escape

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from config.twilio import signature_valid
from hotline.services.common import language_of

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")  # Twilio's: two letters ("SM", "CA", …) and 32 hex digits


def sid_valid(sid: str) -> bool:
    """A MessageSid / CallSid as Twilio writes them; anything else (empty, NUL bytes) is refused."""
    return bool(_SID.match(sid))


def twiml(response: VoiceResponse, status: int = 200) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8", status=status)


def sms_reply(text: str, status: int = 200) -> HttpResponse:
    """TwiML that answers an SMS with ``text`` (with nothing when it is empty).

    Written as a string: the one element needs no tree, and the ``twilio`` library's
    ``MessagingResponse`` (an ElementTree built and serialised) cost ~60 µs of every SMS request.
    """
    message = f"<Message>{escape(text)}</Message>" if text else ""
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>',
        content_type="text/xml; charset=utf-8",
        status=status,
    )


def sms_apology(request: HttpRequest) -> HttpResponse:
    with translation.override(language_of(request.POST.get("Body", ""))):
        text = _("Sorry, your message could not be saved just now. Please send it again in a few minutes.")
    return sms_reply(text, status=500)


def voice_apology(request: HttpRequest) -> HttpResponse:
    response = VoiceResponse()
    for language, voice_language in (("zh-hans", "zh-CN"), ("en", "en-US")):
        with translation.override(language):
            response.say(
                _("Sorry, we could not save your report just now. Please call again in a few minutes."),
                language=voice_language,
            )
    response.hangup()
    return twiml(response, status=500)


def twilio_webhook(apology: Callable[[HttpRequest], HttpResponse]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @csrf_exempt
        @require_POST
        @wraps(view)
        def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not signature_valid(request):
                logger.warning("Twilio webhook %s refused: bad or missing signature", request.path)
                return HttpResponse("Invalid signature", status=403, content_type="text/plain")
            try:
                return view(request, *args, **kwargs)
            except DatabaseError as error:
                # Only the class: database messages can quote the values (numbers, texts) being stored.
                logger.error("Twilio webhook %s could not store: %s", request.path, type(error).__name__)
                return apology(request)

        return checked

    return decorate
