"""Every Twilio webhook, fuzzed with validly signed odd payloads: missing and unknown fields, control
characters, invalid UTF-8, other charsets, repeated keys, huge values. Whatever arrives, the answer
is never a 5xx (the storage-failure apology is tested on its own, in test_sms_webhook.py and
test_voice_webhook.py), a TwiML answer is well-formed XML, and no case is left half-written."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from cases.models import Case
from config.twilio import auth_token

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
# Each webhook's fields with a value Twilio would send; the fuzz starts from these and breaks them.
HOOKS: dict[str, dict[str, str]] = {
    "/hotline/twilio/sms/": {
        "From": "+8613800000000",
        "To": "+861069000000",
        "Body": "甲镇 仓库里堆放油漆",
        "NumMedia": "0",
    },
    "/hotline/twilio/voice/": {"From": "+8613800000000", "To": "+861069000000", "CallStatus": "in-progress"},
    "/hotline/twilio/voice/menu/": {"From": "+8613800000000", "Digits": "1"},
    "/hotline/twilio/voice/town/": {"From": "+8613800000000", "Digits": "1"},
    "/hotline/twilio/voice/recorded/": {
        "From": "+8613800000000",
        "RecordingUrl": RECORDING,
        "RecordingSid": "RE1",
        "RecordingDuration": "12",
    },
    "/hotline/twilio/voice/status/": {"From": "+8613800000000", "Digits": "1234567812345678"},
    "/hotline/twilio/voice/transcription/": {
        "RecordingSid": "RE1",
        "TranscriptionText": "工厂着火",
        "TranscriptionStatus": "completed",
    },
    "/hotline/twilio/status/": {"MessageStatus": "delivered", "To": "+8613800000000", "ErrorCode": ""},
}
CHARSETS = ["utf-8", "gbk", "latin-1"]

odd_values = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "99999999999", "#", "*", "CX", "TD", "NEW", "+0", "１３８００００００００"]),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Lo"]), max_size=50),
    st.binary(max_size=40),  # bytes that need not be valid in any charset
    st.just("火" * 5000),
)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, list[tuple[str, Any]], str]:
    """A plausible webhook call, then broken: fields dropped, values replaced, unknown and repeated keys."""
    path = draw(st.sampled_from(sorted(HOOKS)))
    sid = draw(st.uuids()).hex
    fields = {"MessageSid": "SM" + sid, "CallSid": "CA" + sid, **HOOKS[path]}
    dropped = draw(st.sets(st.sampled_from(sorted(fields))))
    replaced = draw(st.dictionaries(st.sampled_from(sorted(fields)), odd_values, max_size=3))
    extra_keys = st.one_of(st.sampled_from(sorted(fields)), st.text(min_size=1, max_size=12))
    extra = draw(st.lists(st.tuples(extra_keys, odd_values), max_size=3))
    pairs = [(key, replaced.get(key, value)) for key, value in fields.items() if key not in dropped]
    return path, pairs + extra, draw(st.sampled_from(CHARSETS))


def signed_post(client: Client, path: str, body: bytes, charset: str) -> Any:
    """Post ``body`` as Twilio would, signed over the fields exactly as the server will decode them."""
    params = QueryDict(body, encoding=charset)
    signature = RequestValidator(auth_token()).compute_signature("http://testserver" + path, params)
    return client.generic(
        "POST",
        path,
        body,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def assert_sound(response: Any) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code == 200 and response["Content-Type"].startswith("text/xml"):
        ElementTree.fromstring(response.content)  # noqa: S314  (our own answer, parsed to check it)
    half_written = Case.objects.filter(events__isnull=True).values_list("reference", flat=True)
    assert not half_written, f"cases without their creation event: {list(half_written)}"


@pytest.mark.django_db
@given(payload=payloads())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_signed_payload_gets_a_5xx_or_leaves_half_a_case(
    payload: tuple[str, list[tuple[str, Any]], str], town_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    path, pairs, charset = payload
    cache.clear()  # the flood guard would answer every later example
    body = urlencode(pairs, encoding=charset, errors="replace").encode("ascii")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(Client(), path, body, charset)
    assert_sound(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(HOOKS))
@pytest.mark.parametrize(
    "body",
    [
        urlencode({"From": "+8613800000000", "MessageSid": "SMbig", "Body": "火" * 300_000}),  # past the 2.5 MB cap
        "&".join(f"f{n}=x" for n in range(1500)),  # past the 1,000-field cap
    ],
    ids=["huge", "many-fields"],
)
def test_bodies_past_the_size_limits_are_refused_with_a_400(path: str, body: str) -> None:
    # Too big to parse is too big to sign: Django refuses it while the signature check reads it.
    response = Client().generic(
        "POST", path, body.encode(), content_type="application/x-www-form-urlencoded", HTTP_X_TWILIO_SIGNATURE="x"
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(HOOKS))
def test_invalid_utf8_and_nul_bytes_get_an_answer(path: str, django_capture_on_commit_callbacks: Any) -> None:
    body = b"From=%2B8613800000000&Body=%FF%FE%00%01&MessageSid=SM%00&CallSid=CA%FF&Digits=%00"
    with django_capture_on_commit_callbacks(execute=True):
        assert_sound(signed_post(Client(), path, body, "utf-8"))
