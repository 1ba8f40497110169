"""A reporter's way in: receipt and password, rate-limited, one answer for every kind of wrong.

Guessing is limited per client address and per receipt; the address is only hashed into a
short-lived cache key, never stored. A wrong receipt, a wrong password and a throttled try all
look the same apart from the throttle's own message, so nobody learns whether a receipt exists.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest
from django.utils.translation import gettext as _

from cases.models import Case
from cases.receipts import parse_receipt, receipt_index
from cases.selectors import case_for_receipt
from config import ratelimit
from config.crypto import blind_index
from config.errors import ApplicationError, NotFound
from hotline import conf
from hotline.models import InboundReport
from hotline.selectors import inbound_for_receipt
from hotline.services.inbound import payload_of


class TooManyTries(ApplicationError):
    status_code = 429
    code = "rate_limited"


class StillRegistering(ApplicationError):
    """The receipt and password are right, but the worker has not built the case yet."""

    status_code = 409
    code = "being_registered"


def _waiting_for(digits: str, password: str) -> bool:
    """True when the receipt belongs to a mailbox report still waiting for its case, and the password is its own."""
    inbound = inbound_for_receipt(digits)
    if inbound is None or inbound.status != InboundReport.Status.PENDING:
        return False
    chosen = str(payload_of(inbound).get("password", ""))
    return bool(chosen) and hmac.compare_digest(chosen.encode(), password.encode())


def address_key(request: HttpRequest) -> str:
    return blind_index("address:" + request.META.get("REMOTE_ADDR", ""))


def throttle(name: str, key: str) -> None:
    limit, window = conf.rate_limit(name)
    if not ratelimit.hit(f"{name}:{key}", limit=limit, window_seconds=window):
        raise TooManyTries(_("Too many attempts. Please wait a few minutes and try again."))


def case_for_reporter(request: HttpRequest, receipt: str, password: str) -> Case:
    throttle("lookup_address", address_key(request))
    digits = parse_receipt(receipt)
    if digits is not None:
        throttle("lookup_receipt", receipt_index(digits))
    case = case_for_receipt(receipt, password)
    if case is None and digits is not None and _waiting_for(digits, password):
        raise StillRegistering(
            _("Your report has been received and is being registered. Please try again in a minute.")
        )
    if case is None:
        raise NotFound(
            _("The receipt or the password is not right."),
            code="not_found",
            fields={"receipt": [_("Check the receipt and the password.")]},
        )
    while case.merged_into_id is not None and case.merged_into is not None:
        case = case.merged_into  # a duplicate lives on in the case it was merged into
    return case
