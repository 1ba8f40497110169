"""/report/ and /report/status/ — the mailbox pages as a reporter's phone browser uses them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import services
from cases.models import Attachment, Case, CaseEvent, EventKind
from cases.selectors import case_for_receipt
from directory.models import Town
from tests.factories import EnterpriseFactory
from tests.hotline.conftest import jpeg_with_gps

FORM = {
    "category": "fire_safety",
    "description": "工厂宿舍楼下堆放易燃物",
    "anonymous": "on",
    "password": "secret-pw",
    "password_again": "secret-pw",
}


def receipt_on(page: str) -> str:
    found = re.search(r"\d{4} \d{4} \d{4} \d{4}", page)
    assert found, page
    return found.group()


@pytest.mark.django_db
def test_the_form_is_usable_on_a_phone_without_any_cdn(client: Client, town_a: Town) -> None:
    page = client.get("/report/").content.decode()
    assert 'name="viewport"' in page and 'enctype="multipart/form-data"' in page
    assert "甲镇" in page and "举报安全隐患" in page
    assert "https://" not in page and "http://" not in page


@pytest.mark.django_db
def test_submitting_shows_the_receipt_once(client: Client, town_a: Town) -> None:
    photo = SimpleUploadedFile("site.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post("/report/", {**FORM, "town": "town-a", "attachments": [photo]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "只显示一次" in page and response["Cache-Control"] == "no-store"
    case = Case.objects.get()
    assert case.suggested_town == town_a and case.attachments.count() == 1
    assert case_for_receipt(receipt_on(page), "secret-pw") == case


@pytest.mark.django_db
def test_mistakes_are_shown_on_their_fields_and_nothing_is_stored(client: Client) -> None:
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    response = client.post("/report/", {**FORM, "password_again": "different", "attachments": [exe]})
    assert response.status_code == 400
    assert "两次输入的密码不一致" in response.content.decode()

    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    response = client.post("/report/", {**FORM, "attachments": [exe]})
    assert response.status_code == 400 and "不是照片" in response.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_status_page_shows_the_report_and_takes_an_answer(client: Client, users: dict[str, Any]) -> None:
    receipt = receipt_on(client.post("/report/", FORM).content.decode())
    case = Case.objects.get()
    services.case_note_add(case=case, by=users["dispatcher"], text="已安排核查", public=True)
    question = services.case_question_ask(case=case, by=users["dispatcher"], text="是哪栋宿舍？")

    page = client.post("/report/status/", {"receipt": receipt, "password": "secret-pw"}).content.decode()
    assert "已收到，等待受理决定" in page and "已安排核查" in page and "是哪栋宿舍？" in page

    answered = client.post("/report/status/", {"text": "3号楼", "question": question.pk})
    assert answered.status_code == 200 and "您的补充已保存" in answered.content.decode()
    assert CaseEvent.objects.get(kind=EventKind.FOLLOWUP).reply_to == question


@pytest.mark.django_db
def test_a_wrong_password_says_only_that_something_is_wrong(client: Client) -> None:
    receipt = receipt_on(client.post("/report/", FORM).content.decode())
    wrong = client.post("/report/status/", {"receipt": receipt, "password": "nope-nope"})
    unknown = client.post("/report/status/", {"receipt": "1234 5678 1234 5678", "password": "secret-pw"})
    assert wrong.status_code == unknown.status_code == 400
    assert "回执号或密码不正确" in wrong.content.decode() and "回执号或密码不正确" in unknown.content.decode()
    # and no follow-up is possible without a successful lookup in this session
    Client().post("/report/status/", {"text": "偷偷补充"})
    assert not CaseEvent.objects.filter(kind=EventKind.FOLLOWUP).exists()


@pytest.mark.django_db
def test_the_pages_speak_english_when_asked(client: Client) -> None:
    page = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Report a safety hazard" in page


@pytest.mark.django_db
def test_a_company_can_be_picked_from_the_register_and_the_opened_report_stays_open(client: Client) -> None:
    enterprise = EnterpriseFactory(name="佛山某化工有限公司")
    assert "佛山某化工有限公司" in client.get("/report/").content.decode()
    receipt = receipt_on(client.post("/report/", {**FORM, "enterprise": enterprise.pk}).content.decode())
    assert Case.objects.get().enterprise == enterprise

    client.post("/report/status/", {"receipt": receipt, "password": "secret-pw"})
    again = client.get("/report/status/").content.decode()
    assert "已收到，等待受理决定" in again
