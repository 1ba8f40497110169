"""Reporter data is unreadable in the database, findable by phone, and survives key rotation."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from cases.models import Reporter
from cases.services import reporter_create, reporter_find_by_phone

pytestmark = pytest.mark.django_db


def raw_phone(reporter: Reporter) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM cases_reporter WHERE id = %s", [reporter.pk])
        return cursor.fetchone()[0]


def test_the_phone_is_stored_encrypted_and_found_through_its_index() -> None:
    reporter = reporter_create(name="李四", phone="138 0000 1111")
    assert "13800001111" not in raw_phone(reporter)
    assert Reporter.objects.get(pk=reporter.pk).phone == "+8613800001111"
    assert reporter_find_by_phone("+86 138-0000-1111") == reporter


def test_rotation_moves_every_row_to_the_new_key(settings: Any) -> None:
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    reporter = reporter_create(name="王五", phone="13900002222", id_number="44060519900101123x")
    before = raw_phone(reporter)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]  # deploy the new key first; old still reads
    call_command("rotate_encryption_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # then retire the old one

    rotated = Reporter.objects.get(pk=reporter.pk)
    assert raw_phone(reporter) != before
    assert (rotated.name, rotated.phone, rotated.id_number) == ("王五", "+8613900002222", "44060519900101123X")
