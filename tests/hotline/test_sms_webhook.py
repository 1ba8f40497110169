"""POST /hotline/twilio/sms/ — texts open cases, join them, query them; exactly once per MessageSid."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from PIL import Image
from twilio.request_validator import RequestValidator

from cases import services
from cases.models import Attachment, Case, CaseEvent, Channel, EventKind, Reporter
from cases.models.states import State
from cases.selectors import case_for_receipt
from config.crypto import fernet
from config.twilio import auth_token
from directory.models import Town
from hotline.models import InboundReport
from hotline.services.sms import IncomingSms, sms_receive
from tests.hotline.conftest import SENDER, SMS, Post, jpeg_with_gps, receipt_in, report_rows_refused, sms


@pytest.mark.django_db
def test_a_first_message_opens_a_case_and_replies_with_the_receipt(twilio_post: Post) -> None:
    response = twilio_post(SMS, sms("SM1", "南海区某工厂仓库堆放大量油漆，没有灭火器"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    reply = response.content.decode()
    assert "<Message>" in reply and "回执" in reply
    case = Case.objects.get()
    assert case.channel == Channel.SMS and case.state == "received"
    assert case.description == "南海区某工厂仓库堆放大量油漆，没有灭火器"
    assert Case.objects.filter(pk=case.pk).first() == case
    assert case_for_receipt(receipt_in(reply)) == case
    assert case.reporter.phone == SENDER  # stored encrypted, found by its index
    assert Reporter.objects.filter(phone_index=case.reporter.phone_index).count() == 1


@pytest.mark.django_db
def test_an_english_message_gets_an_english_reply(twilio_post: Post) -> None:
    reply = twilio_post(SMS, sms("SM1", "Gas cylinders stored next to the boiler at the plastics factory")).content
    assert b"Report received" in reply


@pytest.mark.django_db
def test_the_same_message_sid_twice_makes_one_case_and_the_same_reply(twilio_post: Post) -> None:
    first = twilio_post(SMS, sms("SMdup", "脚手架没有护栏"))
    second = twilio_post(SMS, sms("SMdup", "脚手架没有护栏"))

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind=EventKind.FOLLOWUP).count() == 0


@pytest.mark.django_db
def test_it_rejects_a_forged_signature_and_stores_nothing(twilio_post: Post) -> None:
    forged = twilio_post(SMS, sms("SM1", "伪造"), signature="bm90IGEgc2lnbmF0dXJl")
    missing = twilio_post(SMS, sms("SM2", "伪造"), signature="")

    assert forged.status_code == missing.status_code == 403
    assert not Case.objects.exists() and not InboundReport.objects.exists()


@pytest.mark.django_db
def test_a_second_message_within_a_day_joins_the_first_case(twilio_post: Post) -> None:
    twilio_post(SMS, sms("SM1", "化工厂夜间偷排"))
    reply = twilio_post(SMS, sms("SM2", "补充：每天凌晨两点左右")).content.decode()

    case = Case.objects.get()
    followup = case.events.get(kind=EventKind.FOLLOWUP)
    assert followup.text == "补充：每天凌晨两点左右"
    assert "NEW" in reply or "新" in reply  # tells how to open a separate report


@pytest.mark.django_db
def test_a_message_after_the_numbers_latest_case_was_closed_opens_a_new_case(twilio_post: Post) -> None:
    """The join goes to the number's latest report of the day only while that one is open: an older
    open case of the day is not joined either."""
    twilio_post(SMS, sms("SM1", "化工厂夜间偷排"))
    twilio_post(SMS, sms("SM2", "新 另一家工厂消防通道堵塞"))
    Case.objects.filter(description="另一家工厂消防通道堵塞").update(state=State.CLOSED)

    reply = twilio_post(SMS, sms("SM3", "工地塔吊无证操作")).content.decode()

    assert Case.objects.count() == 3 and "回执" in reply
    assert not CaseEvent.objects.filter(kind=EventKind.FOLLOWUP).exists()


@pytest.mark.django_db
def test_the_join_reply_names_the_window(twilio_post: Post, settings: Any) -> None:
    settings.HOTLINE_SMS_JOIN_HOURS = 6
    twilio_post(SMS, sms("SM1", "化工厂夜间偷排"))
    chinese = twilio_post(SMS, sms("SM2", "补充：每天凌晨两点左右")).content.decode()
    english = twilio_post(SMS, sms("SM3", "They dump at 2 am every night")).content.decode()

    assert "已补充到您过去 6 小时内发送的举报中" in chinese
    assert "Added to the report you sent in the past 6 hours" in english
    assert twilio_post(SMS, sms("SM2", "补充：每天凌晨两点左右")).content.decode() == chinese  # Twilio redelivers
    assert Case.objects.count() == 1 and CaseEvent.objects.filter(kind=EventKind.FOLLOWUP).count() == 2


@pytest.mark.django_db
def test_new_keyword_opens_a_separate_case(twilio_post: Post) -> None:
    twilio_post(SMS, sms("SM1", "化工厂夜间偷排"))
    twilio_post(SMS, sms("SM2", "新 另一家工厂消防通道堵塞"))
    twilio_post(SMS, sms("SM3", "NEW blocked fire exit at the textile mill"))

    assert Case.objects.count() == 3
    assert set(Case.objects.values_list("description", flat=True)) == {
        "化工厂夜间偷排",
        "另一家工厂消防通道堵塞",
        "blocked fire exit at the textile mill",
    }


@pytest.mark.django_db
def test_a_message_after_a_day_opens_a_new_case(twilio_post: Post) -> None:
    twilio_post(SMS, sms("SM1", "化工厂夜间偷排"))
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        twilio_post(SMS, sms("SM2", "另一件事：工地塔吊无证操作"))
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_a_message_quoting_a_receipt_joins_that_case_from_another_number(twilio_post: Post) -> None:
    receipt = receipt_in(twilio_post(SMS, sms("SM1", "化工厂夜间偷排")).content.decode())
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    reply = twilio_post(SMS, sms("SM2", f"{spaced} 我又看到了，今晚也在排", sender="+8613900000001"))

    assert Case.objects.count() == 1
    assert Case.objects.get().events.filter(kind=EventKind.FOLLOWUP).exists()
    assert "已补充" in reply.content.decode()


@pytest.mark.django_db
def test_a_wrong_receipt_is_refused_and_nothing_is_stored(twilio_post: Post) -> None:
    reply = twilio_post(SMS, sms("SM1", "1234 5678 9012 3456 补充情况", sender="+8613900000001")).content.decode()

    assert not Case.objects.exists()
    assert "回执" in reply


@pytest.mark.django_db
def test_status_query_answers_with_the_state(twilio_post: Post, users: dict[str, Any]) -> None:
    receipt = receipt_in(twilio_post(SMS, sms("SM1", "化工厂夜间偷排")).content.decode())
    services.case_accept(case=Case.objects.get(), by=users["dispatcher"])

    chinese = twilio_post(SMS, sms("SM2", f"查询 {receipt}", sender="+8613900000009")).content.decode()
    english = twilio_post(SMS, sms("SM3", f"cx {receipt}", sender="+8613900000009")).content.decode()
    unknown = twilio_post(SMS, sms("SM4", "CX 0000000000000000", sender="+8613900000009")).content.decode()

    assert "受理" in chinese
    assert "受理" in english or "handled" in english  # "CX" alone is no sign of English: Chinese stays default
    assert "没有" in unknown or "No report" in unknown
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_town_keyword_routes_the_case(twilio_post: Post, town_a: Town, town_b: Town) -> None:
    twilio_post(SMS, sms("SM1", "乙镇 某五金厂冲床无防护", sender="+8613800000001"))
    twilio_post(SMS, sms("SM2", "甲镇某五金厂冲床无防护", sender="+8613800000002"))
    twilio_post(SMS, sms("SM3", "TB punch press without guard at the hardware works", sender="+8613800000003"))

    towns = {case.reporter.phone: (case.suggested_town, case.description) for case in Case.objects.all()}
    assert towns["+8613800000001"] == (town_b, "乙镇 某五金厂冲床无防护")  # the reporter's words, kept whole
    assert towns["+8613800000002"] == (town_a, "甲镇某五金厂冲床无防护")
    assert towns["+8613800000003"][0] == town_b


@pytest.mark.django_db
def test_an_unknown_town_keyword_is_pointed_out_but_the_report_is_kept(twilio_post: Post, town_a: Town) -> None:
    reply = twilio_post(SMS, sms("SM1", "#丙镇 仓库违规住人")).content.decode()

    case = Case.objects.get()
    assert case.suggested_town is None
    assert "丙镇" in reply and "甲镇" in reply


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "expected"),
    [("", "描述"), ("   ", "描述"), ("举" * 20_000, "太长")],
    ids=["empty", "blank", "20000-chars"],
)
def test_empty_or_huge_text_gets_a_clear_reply_and_stores_nothing(twilio_post: Post, body: str, expected: str) -> None:
    reply = twilio_post(SMS, sms("SM1", body)).content.decode()
    assert expected in reply
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_emoji_mixed_scripts_and_long_multipart_text_are_kept_whole(twilio_post: Post) -> None:
    body = ("⚠️🔥 工厂 Factory ①号车间 — الغاز ガス漏れ " * 40).strip()
    twilio_post(SMS, sms("SM1", body))
    assert Case.objects.get().description == body


@pytest.mark.django_db
def test_a_malformed_sender_number_gets_a_clear_reply(twilio_post: Post) -> None:
    reply = twilio_post(SMS, sms("SM1", "仓库违规住人", sender="not-a-number")).content.decode()
    assert "号码" in reply
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_storage_failure_apologises_with_a_500(twilio_post: Post) -> None:
    with report_rows_refused():
        response = twilio_post(SMS, sms("SM1", "仓库违规住人"))

    assert response.status_code == 500
    assert "<Message>" in response.content.decode() and "抱歉" in response.content.decode()
    assert not Case.objects.exists() and not InboundReport.objects.exists()  # nothing half-written


@pytest.mark.django_db
def test_a_flood_from_one_number_is_cut_off_after_the_limit(twilio_post: Post, settings: Any) -> None:
    settings.HOTLINE_RATE_LIMITS = {"sms_number": (3, 3600)}
    for number in range(5):
        twilio_post(SMS, sms(f"SM{number}", f"新 第{number}条"))
    assert Case.objects.count() == 3
    twilio_post(SMS, sms("SMother", "另一个号码的举报", sender="+8613900000002"))
    assert Case.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_mms_photos_become_attachments_with_gps_stripped_for_staff(twilio_post: Post, fake_twilio: Any) -> None:
    photo = jpeg_with_gps()
    url = fake_twilio.serve_media("/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1", photo, "image/jpeg")

    twilio_post(SMS, sms("MM1", "照片为证", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg"))

    attachment = Attachment.objects.get()
    assert attachment.source == Attachment.Source.MMS and attachment.content_type == "image/jpeg"
    with attachment.original_file.open("rb") as stored:
        encrypted = stored.read()
    assert photo not in encrypted and fernet().decrypt(encrypted) == photo  # evidence kept, encrypted at rest
    with attachment.display_file.open("rb") as shown:
        display = shown.read()
    assert b"PhoneMaker" in photo and b"PhoneMaker" not in display
    assert not Image.open(attachment.display_file.path).getexif().get_ifd(0x8825)
    assert any(r.method == "GET" and r.path.endswith("/Media/ME1") for r in fake_twilio.requests)


@pytest.mark.django_db
def test_behind_a_proxy_the_signature_is_checked_against_the_public_url(client: Any, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://hotline.example.gov.cn"
    params = sms("SMproxy", "隧道里有人违规动火")
    validator = RequestValidator(auth_token())
    internal = validator.compute_signature("http://testserver" + SMS, params)
    public = validator.compute_signature("https://hotline.example.gov.cn" + SMS, params)

    assert client.post(SMS, params, HTTP_X_TWILIO_SIGNATURE=internal).status_code == 403
    assert client.post(SMS, params, HTTP_X_TWILIO_SIGNATURE=public).status_code == 200
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_signature_over_the_url_with_or_without_its_default_port_is_accepted(client: Any, settings: Any) -> None:
    # Twilio signs the URL as configured in its console: "https://host/…" or "https://host:443/…".
    settings.PUBLIC_BASE_URL = "https://hotline.example.gov.cn"
    validator = RequestValidator(auth_token())
    for sid, base in (("SMbare", "https://hotline.example.gov.cn"), ("SMport", "https://hotline.example.gov.cn:443")):
        params = sms(sid, "隧道里有人违规动火")
        signature = validator.compute_signature(base + SMS, params)
        assert client.post(SMS, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    settings.PUBLIC_BASE_URL = "https://hotline.example.gov.cn:443"
    params = sms("SMbare2", "隧道里有人违规动火")
    signature = validator.compute_signature("https://hotline.example.gov.cn" + SMS, params)
    assert client.post(SMS, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    assert InboundReport.objects.count() == 3


@pytest.mark.django_db
def test_a_report_that_starts_with_the_word_for_query_is_still_a_report(twilio_post: Post) -> None:
    reply = twilio_post(SMS, sms("SM1", "查询到某化工厂夜里偷偷生产")).content.decode()
    assert "回执号：" in reply
    assert Case.objects.get().description == "查询到某化工厂夜里偷偷生产"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_message_make_one_case_and_one_reply() -> None:
    message = IncomingSms(message_sid="SMrace", sender=SENDER, body="同时到达的重复投递")
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def deliver() -> None:
        barrier.wait()
        try:
            outcomes.append(sms_receive(message))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2 and outcomes[0].reply == outcomes[1].reply
    assert sorted(outcome.repeated for outcome in outcomes) == [False, True]
    assert Case.objects.count() == 1 and InboundReport.objects.count() == 1


@pytest.mark.django_db
def test_td_stops_texts_to_the_number_and_start_resumes_them(twilio_post: Post) -> None:
    twilio_post(SMS, sms("SM1", "化工厂夜间偷排"))

    stopped = twilio_post(SMS, sms("SM2", "TD")).content.decode()
    assert "不再" in stopped
    assert Reporter.objects.get().sms_opt_out
    assert Case.objects.count() == 1 and not CaseEvent.objects.filter(kind=EventKind.FOLLOWUP).exists()

    twilio_post(SMS, sms("SM3", "START"))
    assert not Reporter.objects.get().sms_opt_out
