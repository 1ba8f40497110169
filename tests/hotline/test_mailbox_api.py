"""POST /api/v1/reports/, /lookup/ and /followup/ — the web mailbox as a reporter's browser or app uses it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from cases import services
from cases.models import Attachment, Case, CaseEvent, Channel, EventKind, Reporter
from directory.models import Town
from tests.factories import EnterpriseFactory
from tests.hotline.conftest import jpeg_with_gps

REPORTS = "/api/v1/reports/"
LOOKUP = "/api/v1/reports/lookup/"
FOLLOWUP = "/api/v1/reports/followup/"


def report(**overrides: Any) -> dict[str, Any]:
    return {"category": "fire_safety", "description": "仓库消防通道被货物堵死", "password": "secret-pw", **overrides}


@pytest.fixture
def public() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.mark.django_db
def test_a_json_report_returns_a_sixteen_digit_receipt_stored_only_as_a_hash(public: APIClient, town_a: Town) -> None:
    response = public.post(REPORTS, report(town="town-a", address="桂城某路8号"), format="json")

    assert response.status_code == 201, response.json()
    receipt = response.json()["receipt"]
    assert len(receipt) == 16 and receipt.isdigit()
    assert "只显示一次" in response.json()["message"]
    case = Case.objects.get()
    assert case.channel == Channel.WEB and case.suggested_town == town_a and case.address == "桂城某路8号"
    assert receipt not in str(Case.objects.values().get()) and case.receipt_password != "secret-pw"
    assert case.reporter.anonymous and not case.reporter.phone


@pytest.mark.django_db
def test_a_named_report_keeps_contact_details_encrypted(public: APIClient) -> None:
    enterprise = EnterpriseFactory()
    public.post(
        REPORTS, report(anonymous=False, name="李四", phone="138 0000 1111", enterprise=enterprise.pk), format="json"
    )

    case = Case.objects.get()
    assert case.enterprise == enterprise and case.suggested_town == enterprise.town
    assert case.reporter.name == "李四" and case.reporter.phone == "+8613800001111"
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM cases_reporter")
        raw_name, raw_phone = cursor.fetchone()
    assert "李四" not in raw_name and "13800001111" not in raw_phone


@pytest.mark.django_db
def test_multipart_with_photos_stores_encrypted_evidence_and_a_stripped_copy(public: APIClient) -> None:
    photo = jpeg_with_gps()
    files = [SimpleUploadedFile(f"p{i}.jpg", photo, content_type="image/jpeg") for i in range(2)]
    pdf = SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf")

    response = public.post(REPORTS, {**report(), "files": [*files, pdf]}, format="multipart")

    assert response.status_code == 201, response.json()
    attachments = list(Attachment.objects.order_by("id"))
    assert [a.content_type for a in attachments] == ["image/jpeg", "image/jpeg", "application/pdf"]
    assert all(a.original_file.read() != photo for a in attachments)
    with attachments[0].display_file.open("rb") as display:
        assert b"PhoneMaker" not in display.read()
    assert not attachments[2].display_file


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "field_text"),
    [
        ("photo.jpg", b"MZ\x90\x00\x03 this is an exe renamed", "不是照片"),
        ("broken.jpg", b"\xff\xd8\xff\xe0 truncated jpeg", "损坏"),
        ("empty.png", b"", "空"),
    ],
    ids=["exe-renamed", "truncated-jpeg", "empty"],
)
def test_a_disguised_or_broken_file_is_refused_and_nothing_is_stored(
    public: APIClient, name: str, content: bytes, field_text: str
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = public.post(REPORTS, {**report(), "files": [upload]}, format="multipart")

    assert response.status_code == 400
    assert field_text in str(response.json()["error"]["fields"])
    assert not Case.objects.exists() and not Reporter.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_an_oversized_file_and_too_many_files_are_refused(public: APIClient, settings: Any) -> None:
    settings.HOTLINE_MAX_UPLOAD_BYTES = {"image": 1000}
    big = SimpleUploadedFile("big.jpg", jpeg_with_gps() + b"\0" * 2000, content_type="image/jpeg")
    assert (
        public.post(REPORTS, {**report(), "files": [big]}, format="multipart").json()["error"]["code"]
        == "file_too_large"
    )

    settings.HOTLINE_MAX_UPLOAD_BYTES = {}
    many = [SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4\n", "application/pdf") for i in range(11)]
    response = public.post(REPORTS, {**report(), "files": many}, format="multipart")
    assert response.status_code == 400 and "10" in response.json()["error"]["message"]
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "举" * 20_000}, "description"),
        ({"password": "123"}, "password"),
        ({"anonymous": False, "phone": "12345"}, "phone"),
        ({"town": "no-such-town"}, "town"),
        ({"category": "ufo"}, "category"),
    ],
    ids=["empty", "20000-chars", "short-password", "bad-phone", "unknown-town", "unknown-category"],
)
def test_bad_input_names_the_field_in_chinese_and_stores_nothing(
    public: APIClient, overrides: dict[str, Any], field: str
) -> None:
    response = public.post(REPORTS, report(**overrides), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"] + "".join(error["fields"][field]))
    assert not Case.objects.exists() and not Reporter.objects.exists()


@pytest.mark.django_db
def test_errors_come_in_english_for_an_english_browser() -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(REPORTS, report(password="1"), format="json")
    assert "at least 6 characters" in response.json()["error"]["fields"]["password"][0]


@pytest.mark.django_db
def test_emoji_and_mixed_scripts_are_kept(public: APIClient) -> None:
    text = "🔥⚠️ 工厂 factory ガス — 第③车间"
    public.post(REPORTS, report(description=text), format="json")
    assert Case.objects.get().description == text


@pytest.mark.django_db
def test_lookup_shows_status_public_notes_and_open_questions(public: APIClient, users: dict[str, Any]) -> None:
    receipt = public.post(REPORTS, report(), format="json").json()["receipt"]
    case = Case.objects.get()
    services.case_note_add(case=case, by=users["dispatcher"], text="内部备注", public=False)
    services.case_note_add(case=case, by=users["dispatcher"], text="已转交镇街核查", public=True)
    question = services.case_question_ask(case=case, by=users["dispatcher"], text="具体是哪个仓库？")

    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    response = public.post(LOOKUP, {"receipt": spaced, "password": "secret-pw"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "received"
    texts = [entry["text"] for entry in body["entries"]]
    assert "已转交镇街核查" in texts and "内部备注" not in texts
    assert [q["id"] for q in body["open_questions"]] == [question.pk]


@pytest.mark.django_db
def test_a_wrong_password_and_an_unknown_receipt_look_the_same(public: APIClient) -> None:
    receipt = public.post(REPORTS, report(), format="json").json()["receipt"]
    wrong_password = public.post(LOOKUP, {"receipt": receipt, "password": "nope-nope"}, format="json")
    other = "1" * 16 if receipt != "1" * 16 else "2" * 16
    unknown = public.post(LOOKUP, {"receipt": other, "password": "secret-pw"}, format="json")

    assert wrong_password.status_code == unknown.status_code == 404
    assert wrong_password.json() == unknown.json()


@pytest.mark.django_db
def test_lookups_are_rate_limited(public: APIClient, settings: Any) -> None:
    settings.HOTLINE_RATE_LIMITS = {"lookup_address": (3, 600), "lookup_receipt": (100, 600)}
    codes = [
        public.post(LOOKUP, {"receipt": "1" * 16, "password": "x" * 8}, format="json").status_code for _ in range(5)
    ]
    assert codes == [404, 404, 404, 429, 429]


@pytest.mark.django_db
def test_followup_answers_a_question_and_adds_a_file(public: APIClient, users: dict[str, Any]) -> None:
    receipt = public.post(REPORTS, report(), format="json").json()["receipt"]
    case = Case.objects.get()
    question = services.case_question_ask(case=case, by=users["dispatcher"], text="具体是哪个仓库？")
    photo = SimpleUploadedFile("more.jpg", jpeg_with_gps(), content_type="image/jpeg")

    response = public.post(
        FOLLOWUP,
        {"receipt": receipt, "password": "secret-pw", "text": "3号仓库", "question": question.pk, "files": [photo]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    answer = CaseEvent.objects.get(kind=EventKind.FOLLOWUP)
    assert answer.text == "3号仓库" and answer.reply_to == question
    assert response.json()["open_questions"] == []
    assert case.attachments.count() == 1


@pytest.mark.django_db
def test_followup_with_a_wrong_password_adds_nothing(public: APIClient) -> None:
    receipt = public.post(REPORTS, report(), format="json").json()["receipt"]
    response = public.post(FOLLOWUP, {"receipt": receipt, "password": "wrong-pw", "text": "x"}, format="json")
    assert response.status_code == 404
    assert not CaseEvent.objects.filter(kind=EventKind.FOLLOWUP).exists()


@pytest.mark.django_db
def test_no_ip_address_is_stored_with_a_public_report(public: APIClient) -> None:
    public.post(REPORTS, report(), format="json", REMOTE_ADDR="203.0.113.77")
    for model in (Case, Reporter, CaseEvent):
        assert "203.0.113.77" not in str(list(model.objects.values()))


@pytest.mark.django_db
def test_the_receipt_password_is_a_salted_pbkdf2_hash_that_the_receipt_lookup_accepts(
    public: APIClient, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.RECEIPT_PASSWORD_ITERATIONS = 20_000
    receipt = public.post(REPORTS, report(), format="json").json()["receipt"]

    stored = Case.objects.get().receipt_password
    assert stored.startswith("pbkdf2_sha256$20000$") and "secret-pw" not in stored
    assert public.post(LOOKUP, {"receipt": receipt, "password": "secret-pw"}, format="json").status_code == 200
    assert public.post(LOOKUP, {"receipt": receipt, "password": "secret-pX"}, format="json").status_code == 404
