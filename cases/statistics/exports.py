"""CSV and XLSX exports of a filtered list of cases, streamed in constant memory.

Rows come from ``.iterator()`` over a ``values_list`` (no model instances, no reporter data);
CSV is written row by row into the response, XLSX through openpyxl's write-only workbook into a
spooled temporary file that the response then streams.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cases.models import Case, Category, Channel, HazardLevel, State
from directory.models import Industry

COLUMNS = (
    "reference",
    "created_at",
    "state",
    "channel",
    "category",
    "town__name",
    "enterprise_name",
    "enterprise__industry",
    "due_date",
    "closed_at",
    "substantiated",
    "hazard_level",
    "fine_amount",
)
_CHUNK = 2_000


def headers() -> list[str]:
    return [
        _("Reference"),
        _("Received"),
        _("State"),
        _("Channel"),
        _("Category"),
        _("Town"),
        _("Enterprise"),
        _("Industry"),
        _("Due"),
        _("Closed"),
        _("Substantiated"),
        _("Hazard level"),
        _("Fine (yuan)"),
    ]


def _label(choices: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_rows(cases: QuerySet[Case]) -> Iterator[list[str]]:
    """Display values, in the active language and Asia/Shanghai time."""
    yes, no = _("yes"), _("no")
    rows = cases.order_by("-created_at", "-pk").values_list(*COLUMNS).iterator(chunk_size=_CHUNK)
    for ref, created, state, channel, category, town, enterprise, industry, due, closed, subst, hazard, fine in rows:
        yield [
            ref,
            _local(created),
            _label(State, state),
            _label(Channel, channel),
            _label(Category, category),
            town or "",
            enterprise,
            _label(Industry, industry),
            due.isoformat() if due else "",
            _local(closed),
            "" if subst is None else (yes if subst else no),
            _label(HazardLevel, hazard),
            str(fine),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas (CSV injection).
    return "'" + value if value[:1] in {"=", "+", "-", "@"} and not _is_number(value) else value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def csv_stream(cases: QuerySet[Case]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheet programs read the Chinese text as UTF-8
    yield writer.writerow(headers())
    for row in export_rows(cases):
        yield writer.writerow([_safe_cell(cell) for cell in row])


def xlsx_file(cases: QuerySet[Case]) -> IO[bytes]:
    """The workbook in a temporary file (memory stays flat: write-only mode keeps no rows)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cases"))
    sheet.append(headers())
    for row in export_rows(cases):
        sheet.append([_safe_cell(cell) for cell in row])
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  (the response closes it)
    workbook.save(output)
    output.seek(0)
    return output
