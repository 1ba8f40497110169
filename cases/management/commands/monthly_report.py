"""``manage.py monthly_report --month 2026-11 --output report.xlsx``: the city bureau's monthly report.

The same workbook as the dashboard's download, in Chinese unless ``--language`` says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from cases.statistics.monthly_report import parse_month, report_bytes


class Command(BaseCommand):
    help = "Write the monthly report for the city bureau (XLSX) for one month of receipt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM (e.g. 2026-11).")
        parser.add_argument("--output", required=True, type=Path, help="Where to write the .xlsx file.")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, help="Language of the labels (default: zh-hans)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if not output.parent.is_dir():
            raise CommandError(f"--output: the directory {output.parent} does not exist.")
        with translation.override(options["language"]):
            try:
                month = parse_month(options["month"])
            except ValidationError as error:
                raise CommandError(" ".join(f"--{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
            content = report_bytes(month)
        output.write_bytes(content)
        self.stdout.write(f"{output} ({len(content)} bytes) for {month.label}")
