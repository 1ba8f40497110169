"""The IVR under /hotline/twilio/voice/: menus, town choice, voicemail with receipt, status by keypad, transcripts."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError

from cases import services
from cases.models import Attachment, Case, Channel
from cases.selectors import case_for_receipt
from config.crypto import fernet
from directory.models import Town
from hotline.models import RemoteMedia
from hotline.services.remote_media import remote_media_fetch
from tests.factories import ReporterFactory
from tests.fakes.twilio_api import ACCOUNT_SID
from tests.hotline.conftest import Post

VOICE = "/hotline/twilio/voice/"
CALLER = "+8613800000000"
WAV = (Path(__file__).parent.parent / "data" / "voicemail.wav").read_bytes()
SHANGHAI = ZoneInfo("Asia/Shanghai")


def call(sid: str = "CA1", caller: str = CALLER, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": caller,
        "To": "+861069000000",
        "CallStatus": "in-progress",
        **extra,
    }


def spoken_receipt(twiml: str) -> str:
    found = re.search(r"<Say[^>]*>((?:\d, ){15}\d)</Say>", twiml)
    assert found, twiml
    return found.group(1).replace(", ", "")


@pytest.fixture
def towns(town_a: Town, town_b: Town) -> tuple[Town, Town]:
    town_a.duty_phone = "+8675786200001"
    town_a.save()
    return town_a, town_b


@pytest.mark.django_db
def test_the_welcome_is_mandarin_first_with_english_on_nine(twilio_post: Post) -> None:
    twiml = twilio_post(VOICE, call()).content.decode()

    assert '<Gather action="/hotline/twilio/voice/menu/?lang=zh"' in twiml
    assert 'language="zh-CN">欢迎致电' in twiml and "For English, press 9." in twiml

    redirect = twilio_post("/hotline/twilio/voice/menu/?lang=zh", call(Digits="9")).content.decode()
    assert "/hotline/twilio/voice/?lang=en" in redirect
    english = twilio_post("/hotline/twilio/voice/?lang=en", call()).content.decode()
    assert 'language="en-US">Welcome to the work-safety reporting hotline' in english


@pytest.mark.django_db
def test_report_asks_for_the_town_then_records_up_to_three_minutes(twilio_post: Post, towns: Any) -> None:
    _, town_b = towns
    menu = twilio_post("/hotline/twilio/voice/menu/?lang=zh", call(Digits="1")).content.decode()
    assert "甲镇请按1" in menu and "乙镇请按2" in menu and "不清楚所属镇街请按0" in menu

    record = twilio_post("/hotline/twilio/voice/town/?lang=zh&purpose=report", call(Digits="2")).content.decode()
    assert 'maxLength="180"' in record and 'transcribe="true"' in record
    assert f"town={town_b.pk}" in record and 'finishOnKey="#"' in record


@pytest.mark.django_db(transaction=True)
def test_a_voicemail_becomes_a_case_with_the_receipt_read_back_and_texted(
    twilio_post: Post, fake_twilio: Any, towns: Any
) -> None:
    town_a, _ = towns
    url = fake_twilio.serve_media(f"/2010-04-01/Accounts/{fake_twilio_account()}/Recordings/RE1", WAV, "audio/wav")

    twiml = twilio_post(
        f"/hotline/twilio/voice/recorded/?lang=zh&town={town_a.pk}",
        call(RecordingUrl=url, RecordingSid="RE1", RecordingDuration="42"),
    ).content.decode()

    receipt = spoken_receipt(twiml)
    case = Case.objects.get()
    assert case_for_receipt(receipt) == case
    assert case.channel == Channel.VOICE and case.suggested_town == town_a
    assert "短信" in twiml  # told the receipt also comes by SMS
    attachment = Attachment.objects.get()
    assert attachment.source == Attachment.Source.VOICEMAIL and attachment.content_type == "audio/wav"
    assert attachment.transcript_status == Attachment.TranscriptStatus.PENDING and attachment.duration_seconds == 42
    with attachment.original_file.open("rb") as stored:
        assert fernet().decrypt(stored.read()) == WAV
    assert any(r.method == "GET" and r.path.endswith("/Recordings/RE1") for r in fake_twilio.requests)
    texts = fake_twilio.sent_messages()
    assert len(texts) == 1 and texts[0]["To"] == CALLER
    assert " ".join(receipt[i : i + 4] for i in range(0, 16, 4)) in texts[0]["Body"]


def fake_twilio_account() -> str:
    return ACCOUNT_SID


@pytest.mark.django_db(transaction=True)
def test_the_same_call_sid_twice_makes_one_case_and_reads_the_same_receipt(twilio_post: Post, fake_twilio: Any) -> None:
    url = fake_twilio.serve_media("/Recordings/RE2", WAV, "audio/wav")
    params = call("CAdup", RecordingUrl=url, RecordingSid="RE2", RecordingDuration="10")
    first = twilio_post("/hotline/twilio/voice/recorded/?lang=zh", params).content.decode()
    second = twilio_post("/hotline/twilio/voice/recorded/?lang=zh", params).content.decode()

    assert spoken_receipt(first) == spoken_receipt(second)
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1
    assert len(fake_twilio.sent_messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_landline_or_withheld_caller_gets_no_text(twilio_post: Post, fake_twilio: Any) -> None:
    url = fake_twilio.serve_media("/Recordings/RE3", WAV, "audio/wav")
    twiml = twilio_post(
        "/hotline/twilio/voice/recorded/?lang=en",
        call(caller="+8675786200009", RecordingUrl=url, RecordingSid="RE3", RecordingDuration="10"),
    ).content.decode()

    assert "Your receipt number is" in twiml and "text message" not in twiml
    assert fake_twilio.sent_messages() == []


@pytest.mark.django_db(transaction=True)
def test_transcription_fills_the_case_text(twilio_post: Post, fake_twilio: Any) -> None:
    url = fake_twilio.serve_media("/Recordings/RE4", WAV, "audio/wav")
    twilio_post(
        "/hotline/twilio/voice/recorded/?lang=zh", call(RecordingUrl=url, RecordingSid="RE4", RecordingDuration="30")
    )

    response = twilio_post(
        "/hotline/twilio/voice/transcription/",
        {
            "RecordingSid": "RE4",
            "TranscriptionText": "西樵某石场爆破没有警戒",
            "TranscriptionStatus": "completed",
            "CallSid": "CA1",
            "AccountSid": "AC" + "0" * 32,
        },
    )

    assert response.status_code == 204
    assert Case.objects.get().description == "西樵某石场爆破没有警戒"
    attachment = Attachment.objects.get()
    assert attachment.transcript == "西樵某石场爆破没有警戒"
    assert attachment.transcript_status == Attachment.TranscriptStatus.DONE


@pytest.mark.django_db(transaction=True)
def test_a_transcript_that_arrives_before_the_download_is_applied_after_it(twilio_post: Post, fake_twilio: Any) -> None:
    url = fake_twilio.serve_media("/Recordings/RE5", WAV, "audio/wav")
    fake_twilio.fail_next(5, "500")  # Twilio's media API is down for every download attempt

    twilio_post(
        "/hotline/twilio/voice/recorded/?lang=zh", call(RecordingUrl=url, RecordingSid="RE5", RecordingDuration="30")
    )
    assert RemoteMedia.objects.get().status == RemoteMedia.Status.FAILED
    twilio_post(
        "/hotline/twilio/voice/transcription/",
        {"RecordingSid": "RE5", "TranscriptionText": "仓库住人", "TranscriptionStatus": "completed"},
    )
    assert Case.objects.get().description == "仓库住人"  # the text does not wait for the audio

    remote_media_fetch(RemoteMedia.objects.get().pk)
    assert Attachment.objects.get().transcript == "仓库住人"


@pytest.mark.django_db(transaction=True)
def test_recordings_over_two_minutes_are_marked_for_an_officer(twilio_post: Post, fake_twilio: Any) -> None:
    url = fake_twilio.serve_media("/Recordings/RE6", WAV, "audio/wav")
    twilio_post(
        "/hotline/twilio/voice/recorded/?lang=zh", call(RecordingUrl=url, RecordingSid="RE6", RecordingDuration="150")
    )

    assert Attachment.objects.get().transcript_status == Attachment.TranscriptStatus.MANUAL
    assert Case.objects.get().description == ""


@pytest.mark.django_db
def test_an_empty_recording_makes_no_case(twilio_post: Post) -> None:
    twiml = twilio_post(
        "/hotline/twilio/voice/recorded/?lang=zh",
        call(RecordingUrl="https://api.twilio.com/x", RecordingSid="RE7", RecordingDuration="0"),
    ).content.decode()
    assert "没有收到" in twiml and not Case.objects.exists()


@pytest.mark.django_db
def test_two_checks_a_case_by_typed_receipt(twilio_post: Post, users: dict[str, Any]) -> None:
    new = services.case_create(channel=Channel.WEB, reporter=ReporterFactory(), description="x")
    services.case_accept(case=new.case, by=users["dispatcher"])

    ask = twilio_post("/hotline/twilio/voice/menu/?lang=zh", call(Digits="2")).content.decode()
    assert 'numDigits="16"' in ask
    found = twilio_post("/hotline/twilio/voice/status/?lang=zh", call(Digits=new.receipt)).content.decode()
    unknown = twilio_post("/hotline/twilio/voice/status/?lang=zh", call(Digits="0" * 16)).content.decode()

    assert "已受理" in found
    assert "没有找到" in unknown


@pytest.mark.django_db
def test_zero_rings_the_town_duty_line_in_office_hours_and_takes_a_message_outside(
    twilio_post: Post, towns: Any
) -> None:
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)):  # a Monday morning
        assert "<Gather" in twilio_post("/hotline/twilio/voice/menu/?lang=zh", call(Digits="0")).content.decode()
        dial = twilio_post("/hotline/twilio/voice/town/?lang=zh&purpose=dial", call(Digits="1")).content.decode()
        assert "<Dial" in dial and "+8675786200001" in dial and "<Record" in dial  # voicemail if nobody answers
    with time_machine.travel(datetime(2026, 11, 29, 22, 0, tzinfo=SHANGHAI)):  # a Sunday night
        closed = twilio_post("/hotline/twilio/voice/menu/?lang=zh", call(Digits="0")).content.decode()
        assert "非值班时间" in closed and "purpose=report" in closed


@pytest.mark.django_db
def test_voice_webhooks_reject_forged_signatures(twilio_post: Post) -> None:
    for path in [VOICE, "/hotline/twilio/voice/recorded/?lang=zh", "/hotline/twilio/voice/transcription/"]:
        assert (
            twilio_post(path, call(RecordingUrl="https://x", RecordingDuration="5"), signature="Zm9v").status_code
            == 403
        )
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_storage_failure_is_apologised_for_with_a_500(twilio_post: Post, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: Any) -> Any:
        raise DatabaseError("down")

    monkeypatch.setattr(services, "case_create", broken)
    response = twilio_post(
        "/hotline/twilio/voice/recorded/?lang=zh",
        call(RecordingUrl="https://api.twilio.com/r", RecordingSid="RE8", RecordingDuration="5"),
    )
    assert response.status_code == 500 and "抱歉" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_voicemails_from_one_number_is_cut_off_after_the_limit(
    twilio_post: Post, fake_twilio: Any, settings: Any
) -> None:
    settings.HOTLINE_RATE_LIMITS = {"voice_number": (2, 3600)}
    replies = []
    for n in range(3):
        url = fake_twilio.serve_media(f"/Recordings/RE{n}", WAV, "audio/wav")
        params = call(f"CA{n}", RecordingUrl=url, RecordingSid=f"RE{n}", RecordingDuration="5")
        replies.append(twilio_post("/hotline/twilio/voice/recorded/?lang=zh", params).content.decode())
    assert Case.objects.count() == 2
    assert "请稍后再拨打" in replies[2]
