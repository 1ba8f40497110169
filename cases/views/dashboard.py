"""The bureau dashboard, its case exports, and the public monthly figures at ``/stats/``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError as FieldError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from cases.filters import CaseFilter
from cases.models import Category, Channel
from cases.selectors import cases_visible_to
from cases.statistics import selectors as stats
from cases.statistics.exports import csv_stream, xlsx_file
from cases.statistics.figures import NO_INDUSTRY
from cases.statistics.monthly_report import XLSX_CONTENT_TYPE, parse_month, report_bytes
from cases.statistics.panels import dashboard_panels
from cases.views.access import may_see_dashboard, render_page, staff_page
from cases.views.forms import DashboardFilterForm
from directory.access import StaffAccess, access_for
from directory.models import Industry, Role, Town

BAR_CELL = '<td><span class="bar-cell" style="--w: {}%">{}</span></td>'
DIMENSION_LABELS = {"channel": Channel, "category": Category, "industry": Industry}


def may_send_monthly_report(access: StaffAccess) -> bool:
    """The report goes to the city bureau in the bureau's name: its supervisors and dispatchers make it."""
    return access.has_bureau_role(Role.BUREAU_SUPERVISOR, Role.DISPATCHER)


def last_month(today: date | None = None) -> str:
    """The month a report is usually made for: the one just ended."""
    return ((today or timezone.localdate()).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def default_period(today: date | None = None) -> stats.Period:
    """The last twelve months, this one included."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _month in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return stats.Period.months(first, today)


def _label(dimension: str, value: str) -> str:
    if dimension == "industry" and value == NO_INDUSTRY:
        return _("No enterprise identified")
    try:
        return str(DIMENSION_LABELS[dimension](value).label)
    except ValueError:
        return value


def _width(n: int, peak: int) -> int:
    """A bar's length in percent of the largest figure of its chart."""
    return round(100 * n / peak) if peak else 0


def _breakdown_table(breakdown: stats.Breakdown) -> dict[str, Any]:
    """Rows of (label, the row's cells as HTML): built here in one pass, a few hundred cells that the
    template engine would otherwise render node by node on every view."""
    labelled = [(_label(breakdown.dimension, value), breakdown.row(value)) for value in sorted(breakdown.counts)]
    peak = max((n for _label_, counts in labelled for n in counts), default=0)
    # Counts and widths are ints, so the cells need no escaping (format_html per cell cost more than the rest).
    rows = [
        (label, mark_safe("".join(BAR_CELL.format(_width(n, peak), n) for n in counts)))  # noqa: S308
        for label, counts in labelled
    ]
    return {"dimension": breakdown.dimension, "months": breakdown.months, "rows": rows}


@require_GET
@staff_page(may_see_dashboard)
def dashboard(request: HttpRequest) -> HttpResponseBase:
    towns = list(Town.objects.values_list("pk", "name"))
    form = DashboardFilterForm(request.GET or None, towns=towns)
    period, town_id = default_period(), None
    if form.is_bound and form.is_valid():
        defaults = default_period()
        period = stats.Period.months(
            form.cleaned_data["start"] or defaults.start, form.cleaned_data["end"] or defaults.end
        )
        town_id = form.cleaned_data["town"]
    town_ids = [town_id] if town_id else None
    rows = stats.town_figures(period, town_ids, all_towns=[pk for pk, _name in towns])
    names = dict(towns)
    export_query = {"received_after": period.start.isoformat(), "received_before": period.end.isoformat()}
    if town_id:
        export_query["town"] = str(town_id)
    breakdowns = stats.monthly_breakdowns(["channel", "category", "industry"], period, town_ids)
    return render_page(
        request,
        "cases/dashboard.html",
        {
            "form": form,
            "period": period,
            "towns": [(names.get(row.town_id, _("Not assigned yet")), row) for row in rows],
            "total": stats.district_total(rows),
            "breakdowns": [_breakdown_table(breakdown) for breakdown in breakdowns.values()],
            "panels": dashboard_panels(request.user, period, town_id),
            "export_query": "&".join(f"{k}={v}" for k, v in export_query.items()),
            "filter_errors": form.errors if form.is_bound else {},
            "monthly_report": may_send_monthly_report(access_for(request.user)),
            "report_month": last_month(),
        },
    )


@require_GET
@staff_page(may_see_dashboard)
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered cases (same filters as the API's case list) as CSV or XLSX, streamed."""
    filtered = CaseFilter(request.GET, queryset=cases_visible_to(request.user))
    try:
        if not filtered.is_valid():
            raise ValidationError(filtered.errors)
        cases = filtered.qs
    except ValidationError as error:
        errors = error.detail if isinstance(error.detail, dict) else {"filter": error.detail}
        details = "; ".join(f"{field}: {' '.join(map(str, texts))}" for field, texts in errors.items())
        return render_page(request, "cases/refused.html", {"message": details}, status=400)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(cases),
            as_attachment=True,
            filename=f"cases-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_stream(cases), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    return response


@require_GET
@staff_page(may_send_monthly_report)
def monthly_report(request: HttpRequest) -> HttpResponseBase:
    """The month's report for the city bureau (``?month=YYYY-MM``), built in memory: a few kilobytes."""
    try:
        month = parse_month(request.GET.get("month"))
    except FieldError as error:
        message = " ".join(f"{_('Month')}: {' '.join(texts)}" for texts in error.message_dict.values())
        return render_page(request, "cases/refused.html", {"message": message}, status=400)
    response = HttpResponse(report_bytes(month), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="monthly-report-{month.label}.xlsx"'
    return response


@require_GET
def public_stats(request: HttpRequest) -> HttpResponseBase:
    """Monthly district figures for the public: counts and rates only, no case detail."""
    months = stats.public_monthly(default_period())
    return render_page(request, "cases/stats.html", {"months": months})
