"""``manage.py restore <archive>``: into an empty database, then verified against the manifest (``make restore``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.backup import BackupError, keys_match, restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and the media directory, and verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"No such archive: {archive}")
        try:
            restored = restore(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {restored.rows} rows in {restored.tables} tables and {restored.files} media files; "
            "all match the manifest."
        )
        if not keys_match(archive):
            self.stderr.write(
                "Warning: the archive was written with encryption keys these settings do not hold. "
                "Cases are back, but reporters' contact details stay unreadable until FIELD_ENCRYPTION_KEYS "
                "and FIELD_HMAC_KEY hold the keys of the backed-up service."
            )
