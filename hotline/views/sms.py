"""``POST /hotline/twilio/sms/``: an incoming SMS or MMS, answered with TwiML ``<Message>``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from config import ratelimit
from config.crypto import blind_index
from hotline import conf
from hotline.services.sms import IncomingSms, sms_receive
from hotline.views.twilio_edge import sid_valid, sms_apology, sms_reply, twilio_webhook

MAX_MEDIA = 10  # Twilio sends at most ten media items per MMS


@twilio_webhook(apology=sms_apology)
def sms_incoming(request: HttpRequest) -> HttpResponse:
    form = request.POST
    message_sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not sid_valid(message_sid):
        return HttpResponse("MessageSid is required", status=400, content_type="text/plain")
    sender = form.get("From", "")
    limit, window = conf.rate_limit("sms_number")
    if not ratelimit.hit("sms:" + blind_index("phone:" + sender), limit=limit, window_seconds=window):
        return sms_reply("")  # a flood from one number: store nothing, answer nothing
    try:
        media_count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        media_count = 0
    media_urls = [url for i in range(media_count) if (url := form.get(f"MediaUrl{i}", ""))]
    outcome = sms_receive(
        IncomingSms(message_sid=message_sid, sender=sender, body=form.get("Body", ""), media_urls=media_urls)
    )
    return sms_reply(outcome.reply)
