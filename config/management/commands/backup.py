"""``manage.py backup``: the database and media into one archive under var/backups/ (``make backup``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database and the media directory into one archive, with a manifest. Keys are not included."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--into", type=Path, default=Path(settings.BASE_DIR) / "var" / "backups")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive = backup(options["into"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(archive))
        self.stderr.write(
            "The encryption keys are not in the archive: keep FIELD_ENCRYPTION_KEYS, FIELD_HMAC_KEY and "
            "SECRET_KEY in the secret store, apart from the backups."
        )
