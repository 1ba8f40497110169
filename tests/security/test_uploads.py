"""Hostile uploads to the public mailbox: polyglots, lying names, bombs and oversized files.

Files are judged by their bytes, never by their name or declared type. Anything the mailbox does
not take is refused with a message naming the file in the reporter's language, and nothing is
stored: no case, no attachment, no file on disk. A photo that smuggles another format after its
image data is kept as evidence (phones append data too), but staff only ever see a copy re-encoded
from its pixels, served as an image that the browser must not sniff.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from cases.models import Attachment, Case
from tests.hotline.conftest import jpeg_with_gps
from tests.pages.conftest import verified_client

REPORTS = "/api/v1/reports/"
HTML = b"<html><script>alert(document.cookie)</script></html>"
NOT_TAKEN = "is not a photo, video, audio recording or PDF"
REPORT = {"category": "fire_safety", "description": "仓库着火", "password": "secret-pw"}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def zip_bomb() -> bytes:
    """A 20 KB archive that inflates to 100 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("photo.jpg", b"\0" * 100_000_000)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG with its frame header rewritten to claim ``width`` × ``height``."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, format="JPEG")
    data = bytearray(out.getvalue())
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_zip_appended() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", HTML)
    return jpeg_with_gps() + out.getvalue() + HTML


REFUSED = {
    "zip-bomb": ("photo.jpg", zip_bomb(), NOT_TAKEN, "不是"),
    "html-named-jpeg": ("photo.jpg", HTML, NOT_TAKEN, "不是"),
    "html-then-jpeg": ("photo.jpg", HTML + jpeg_with_gps(), NOT_TAKEN, "不是"),
    "exe-named-pdf": (
        "notice.pdf",
        b"MZ\x90\x00" + b"\0" * 200,
        NOT_TAKEN,
        "不是",
    ),
    "png-bomb": ("photo.png", png_claiming(100_000, 100_000), "has too many pixels", "像素"),
    "jpeg-bomb": ("photo.jpg", jpeg_claiming(60_000, 60_000), "has too many pixels", "像素"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(REFUSED))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_hostile_file_is_refused_in_the_reporters_language_and_nothing_is_stored(
    media: Path, case: str, language: str
) -> None:
    name, content, english, chinese = REFUSED[case]
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = APIClient(HTTP_ACCEPT_LANGUAGE=language).post(REPORTS, {**REPORT, "files": [upload]}, format="multipart")

    assert response.status_code == 400
    error = response.json()["error"]
    (refusal,) = error["fields"]["files"]
    assert name in refusal
    assert (english if language == "en" else chinese) in refusal
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_an_upload_past_the_size_limit_is_refused_on_the_web_form_too(media: Path, settings: Any) -> None:
    settings.HOTLINE_MAX_UPLOAD_BYTES = {"image": 10_000}
    upload = SimpleUploadedFile("big.jpg", jpeg_with_gps() + b"\0" * 20_000, content_type="image/jpeg")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/report/", {**REPORT, "password_again": REPORT["password"], "attachments": [upload]}
    )
    assert page.status_code == 400
    assert "larger than" in page.content.decode()
    assert not Case.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_a_photo_carrying_a_zip_and_html_reaches_staff_only_as_a_clean_image(
    media: Path, users: dict[str, Any]
) -> None:
    polyglot = jpeg_with_zip_appended()
    upload = SimpleUploadedFile("evil.html", polyglot, content_type="text/html")  # the name and type lie
    response = APIClient().post(REPORTS, {**REPORT, "files": [upload]}, format="multipart")
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/jpeg"
    assert str(attachment.original_file.name).endswith(".jpg.enc")  # named after the bytes, not "evil.html"
    assert str(attachment.display_file.name).endswith(".jpg")

    case = Case.objects.get()
    shown = verified_client(users["dispatcher"]).get(f"/cases/{case.reference}/attachments/{attachment.pk}/")
    assert shown.status_code == 200
    body = shown.getvalue()
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert b"PK\x03\x04" not in body and b"<script>" not in body  # re-encoded from the pixels alone
    assert Image.open(io.BytesIO(body)).size == (64, 48)
