"""Open311 GeoReport v2 under ``/open311/v2/``: services and requests, as JSON or XML by extension.

Requests are public reports, but their text can identify a reporter, so listing and reading
need the client's ``api_key`` and show only the requests that client filed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cases.models import Case, CaseEvent, Category, EventKind
from cases.models.states import State
from cases.receipts import format_receipt
from config.errors import ApplicationError
from hotline.models import Open311Client, Open311Request
from hotline.services.open311 import open311_client_for_key, open311_request_create

CLOSED_STATES = {State.CLOSED, State.REJECTED, State.REFERRED, State.MERGED}
MAX_LISTED = 1000


def _render(fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    element = ElementTree.Element(root)
    for row in rows:
        child = ElementTree.SubElement(element, item)
        for key, value in row.items():
            ElementTree.SubElement(child, key).text = (
                "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            )
    body = ElementTree.tostring(element, encoding="unicode", xml_declaration=False)
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>' + body, status=status, content_type="text/xml; charset=utf-8"
    )


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def _service(code: str, name: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": str(name),
        "description": str(name),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": str(_("Work safety")),
    }


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return _render(fmt, "services", "service", [_service(code, str(name)) for code, name in Category.choices])


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if code not in Category.values:
        return _error(fmt, 404, _("No such service."))
    # No extra attributes: every service takes the standard fields only.
    definition = {"service_code": code, "attributes": []}
    if fmt == "json":
        return JsonResponse(definition)
    return _render(fmt, "service_definition", "service", [{"service_code": code}])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _request_row(link: Open311Request) -> dict[str, Any]:
    case: Case = link.case
    latest_note: str = getattr(link, "latest_note", None) or ""
    town = case.town or case.suggested_town
    latest = case.closed_at or case.accepted_at or case.created_at
    return {
        "service_request_id": case.reference,
        "status": "closed" if case.state in CLOSED_STATES else "open",
        "status_notes": case.result_for_reporter or latest_note,
        "service_name": str(Category(case.category).label),
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": town.name if town else str(_("District work-safety bureau")),
        "service_notice": "",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(latest),
        "expected_datetime": None,
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": str(link.latitude) if link.latitude is not None else None,
        "long": str(link.longitude) if link.longitude is not None else None,
        "media_url": None,
    }


def _links(client: Open311Client) -> QuerySet[Open311Request]:
    """The client's requests with their latest public note, in one query however many are listed."""
    notes = (
        CaseEvent.objects.filter(case=OuterRef("case"), public=True, kind__in=[EventKind.NOTE, EventKind.TRANSITION])
        .exclude(text="")
        .order_by("-id")
        .values("text")[:1]
    )
    return (
        Open311Request.objects.filter(client=client)
        .select_related("case__town", "case__suggested_town")
        .annotate(latest_note=Subquery(notes))
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    try:
        client = open311_client_for_key(params.get("api_key", ""))
        if request.method == "POST":
            new = open311_request_create(client=client, form=params.dict())
            notice = _("Keep your receipt %(receipt)s to follow the report.") % {"receipt": format_receipt(new.receipt)}
            return _render(
                fmt,
                "service_requests",
                "request",
                [{"service_request_id": new.case.reference, "service_notice": notice, "account_id": None}],
            )
    except ApplicationError as refusal:
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in refusal.fields.items())
        return _error(fmt, refusal.status_code, f"{refusal.message} {detail}".strip())
    links = _links(client)
    if ids := params.get("service_request_id"):
        links = links.filter(case__reference__in=[i.strip() for i in ids.split(",")])
    if code := params.get("service_code"):
        links = links.filter(case__category__in=code.split(","))
    if (start := parse_datetime(params.get("start_date", ""))) is not None:
        links = links.filter(case__created_at__gte=start)
    if (end := parse_datetime(params.get("end_date", ""))) is not None:
        links = links.filter(case__created_at__lte=end)
    rows = [_request_row(link) for link in links.order_by("-case__created_at")[:MAX_LISTED]]
    if status := params.get("status"):
        rows = [row for row in rows if row["status"] in status.split(",")]
    return _render(fmt, "service_requests", "request", rows)


@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    try:
        client = open311_client_for_key(request.GET.get("api_key", ""))
    except ApplicationError as refusal:
        return _error(fmt, refusal.status_code, refusal.message)
    link = _links(client).filter(case__reference=request_id).first()
    if link is None:
        return _error(fmt, 404, _("No such request."))
    return _render(fmt, "service_requests", "request", [_request_row(link)])
