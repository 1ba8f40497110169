"""Reports stored at the door and built by the task worker: what the reporter sees before, during and after.

These tests use the production task backend (django-tasks-db): the task row is committed with the
report, and ``task_worker --batch`` builds the case, as in production.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client
from rest_framework.test import APIClient

from cases import services
from cases.models import Attachment, Case, CaseEvent, EventKind
from cases.selectors import case_for_receipt
from hotline import tasks
from hotline.models import InboundReport
from hotline.services.mailbox import Upload, report_followup
from tests.hotline.conftest import SENDER, SMS, Post, jpeg_with_gps, receipt_in, report_rows_refused, run_worker, sms

REPORTS = "/api/v1/reports/"
LOOKUP = "/api/v1/reports/lookup/"
FOLLOWUP = "/api/v1/reports/followup/"
PASSWORD = "secret-pw"
VOICE_STATUS = "/hotline/twilio/voice/status/?lang=zh"


def mailbox_report(public: APIClient) -> str:
    response = public.post(
        REPORTS, {"category": "fire_safety", "description": "仓库消防通道被堵", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201, response.json()
    return str(response.json()["receipt"])


@pytest.mark.django_db(transaction=True)
def test_an_sms_is_answered_with_its_receipt_before_the_case_is_built(twilio_post: Post, worker_backend: None) -> None:
    receipt = receipt_in(twilio_post(SMS, sms("SM1", "五金厂冲床无防护罩")).content.decode())

    assert not Case.objects.exists()
    waiting = InboundReport.objects.get(sid="SM1")
    assert waiting.status == InboundReport.Status.PENDING
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload, reply FROM hotline_inboundreport")
        stored = str(cursor.fetchone())
    assert "五金厂" not in stored and SENDER[3:] not in stored and receipt not in stored  # encrypted at rest
    status = twilio_post(SMS, sms("SM2", f"CX {receipt}")).content.decode()
    assert "正在登记" in status and "没有" not in status

    run_worker()

    case = case_for_receipt(receipt)
    assert case is not None and case.description == "五金厂冲床无防护罩"
    built = InboundReport.objects.get(sid="SM1")
    assert built.status == InboundReport.Status.BUILT and built.case == case and built.payload == ""


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_before_the_worker_ran_makes_one_case_and_the_same_reply(
    twilio_post: Post, worker_backend: None
) -> None:
    first = twilio_post(SMS, sms("SM1", "仓库违规住人")).content
    again = twilio_post(SMS, sms("SM1", "仓库违规住人")).content
    run_worker()
    run_worker()

    assert first == again
    assert Case.objects.count() == 1 and InboundReport.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_texts_sent_before_the_first_is_built_join_it_in_order(twilio_post: Post, worker_backend: None) -> None:
    receipt = receipt_in(twilio_post(SMS, sms("SM1", "化工厂夜间偷排")).content.decode())
    second = twilio_post(SMS, sms("SM2", "补充：在河边")).content.decode()
    third = twilio_post(SMS, sms("SM3", f"{receipt} 排污口在桥下", sender="+8613900000001")).content.decode()

    assert "已补充到您" in second and "已补充" in third
    run_worker()

    case = Case.objects.get()
    assert case_for_receipt(receipt) == case
    followups = list(case.events.filter(kind=EventKind.FOLLOWUP).order_by("id").values_list("text", flat=True))
    assert followups == ["补充：在河边", f"{receipt} 排污口在桥下"]


@pytest.mark.django_db(transaction=True)
def test_a_mailbox_lookup_before_the_case_is_built_says_it_is_being_registered(
    twilio_post: Post, worker_backend: None
) -> None:
    public = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    receipt = mailbox_report(public)

    early = public.post(LOOKUP, {"receipt": receipt, "password": PASSWORD}, format="json")
    wrong = public.post(LOOKUP, {"receipt": receipt, "password": "secret-pX"}, format="json")
    assert early.status_code == 409 and "正在登记" in early.json()["error"]["message"]
    assert wrong.status_code == 404  # the wrong password learns nothing, built or not
    assert public.post(FOLLOWUP, {"receipt": receipt, "password": PASSWORD, "text": "补充"}).status_code == 409

    spoken = twilio_post(VOICE_STATUS, {"CallSid": "CA1", "From": SENDER, "Digits": receipt}).content.decode()
    assert "正在登记" in spoken  # the IVR's "check by receipt" says the same

    run_worker()

    assert public.post(LOOKUP, {"receipt": receipt, "password": PASSWORD}, format="json").status_code == 200
    assert InboundReport.objects.get().payload == ""  # the password's ciphertext is gone; the case keeps a hash


@pytest.mark.django_db
def test_a_failing_worker_leaves_the_report_waiting_and_the_retry_command_builds_it(
    twilio_post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise DatabaseError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(services, "case_create", broken)
        response = twilio_post(SMS, sms("SM1", "脚手架没有护栏"))
    receipt = receipt_in(response.content.decode())

    assert response.status_code == 200  # the report was committed: the reporter keeps the receipt
    waiting = InboundReport.objects.get()
    assert waiting.status == InboundReport.Status.PENDING and waiting.case is None
    assert waiting.attempts == tasks.REGISTER_ATTEMPTS and waiting.last_error == "DatabaseError"
    assert not Case.objects.exists() and not CaseEvent.objects.exists()

    call_command("hotline_register_pending", minutes=0, stdout=StringIO())

    case = case_for_receipt(receipt)
    assert case is not None and case.description == "脚手架没有护栏" and case.reporter.phone == SENDER


@pytest.mark.django_db
def test_a_failed_store_after_the_photo_was_written_leaves_no_file(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path

    public = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    photo = ("photo.jpg", jpeg_with_gps())
    with report_rows_refused():  # the row fails after the photo was written
        response = public.post(
            REPORTS,
            {
                "category": "fire_safety",
                "description": "配电箱破损",
                "password": PASSWORD,
                "files": [SimpleUploadedFile(photo[0], photo[1], content_type="image/jpeg")],
            },
        )

    assert response.status_code == 500
    assert not InboundReport.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.django_db
def test_a_followup_photo_whose_row_fails_to_save_leaves_no_file(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, twilio_post: Post
) -> None:
    twilio_post(SMS, sms("SM1", "塔吊钢丝绳断股"))
    case = Case.objects.get()
    settings.MEDIA_ROOT = tmp_path

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(Attachment, "save", broken)  # the row, written after both files
    with pytest.raises(DatabaseError):
        report_followup(case=case, text="照片", uploads=[Upload(name="photo.jpg", content=jpeg_with_gps())])

    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not case.events.filter(kind=EventKind.FOLLOWUP).exists()
