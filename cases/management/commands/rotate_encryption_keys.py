"""``manage.py rotate_encryption_keys``: re-encrypt personal data under the newest key, no downtime.

Rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after it) and
deploy; every process now writes with the new key and still reads the old. Run this command;
when it reports nothing left under an old key, remove the old keys.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction

from config.crypto import EncryptedTextField

BATCH = 500


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def rotate_model(model: type[models.Model]) -> int:
    """Rewrite each row's encrypted columns (decrypting with any key, encrypting with the first)."""
    fields = encrypted_fields(model)
    rewritten = 0
    last_pk: Any = None
    while True:
        rows = model._default_manager.order_by("pk").only("pk", *fields)
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows[:BATCH])
        if not batch:
            return rewritten
        with transaction.atomic():
            for row in batch:
                # update() bypasses save() hooks, so append-only guards and timestamps stay untouched.
                model._default_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
        rewritten += len(batch)
        last_pk = batch[-1].pk


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            if encrypted_fields(model):
                count = rotate_model(model)
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
