"""``manage.py hotline_simulate`` against a running server: signed webhooks make real cases."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cases.models import Attachment, Case, Channel

WAV = Path(__file__).parent.parent / "data" / "voicemail.wav"


@pytest.mark.django_db(transaction=True)
def test_sms_reaches_the_server_signed(live_server: Any) -> None:
    out = io.StringIO()
    call_command("hotline_simulate", "sms", "--url", live_server.url, "--body", "仓库消防通道堵塞", stdout=out)

    assert "回执号" in out.getvalue()
    assert Case.objects.get().channel == Channel.SMS


@pytest.mark.django_db(transaction=True)
def test_a_call_walks_the_ivr_and_leaves_a_voicemail(live_server: Any) -> None:
    out = io.StringIO()
    call_command(
        "hotline_simulate",
        "call",
        "--url",
        live_server.url,
        "--from",
        "+8675786200009",
        "--digits",
        "1",
        "0",
        "--recording",
        str(WAV),
        "--transcript",
        "石场爆破无警戒",
        "--wait",
        "10",
        stdout=out,
    )

    assert "您的回执号是" in out.getvalue()
    case = Case.objects.get()
    assert case.channel == Channel.VOICE and case.description == "石场爆破无警戒"
    attachment = Attachment.objects.get()
    assert attachment.content_type == "audio/wav" and attachment.transcript == "石场爆破无警戒"
