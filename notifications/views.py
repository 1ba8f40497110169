"""Twilio's delivery receipts for outbound SMS."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config import twilio
from notifications.services import delivery_status_record


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Signature-checked; answers 200 for unknown message ids too, so Twilio does not retry forever."""
    if not twilio.signature_valid(request):
        return HttpResponseForbidden("Invalid signature")
    delivery_status_record(
        provider_sid=request.POST.get("MessageSid", ""),
        provider_status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
