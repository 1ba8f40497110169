"""The edge to Twilio: webhook signature checks and the REST client.

``sandbox()`` is true without an account; then webhooks are checked against a local token (the
simulator signs with it) and nothing is sent to Twilio. ``TWILIO_API_BASE`` points the real
``twilio`` client at another host (tests serve a fake Twilio API on loopback).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlparse, urlsplit

from django.conf import settings
from django.http import HttpRequest
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.rest import Client


def sandbox() -> bool:
    return not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def auth_token() -> str:
    return settings.TWILIO_SANDBOX_AUTH_TOKEN if sandbox() else settings.TWILIO_AUTH_TOKEN


def public_url(request: HttpRequest) -> str:
    """The URL Twilio called: ``PUBLIC_BASE_URL`` + path behind a proxy or tunnel, else the request's own."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    return request.build_absolute_uri()


def signature_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(auth_token())
    url = public_url(request)
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return _form_signed(validator, url, request.POST, signature)
    return bool(validator.validate(url, request.body.decode("utf-8", "replace"), signature))


def _form_signed(validator: RequestValidator, url: str, form: Any, signature: str) -> bool:
    """What ``validator.validate`` checks for a form post, with one HMAC where it computes two.

    Twilio may sign the URL with or without its default port and the library accepts either, so
    it computes both every time. Here the spelling the request arrived with is tried first and
    the other only when that fails (a forged or unusual request pays for both).
    """
    parsed = urlparse(url)
    spellings = (add_port, remove_port) if parsed.port else (remove_port, add_port)
    expected = signature.encode()
    return any(
        hmac.compare_digest(validator.compute_signature(spell(parsed), form).encode(), expected) for spell in spellings
    )


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends the client's requests to ``TWILIO_API_BASE`` instead of Twilio's hosts."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        target = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, target, *args, **kwargs)


def client(timeout: float = 10.0) -> Client:
    """A real ``twilio`` client for the configured account (callers check ``sandbox()`` first)."""
    http_client = (
        _RedirectingHttpClient(settings.TWILIO_API_BASE, timeout)
        if settings.TWILIO_API_BASE
        else TwilioHttpClient(timeout=timeout)
    )
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
