"""The media storage refuses a file (disk full): the report's text is kept and the reporter told.

The storage backend raising ENOSPC is the edge here; tests/resilience/test_media_disk_full.py fills a
real disk under the production processes.
"""

from __future__ import annotations

import errno
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Attachment, Case, CaseEvent, EventKind
from tests.hotline.conftest import jpeg_with_gps


class FullDisk(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(autouse=True)
def _full_media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDisk", "OPTIONS": {"location": str(tmp_path)}},
    }


def photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


@pytest.mark.django_db
def test_the_api_keeps_the_report_and_names_the_photo_it_could_not_store() -> None:
    body = {"category": "fire_safety", "description": "厂房消防栓被锁", "password": "secret-pw"}
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/reports/", {**body, "files": [photo("exit-door.jpg")]}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    assert len(response.json()["receipt"]) == 16
    assert "exit-door.jpg" in response.json()["message"] and "send them again" in response.json()["message"]
    case = Case.objects.get()
    assert case.description == "厂房消防栓被锁" and not Attachment.objects.exists()
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert "exit-door.jpg" in note.text and not note.public


@pytest.mark.django_db
def test_the_page_shows_the_receipt_and_says_which_photo_to_send_again(client: Client) -> None:
    body = {
        "category": "fire_safety",
        "description": "厂房消防栓被锁",
        "password": "secret-pw",
        "password_again": "secret-pw",
        "anonymous": "on",
    }
    response = client.post("/report/", {**body, "attachments": [photo("现场.jpg")]}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    assert 'id="receipt"' in page and "现场.jpg" in page
    assert Case.objects.get().description == "厂房消防栓被锁"
