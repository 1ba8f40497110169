"""Open311 GeoReport v2 clients: keys kept as hashes, requests filed as cases through the mailbox service."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Category, Channel
from cases.services.intake import NewCase
from config.crypto import blind_index
from config.errors import ApplicationError, Forbidden
from hotline.models import Open311Client, Open311Request
from hotline.services.mailbox import ReporterDetails, WrittenReport, report_submit


def key_hash(api_key: str) -> str:
    return blind_index("open311:" + api_key)


def open311_client_create(*, name: str) -> tuple[Open311Client, str]:
    """A new client and its key; the key is shown this once and stored only as a hash."""
    api_key = secrets.token_urlsafe(24)
    return Open311Client.objects.create(name=name, key_hash=key_hash(api_key)), api_key


def open311_client_for_key(api_key: str) -> Open311Client:
    client = Open311Client.objects.filter(key_hash=key_hash(api_key), active=True).first() if api_key else None
    if client is None:
        raise Forbidden(_("api_key is missing or not valid."), code="api_key", fields={"api_key": [_("Not valid.")]})
    return client


def _coordinate(raw: str, field: str, limit: int) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw).quantize(Decimal("0.000001"))
    except InvalidOperation:
        value = Decimal(limit + 1)
    if not value.is_finite() or abs(value) > limit:
        raise ApplicationError(
            _("%(field)s is not a coordinate.") % {"field": field}, fields={field: [_("Not valid.")]}
        )
    return value


def open311_request_create(*, client: Open311Client, form: dict[str, str]) -> NewCase:
    service_code = form.get("service_code", "")
    if service_code not in Category.values:
        raise ApplicationError(
            _("service_code is not one of the services."), fields={"service_code": [_("Unknown service.")]}
        )
    latitude = _coordinate(form.get("lat", ""), "lat", 90)
    longitude = _coordinate(form.get("long", ""), "long", 180)
    address = form.get("address_string", "") or (f"{latitude},{longitude}" if latitude is not None else "")
    name = " ".join(filter(None, [form.get("last_name", ""), form.get("first_name", "")])).strip()
    named = bool(name or form.get("phone") or form.get("email"))
    with transaction.atomic():
        new = report_submit(
            report=WrittenReport(description=form.get("description", ""), category=service_code, address=address),
            reporter=ReporterDetails(
                anonymous=not named, name=name, phone=form.get("phone", ""), email=form.get("email", "")
            ),
            password="",
            uploads=[],
            channel=Channel.OPEN311,
            password_required=False,
        )
        Open311Request.objects.create(case=new.case, client=client, latitude=latitude, longitude=longitude)
    return new
