"""The monthly report for the city bureau: one XLSX workbook for one month of receipt.

The case figures come from the same pre-aggregated tables and selectors as the dashboard, so the
report for a month equals the dashboard filtered to that month. Apps above ``cases`` (rewards)
add their own sheets through ``register_section`` — ``cases`` never imports them, as with
``cases.events.subscribe``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from cases.models import Case, Category, Channel, State
from cases.statistics import selectors as stats
from cases.statistics.figures import NO_INDUSTRY, NO_TOWN
from cases.statistics.models import TownDayFigure
from directory.models import Industry, Town

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class ReportMonth:
    """The month reported on, and the moment the report was made (for the live "overdue" figure)."""

    period: stats.Period
    made_at: datetime

    @property
    def label(self) -> str:
        return self.period.start.strftime("%Y-%m")

    def local_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the month as aware datetimes in the local time zone (Asia/Shanghai)."""
        following = date.fromordinal(self.period.end.toordinal() + 1)
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.period.start, time.min), zone),
            timezone.make_aware(datetime.combine(following, time.min), zone),
        )


SectionBuilder = Callable[[Workbook, ReportMonth], None]
_sections: dict[str, SectionBuilder] = {}


def register_section(name: str, builder: SectionBuilder) -> None:
    """Let an app above ``cases`` add sheets to every monthly report (call it from ``AppConfig.ready``).

    Registering the same name again replaces the builder, so a reloaded app does not add a sheet twice.
    """
    _sections[name] = builder


def parse_month(text: str | None, today: date | None = None) -> ReportMonth:
    """``YYYY-MM`` → the month; refuses malformed input and months that have not begun, naming the field."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(
            {"month": _("Give the month as YYYY-MM, for example 2026-11 (got “%(value)s”).") % {"value": text or ""}}
        )
    first = date(int(match.group(1)), int(match.group(2)), 1)
    if first > (today or timezone.localdate()):
        raise ValidationError({"month": _("The month %(value)s has not begun yet.") % {"value": text}})
    return ReportMonth(period=stats.Period.months(first, first), made_at=timezone.localtime())


def write_table(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A bold header row, the rows, a frozen header and columns wide enough for Chinese labels."""
    sheet.append(list(headers))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    if header_row == 1:
        sheet.freeze_panes = "A2"
    for cell, header in zip(sheet[header_row], headers, strict=False):
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.width = max(dimension.width or 0, 12, 2 * len(str(header)) + 2)


@dataclass
class TownReportRow:
    """One town's line: the dashboard's figures plus what the report adds."""

    name: str
    figures: stats.TownFigures
    declined: dict[str, int]  # rejected / referred / merged
    substantiated: int = 0
    with_findings: int = 0
    anonymous: int = 0

    @property
    def substantiation_rate(self) -> float | None:
        return self.substantiated / self.with_findings if self.with_findings else None

    @property
    def anonymous_share(self) -> float | None:
        return self.anonymous / self.figures.received if self.figures.received else None


def _declined_by_state(period: stats.Period) -> dict[int, dict[str, int]]:
    rows = (
        TownDayFigure.objects.filter(
            day__gte=period.start, day__lte=period.end, state__in=stats.DECLINED_STATES, cases__gt=0
        )
        .order_by()
        .values_list("town_id", "state")
        .annotate(n=Sum("cases"))
    )
    out: dict[int, dict[str, int]] = {}
    for town_id, state, n in rows:
        out.setdefault(town_id, {})[state] = n
    return out


def _case_rates(month: ReportMonth) -> dict[int, tuple[int, int, int]]:
    """Per town: (substantiated, closed with findings, anonymous) over the cases received in the month.

    Not kept pre-aggregated: one month is a few thousand rows on the ``created_at`` index.
    """
    start, end = month.local_bounds()
    rows = (
        Case.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("town_id")
        .annotate(
            n_substantiated=Count("pk", filter=Q(state=State.CLOSED, substantiated=True)),
            n_with_findings=Count("pk", filter=Q(state=State.CLOSED, substantiated__isnull=False)),
            n_anonymous=Count("pk", filter=Q(reporter__anonymous=True)),
        )
        .values_list("town_id", "n_substantiated", "n_with_findings", "n_anonymous")
    )
    return {town or NO_TOWN: (s, f, a) for town, s, f, a in rows}


def town_rows(month: ReportMonth) -> tuple[list[TownReportRow], TownReportRow]:
    """Every town with cases received in the month (and "not assigned yet"), and the district total."""
    figures = stats.town_figures(month.period)
    names = dict(Town.objects.values_list("pk", "name"))
    declined = _declined_by_state(month.period)
    rates = _case_rates(month)
    rows = []
    for row in figures:
        s, f, a = rates.get(row.town_id, (0, 0, 0))
        name = names.get(row.town_id, _("Not assigned yet")) if row.town_id != NO_TOWN else _("Not assigned yet")
        rows.append(TownReportRow(name, row, declined.get(row.town_id, {}), s, f, a))
    total = TownReportRow(
        _("District"),
        stats.district_total(figures),
        {state: sum(r.declined.get(state, 0) for r in rows) for state in stats.DECLINED_STATES},
        sum(r.substantiated for r in rows),
        sum(r.with_findings for r in rows),
        sum(r.anonymous for r in rows),
    )
    return rows, total


def _town_line(row: TownReportRow) -> list[Any]:
    f = row.figures
    return [
        row.name,
        f.received,
        f.handled,
        row.declined.get(State.REJECTED, 0),
        row.declined.get(State.REFERRED, 0),
        row.declined.get(State.MERGED, 0),
        f.closed,
        f.closure_rate,
        f.on_time_rate,
        f.median_days,
        f.p90_days,
        row.substantiation_rate,
        row.anonymous_share,
        f.overdue_now,
    ]


def _percent_columns(sheet: Worksheet, letters: Sequence[str]) -> None:
    for letter in letters:
        for cell in sheet[letter][1:]:
            cell.number_format = "0.0%"


def _towns_sheet(workbook: Workbook, month: ReportMonth) -> None:
    sheet = workbook.create_sheet(_("By town"))
    rows, total = town_rows(month)
    write_table(
        sheet,
        [
            _("Town"),
            _("Received"),
            _("Accepted (taken on)"),
            _("Rejected"),
            _("Referred"),
            _("Merged"),
            _("Closed"),
            _("Closure rate"),
            _("On-time rate"),
            _("Median days to close"),
            _("90th percentile of days to close"),
            _("Substantiation rate"),
            _("Anonymous share"),
            _("Overdue now (%(moment)s)") % {"moment": month.made_at.strftime("%Y-%m-%d %H:%M")},
        ],
        [*(_town_line(row) for row in rows), _town_line(total)],
    )
    _percent_columns(sheet, ("H", "I", "L", "M"))
    sheet.append([])
    sheet.append(
        [
            _(
                "Cases received in %(month)s, in the state they are in now. Accepted counts cases taken on "
                "(accepted, assigned, investigating, in review or closed); rates are of those taken on. "
                "Overdue counts every open case past its due date at the time the report was made."
            )
            % {"month": month.label}
        ]
    )


BREAKDOWN_LABELS: dict[str, Any] = {"channel": Channel, "category": Category, "industry": Industry}


def breakdown_counts(dimension: str, month: ReportMonth) -> list[tuple[str, int]]:
    """(label, cases received in the month) for one dimension, largest first — the dashboard's breakdown."""
    breakdown = stats.monthly_breakdown(dimension, month.period)
    counts = [(value, sum(breakdown.row(value))) for value in breakdown.counts]
    return [(_breakdown_label(dimension, value), n) for value, n in sorted(counts, key=lambda c: (-c[1], c[0]))]


def _breakdown_label(dimension: str, value: str) -> str:
    if dimension == "industry" and value == NO_INDUSTRY:
        return _("No enterprise identified")
    try:
        return str(BREAKDOWN_LABELS[dimension](value).label)
    except ValueError:
        return value


def _breakdown_sheet(workbook: Workbook, month: ReportMonth, dimension: str, title: str, header: str) -> None:
    sheet = workbook.create_sheet(title)
    counts = breakdown_counts(dimension, month)
    write_table(sheet, [header, _("Received")], [*counts, (_("Total"), sum(n for _label, n in counts))])


def _cover_sheet(workbook: Workbook, month: ReportMonth) -> None:
    sheet = workbook.create_sheet(_("Summary"))
    sheet.append([_("Work-safety hotline: monthly report to the city bureau")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Month"), month.label])
    sheet.append([_("Cases received"), f"{month.period.start:%Y-%m-%d} – {month.period.end:%Y-%m-%d}"])
    sheet.append([_("Made at"), month.made_at.strftime("%Y-%m-%d %H:%M")])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 28


def build_workbook(month: ReportMonth) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _cover_sheet(workbook, month)
    _towns_sheet(workbook, month)
    _breakdown_sheet(workbook, month, "channel", _("By channel"), _("Channel"))
    _breakdown_sheet(workbook, month, "category", _("By category"), _("Category"))
    _breakdown_sheet(workbook, month, "industry", _("By industry"), _("Industry"))
    for builder in _sections.values():
        builder(workbook, month)
    return workbook


def report_bytes(month: ReportMonth) -> bytes:
    """The workbook as bytes: a month's report is a few kilobytes, so it is built in memory."""
    output = io.BytesIO()
    build_workbook(month).save(output)
    return output.getvalue()
