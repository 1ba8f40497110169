"""``manage.py backup`` / ``restore`` (``make backup`` / ``make restore``): back up, lose everything, restore.

Runs on the database the suite runs on: SQLite through the online backup API, PostgreSQL through
pg_dump/pg_restore. Transactional, because pg_dump reads what is committed.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Attachment, Case, CaseEvent, Reporter
from config.crypto import fernet
from rewards.models import LedgerEntry
from tests.hotline.conftest import jpeg_with_gps
from tests.rewards import flows
from tests.rewards.conftest import national_policy, report  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _schema_back_after_a_failed_restore() -> Iterator[None]:
    """A test that failed between wiping and restoring would leave the rest of the suite no tables."""
    yield
    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            call_command("migrate", verbosity=0)


def wipe_database() -> None:
    """Lose every table, as a new, empty database has none."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            return
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'DROP TABLE "{table}"')


def snapshot() -> dict[str, Any]:
    """What must come back, row for row, and the evidence as the reporter sent it."""
    return {
        "cases": list(Case.objects.order_by("pk").values()),
        "events": list(CaseEvent.objects.order_by("pk").values()),
        "ledger": list(LedgerEntry.objects.order_by("pk").values()),
        "reporters": [(r.pk, r.name, r.phone) for r in Reporter.objects.order_by("pk")],
        "evidence": [(a.sha256, fernet().decrypt(a.original_file.read())) for a in Attachment.objects.order_by("pk")],
    }


def back_up(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", into=tmp_path / "backups", stdout=out, stderr=io.StringIO())
    return Path(out.getvalue().strip())


@pytest.fixture
def service_with_history(report: Any, users: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """A paid reward (ledger rows), a web report with a photo (encrypted evidence), their events."""
    paid = report()
    flows.paid(paid.reward, paid.receipt, users)
    photo = SimpleUploadedFile("site.jpg", jpeg_with_gps(), content_type="image/jpeg")
    body = {"category": "fire_safety", "description": "仓库堆满油漆", "password": "pw-123456", "files": [photo]}
    assert APIClient().post("/api/v1/reports/", body, format="multipart").status_code == 201
    before = snapshot()
    assert before["ledger"] and before["evidence"] and len(before["cases"]) == 2
    return before


def test_backup_wipe_restore_brings_back_cases_events_ledger_and_evidence(
    service_with_history: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    archive = back_up(tmp_path)
    assert archive.parent == tmp_path / "backups" and archive.name.endswith(".tar.gz")

    wipe_database()
    shutil.rmtree(settings.MEDIA_ROOT)
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out, stderr=io.StringIO())

    assert "all match the manifest" in out.getvalue()
    assert snapshot() == service_with_history


def test_the_archive_holds_a_manifest_and_no_keys(
    service_with_history: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    archive = back_up(tmp_path)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        contents = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())  # type: ignore[union-attr]
    assert manifest["database"]["rows"]["cases_case"] == 2
    assert manifest["database"]["rows"]["rewards_ledgerentry"] == len(service_with_history["ledger"])
    assert len(manifest["media"]) == Attachment.objects.count() + Attachment.objects.exclude(display_file="").count()
    for key in [*settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_HMAC_KEY]:
        assert key.encode() not in contents


def test_restore_refuses_a_database_that_is_not_empty(service_with_history: dict[str, Any], tmp_path: Path) -> None:
    archive = back_up(tmp_path)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert snapshot() == service_with_history


def test_restore_refuses_a_damaged_archive_and_restores_nothing(
    service_with_history: dict[str, Any], tmp_path: Path
) -> None:
    archive = back_up(tmp_path)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("media/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    wipe_database()

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), stdout=io.StringIO())
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []

    call_command("restore", str(archive), stdout=io.StringIO(), stderr=io.StringIO())  # the intact one still does
    assert snapshot() == service_with_history


def test_restore_warns_when_these_settings_lack_the_keys_of_the_backup(
    service_with_history: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    archive = back_up(tmp_path)
    wipe_database()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    warnings = io.StringIO()
    call_command("restore", str(archive), stdout=io.StringIO(), stderr=warnings)

    assert "contact details stay unreadable" in warnings.getvalue()
    assert Case.objects.count() == 2  # the cases are back all the same


def test_restore_refuses_an_archive_with_an_entry_outside_its_folder(
    service_with_history: dict[str, Any], tmp_path: Path
) -> None:
    archive = back_up(tmp_path)
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(forged, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))
        escape = tarfile.TarInfo("../../outside.txt")
        escape.size = 2
        target.addfile(escape, io.BytesIO(b"hi"))
    wipe_database()

    with pytest.raises(CommandError, match="unsafe entry"):
        call_command("restore", str(forged), stdout=io.StringIO())
    assert not (tmp_path / "outside.txt").exists()
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []
