"""The web tier's WSGI application (gunicorn): the Twilio webhooks and the public report API take
slimmer Django stacks."""

from __future__ import annotations

import io
import json
import sys
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from config.twilio import auth_token
from config.wsgi import application
from hotline.models import InboundReport
from tests.hotline.conftest import SMS, sms


def call(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, dict[str, str], str]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "REMOTE_ADDR": "127.0.0.1",
        **headers,
    }
    started: list[Any] = []
    chunks = application(environ, lambda status, headers, *_: started.append((status, dict(headers))))
    text = b"".join(chunks).decode()
    getattr(chunks, "close", lambda: None)()
    status, response_headers = started[0]
    return status, response_headers, text


def signed_sms(sid: str, signature: str | None = None) -> tuple[bytes, str]:
    params = sms(sid, "仓库消防通道被货物堵死")
    return urlencode(params).encode(), signature or RequestValidator(auth_token()).compute_signature(
        "http://testserver" + SMS, params
    )


@pytest.mark.django_db(transaction=True)  # the handler closes connections as gunicorn's requests end
def test_a_signed_sms_is_stored_and_answered_with_the_request_id_and_security_headers() -> None:
    body, signature = signed_sms("SM" + "1" * 32)

    status, headers, text = call("POST", SMS, body, HTTP_X_TWILIO_SIGNATURE=signature)

    assert status.startswith("200") and "回执" in text
    assert InboundReport.objects.filter(sid="SM" + "1" * 32).exists()
    assert headers["X-Request-ID"] and headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in headers
    # The middleware left out: no session or language negotiation, so no cookie and no Vary on them.
    assert "Set-Cookie" not in headers and "Content-Language" not in headers and "Vary" not in headers


@pytest.mark.django_db(transaction=True)  # the handler closes connections as gunicorn's requests end
def test_a_forged_sms_is_refused_and_stores_nothing() -> None:
    body, _ = signed_sms("SM" + "2" * 32)

    status, _, _ = call("POST", SMS, body, HTTP_X_TWILIO_SIGNATURE="bm90IGEgc2lnbmF0dXJl")

    assert status.startswith("403") and not InboundReport.objects.exists()


@pytest.mark.django_db(transaction=True)  # the handler closes connections as gunicorn's requests end
def test_the_public_report_api_answers_in_the_reporters_language_without_a_session() -> None:
    report = {"description": "仓库消防通道被货物堵死", "password": "pw-123456", "category": "fire_safety"}

    def submit(body: dict[str, str], **headers: str) -> tuple[str, dict[str, str], str]:
        return call("POST", "/api/v1/reports/", json.dumps(body).encode(), CONTENT_TYPE="application/json", **headers)

    stored = submit(report)
    wrong = {**report, "category": "nope"}
    english = submit(wrong, HTTP_ACCEPT_LANGUAGE="en")
    chinese = submit(wrong, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert stored[0].startswith("201") and len(json.loads(stored[2])["receipt"]) == 16
    assert "Set-Cookie" not in stored[1] and "X-Frame-Options" not in stored[1] and stored[1]["X-Request-ID"]
    assert english[0].startswith("400") and "is not a valid choice" in english[2]
    assert chinese[0].startswith("400") and "不是合法选项" in chinese[2]


@pytest.mark.django_db(transaction=True)  # the handler closes connections as gunicorn's requests end
def test_every_other_path_takes_the_whole_stack() -> None:
    status, headers, _ = call("GET", "/report/", HTTP_ACCEPT_LANGUAGE="en")

    assert status.startswith("200")
    assert headers["Content-Language"] == "en" and headers["X-Frame-Options"] == "DENY"
